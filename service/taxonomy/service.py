"""Taxonomy import and the embedded skill space of the default release."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

import taxonomy as tx
from embeddings import IndexFileError, TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.hit_cache import HitCache, Hits
from ingest.label_dictionary import LabelDictionary
from ingest.mapping import MappingSettings, SkillMapper
from ingest.mapping_model import DEFAULT_ARTEFACT, LearnedRanking, MappingModel, Thresholds
from service.bulk import bulk_encoder
from service.db.models import Taxonomy
from service.errors import InvalidRequestError
from service.settings import Settings
from service.taxonomy import repository as repo
from service.taxonomy.label_search import LabelSearch

# What other features read of the taxonomy tables: offered here so that no other feature
# imports this feature's repository.
default_taxonomy = repo.default_taxonomy
skills_by_ids = repo.skills_by_ids
essential_skills_of = repo.essential_skills_of
aligned_skill = repo.aligned_skill

_log = logging.getLogger(__name__)


def import_release(
    session: Session, release: tx.TaxonomyRelease, *, make_default: bool, replace: bool = False
) -> Taxonomy:
    """Store a taxonomy release.

    Args:
        session: Open session; the caller commits.
        release: What the taxonomy importer read.
        make_default: Use this release for mapping and matching from now on.
        replace: Delete an already imported release with the same identity first.

    Raises:
        InvalidRequestError: The release is already imported and ``replace`` is false.
    """
    existing = repo.find_taxonomy(session, release.framework, release.version, release.language)
    if existing is not None:
        if not replace:
            raise InvalidRequestError(
                f"{release.framework} {release.version} ({release.language}) is already imported; "
                "pass --replace to import it again"
            )
        if repo.taxonomy_has_evidence(session, existing.id):
            # Replacing would delete the verified skills candidates hold through it.
            raise InvalidRequestError(
                f"{release.framework} {release.version} ({release.language}) backs candidate "
                "evidence and cannot be replaced; import the new data under another version"
            )
        repo.delete_taxonomy(session, existing)
    rows = repo.ReleaseRows(
        skills=[
            {
                "uri": s.uri,
                "preferred_label": s.preferred_label[:500],
                "description": s.description,
                "skill_type": s.skill_type[:40],
                "reuse_level": s.reuse_level[:40],
                "code": s.code[:100],
                "category": s.category[:200],
                "subcategory": s.subcategory[:200],
                "source_url": s.source_url[:500],
                "tags": "\n".join(s.tags),
            }
            for s in release.skills
        ],
        labels=[(uri, label[:500], kind) for uri, label, kind in tx.iter_skill_labels(release)],
        groups=[
            {"uri": g.uri, "code": g.code[:40], "preferred_label": g.preferred_label[:500]}
            for g in release.groups
        ],
        broader=[(b.narrower_uri, b.broader_uri) for b in release.broader],
        occupations=[
            {
                "uri": o.uri,
                "code": o.code[:40],
                "isco_group": o.isco_group[:20],
                "preferred_label": o.preferred_label[:500],
                "alt_labels": "\n".join(o.alt_labels),
                "description": o.description,
            }
            for o in release.occupations
        ],
        occupation_skills=[
            (r.occupation_uri, r.skill_uri, r.relation, r.importance)
            for r in release.occupation_skills
        ],
        skill_relations=[
            (r.source_uri[:300], r.target_uri[:300], r.relation[:40])
            for r in release.skill_relations
        ],
        collections=[(c.name[:100], uri) for c in release.collections for uri in c.skill_uris],
    )
    taxonomy = repo.insert_release(
        session,
        framework=release.framework,
        version=release.version,
        language=release.language,
        source=release.source,
        rows=rows,
    )
    if make_default or repo.default_taxonomy(session) is None:
        repo.make_default_taxonomy(session, taxonomy.id)
        taxonomy.is_default = True
    return taxonomy


def _label_fingerprint(rows: list[tuple[int, str, str]]) -> str:
    digest = hashlib.sha256()
    for skill_id, label, kind in rows:
        digest.update(f"{skill_id}\x1f{label}\x1f{kind}\x1e".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class SkillSpecificity:
    """How few occupations of a release list each skill: its weight as a job requirement.

    A skill that hundreds of occupations list ("use different communication channels",
    "manage staff") says little about fit; one that few list ("SQL") says much. As TF-IDF
    weighs a word, with occupations as documents: ``idf(s) = ln((1 + N) / (1 + n_s)) + 1``
    for ``N`` occupations listing skills and ``n_s`` listing ``s``; :meth:`factor` is
    ``(idf(s) / idf_max) ** exponent``, in (0, 1]. A transversal skill (teamwork, a
    language) counts as listed by every occupation, which ESCO leaves unsaid; another skill
    no occupation lists counts as listed by none. A release with fewer than
    :attr:`MIN_OCCUPATIONS` such occupations cannot tell common from specific: every
    factor is 1.

    Attributes:
        occupations: Occupations of the release that list skills.
        listed_by: Skill id -> occupations listing it (essential or optional).
        transversal: Skills counted as listed by every occupation.
    """

    MIN_OCCUPATIONS: ClassVar[int] = 100
    """ESCO lists skills for about 3,000 occupations, O*NET for about 900."""
    LEAST: ClassVar[float] = 0.0001
    """No factor is below this, so a job's weights never sum to 0."""

    occupations: int = 0
    listed_by: Mapping[int, int] = field(default_factory=dict)
    transversal: frozenset[int] = frozenset()

    def factor(self, skill_id: int, exponent: float) -> float:
        """The weight factor of a skill at ``exponent`` (0: every skill weighs 1)."""
        if exponent <= 0 or self.occupations < self.MIN_OCCUPATIONS:
            return 1.0
        most = math.log(1 + self.occupations) + 1
        listed = (
            self.occupations if skill_id in self.transversal else self.listed_by.get(skill_id, 0)
        )
        idf = math.log((1 + self.occupations) / (1 + listed)) + 1
        return max(round(float((idf / most) ** exponent), 4), self.LEAST)


@dataclass(frozen=True, slots=True)
class TaxonomyContext:
    """Everything mapping and matching need about the default release.

    Attributes:
        taxonomy_id: Database id of the release.
        key: Release key (``esco@1.1.1``).
        space: Label index and skill vectors.
        mapper: Text and achievement to skill mapper.
        skill_ids: Skill URI -> database id.
        labels: Typo-tolerant search over every label.
        skill_segments: Short id (last URI segment) -> database id.
        occupations: The titles (preferred and alternative labels) of the release's
            occupations that list essential skills, embedded; ``None`` when it has none
            (the packaged ESCO release ships skills only).
        title_cache: The closest occupation titles of job titles read before (postings
            repeat their titles), keyed by how many were searched; the product sizes it
            as the phrase cache, by default it remembers nothing.
        specificity: How few occupations list each skill (requirement weights).
    """

    taxonomy_id: int
    key: str
    space: SkillSpace
    mapper: SkillMapper
    skill_ids: dict[str, int]
    labels: LabelSearch
    skill_segments: dict[str, int]
    occupations: SkillSpace | None = None
    title_cache: HitCache = field(default_factory=lambda: HitCache(0))
    specificity: SkillSpecificity = field(default_factory=SkillSpecificity)

    def occupation_of_title(self, title: str, min_similarity: float) -> tuple[int, float] | None:
        """The occupation a job title names: (database id, cosine of its closest title).

        ``None`` when the release has no occupations or no title is that close.
        """
        found = self.occupations_of_titles([title], min_similarity)[0]
        return None if found is None else (found[0], round(found[1], 4))

    def closest_occupations(
        self, title: str, min_similarity: float, count: int, margin: float = 1.0
    ) -> list[tuple[int, float]]:
        """Up to ``count`` occupations whose titles are closest to a job title, closest first.

        (database id, cosine of its closest title), each at ``min_similarity`` or more and
        within ``margin`` of the closest (which is always kept); empty when the release has
        no occupations or none is that close. ``count`` 1 or less is
        :meth:`occupation_of_title`.
        """
        if count <= 1:
            closest_one = self.occupation_of_title(title, min_similarity)
            return [] if closest_one is None else [closest_one]
        core = title_core(title)
        occupations = self.occupations
        if occupations is None or not core:
            return []
        labels = max(8 * count, 32)  # an occupation has several titles: rows for ``count``
        best: dict[int, float] = {}
        for occupation_id, score in self._title_hits(occupations, [core], labels)[0]:
            if score >= min_similarity and occupation_id not in best:
                best[occupation_id] = round(score, 4)
        nearest = list(best.items())[:count]
        return nearest[:1] + [(o, s) for o, s in nearest[1:] if s >= nearest[0][1] - margin]

    def occupations_of_titles(
        self, titles: Sequence[str], min_similarity: float
    ) -> list[tuple[int, float] | None]:
        """:meth:`occupation_of_title` for many titles, encoded together (each once).

        The cosines are not rounded, so a stored one compares with a threshold as the
        search's own did.
        """
        cores = [title_core(title) for title in titles]
        distinct = list(dict.fromkeys(core for core in cores if core))
        occupations = self.occupations
        if occupations is None or not distinct:
            return [None] * len(titles)
        found: dict[str, tuple[int, float]] = {
            core: best[0]
            for core, best in zip(
                distinct, self._title_hits(occupations, distinct, TITLE_TIE_ROWS), strict=True
            )
            if best and best[0][1] >= min_similarity
        }
        return [found.get(core) for core in cores]

    def _title_hits(self, occupations: SkillSpace, cores: list[str], labels: int) -> list[Hits]:
        """The ``labels`` closest occupation titles of each title core, best first.

        (occupation id, unrounded cosine) per title, remembered in :attr:`title_cache` by
        that count.
        """

        def closest(texts: list[str]) -> list[list[tuple[int, float]]]:
            vectors = self.mapper.encoder.encode(texts)
            hits = occupations.search_labels(vectors, labels)
            return [
                _ties_by_occupation(
                    occupations, vector, [(h.skill_id, float(h.score)) for h in found]
                )
                for vector, found in zip(vectors, hits, strict=True)
            ]

        return self.title_cache.get(cores, labels, closest)

    def find_skill(self, identifier: str) -> int | None:
        """A skill's database id by URI or by the last segment of its URI (its short id)."""
        found = self.skill_ids.get(identifier)
        return found if found is not None else self.skill_segments.get(identifier)

    def resolve_skill(self, given: str, min_similarity: float) -> ResolvedSkillId:
        """The skill a caller means by an id, a URI, a label (typos allowed) or free text.

        The one resolver of free-text skills for /v1/match and the candidate search: an id
        or URI first, then the typo-tolerant label search, then the encoder's nearest label
        at ``min_similarity`` or more.
        """
        skill_id = self.find_skill(given)
        if skill_id is not None:
            return ResolvedSkillId(skill_id, "id", None)
        hits = self.labels.search(given, 1)
        if hits:
            return ResolvedSkillId(hits[0].skill_id, f"label:{hits[0].tier}", hits[0].similarity)
        semantic = self.mapper.search_labels(given, 1)
        if semantic and semantic[0][1] >= min_similarity:
            return ResolvedSkillId(semantic[0][0], "semantic", round(semantic[0][1], 4))
        return ResolvedSkillId(None, "unresolved", None)


TITLE_TIE = 0.005
"""Occupation titles this close to a job title's best are ties (ESCO gives one alternative
label to several occupations: "administrative assistant" is also a title of secretary and
of statistical assistant)."""
TITLE_TIE_ROWS = 8
"""Occupation titles searched for a job title's one occupation, so ties can be seen."""


def _ties_by_occupation(
    occupations: SkillSpace, vector: npt.NDArray[np.float32], hits: list[tuple[int, float]]
) -> list[tuple[int, float]]:
    """Title hits, best first, ties with the best ordered by the whole occupation.

    An occupation's vector (its preferred label weighted twice, with its alternatives) decides
    instead of the one label, so the occupation a title names outright comes before those
    that list it among their alternative labels.
    """
    tied = [hit for hit in hits if hit[1] >= hits[0][1] - TITLE_TIE] if hits else []
    if len(tied) <= 1:
        return hits
    ids = list(dict.fromkeys(occupation_id for occupation_id, _ in tied))
    closeness = dict(zip(ids, (occupations.vectors_of(ids) @ vector).tolist(), strict=True))
    tied.sort(key=lambda hit: -closeness[hit[0]])
    return tied + hits[len(tied) :]


@dataclass(frozen=True, slots=True)
class ResolvedSkillId:
    """How a requested skill was resolved.

    Attributes:
        skill_id: Its database id (``None``: unresolved).
        how: ``id``, ``label:<tier>``, ``semantic`` or ``unresolved``.
        score: The label or encoder similarity (``None`` for an id).
    """

    skill_id: int | None
    how: str
    score: float | None


_TITLE_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\b[mwfhd]\s*/\s*[mwfhd](\s*/\s*[mwfhdx])?\b", re.I)
_TITLE_QUALIFIER = re.compile(r"\s+[-\u2013\u2014|]\s+|,")
_TITLE_LABEL = re.compile(r"^\W*(job title|position|role|vacancy)\s*:\s*", re.I)
_TITLE_HIRING = re.compile(
    r"^\W*((urgently|now|immediately)\s+hiring|hiring\s+(now|immediately)|we(\s+a)?re\s+hiring)"
    r"\b\s*[:!-]?\s*",
    re.I,
)
_TITLE_PAY = re.compile(
    r"(\b(earn|make|up\s+to|from|starting\s+at)\s+)*"  # "Earn up to"
    r"[$\u00a3\u20ac]\s?\d[\d,.]*\s*k?"  # "$18", "$2,500", "$65k"
    r"(\s*(-|to)\s*[$\u00a3\u20ac]?\s?\d[\d,.]*\s*k?)?"  # a range
    r"(\s*(/|per|an|a)\s*(hr|hour|h|yr|year|annum|week|wk|month|mo|day)\b)?"
    r"(\s*(sign[\s-]*on|signing|retention|hiring|starting)?\s*bonus\b)?"
    r"(\s*\+\s*tips\b)?",
    re.I,
)
_TITLE_TERMS = re.compile(
    r"\b("
    r"(1st|2nd|3rd|first|second|third|day|days|night|nights|evening|overnight|weekend|swing)"
    r"\s+shifts?|shift\s+[1-3]"  # the shift
    r"|(full|part)[\s-]*time|per\s+diem|prn|seasonal"  # the terms
    r"|entry[\s-]*level|(sign[\s-]*on|signing)\s+bonus"
    r")\b",
    re.I,
)
# Words that name the terms only at the end or start of a title ("Data Analyst - Remote",
# "Remote Data Analyst"), but are part of an occupation inside one ("Night Auditor").
_TITLE_LEADING_WORDS = r"(fully\s+)?remote|work\s+from\s+home|wfh|temporary|temp"
_TITLE_TRAILING_WORDS = (
    rf"{_TITLE_LEADING_WORDS}|hybrid|on[\s-]?site|permanent|nights|weekends|bonus"
)
_TITLE_EDGE = re.compile(rf"^({_TITLE_LEADING_WORDS})\b\W*|\W*\b({_TITLE_TRAILING_WORDS})$", re.I)
_TITLE_GRADE = re.compile(
    r"\b(sr|jr|snr|jnr)\b\.?|\b(level|lvl|grade)\s*\d+\b|^\s*(senior|junior)\s+(?=\w)", re.I
)
_TITLE_ROMAN = re.compile(r"\s(I{1,3}|IV)$")  # uppercase only: "Technician III", not "Ai"
_TITLE_LICENCE = re.compile(r"\b(class [abc] )?cdl(-?[abc]\b)?( class [abc]\b)?", re.I)
# Job-title acronyms of US and UK job boards that the occupation titles of ESCO (a European
# classification) do not hold, written out as the job they name. Only acronyms that name one
# job: "PA" (physician or personal assistant) and "MA" are left as they are.
_TITLE_ACRONYMS: dict[str, str] = {
    "RN": "Registered Nurse",
    "LPN": "Licensed Practical Nurse",
    "LVN": "Licensed Vocational Nurse",
    "CNA": "Certified Nursing Assistant",
    "STNA": "State Tested Nursing Assistant",
    "APRN": "Advanced Practice Registered Nurse",
    "CRNA": "Nurse Anaesthetist",
    "EMT": "Emergency Medical Technician",
    "HHA": "Home Health Aide",
    "PCA": "Personal Care Aide",
    "DSP": "Disability Support Worker",
    "PTA": "Physical Therapist Assistant",
    "COTA": "Occupational Therapy Assistant",
    "SLP": "Speech and Language Therapist",
    "RRT": "Respiratory Therapist",
    "CSR": "Customer Service Representative",
    "SDR": "Sales Development Representative",
    "BDR": "Business Development Representative",
    "CPA": "Certified Public Accountant",
    "SWE": "Software Engineer",
    "SRE": "Site Reliability Engineer",
}
_TITLE_ACRONYM = re.compile(r"\b[A-Z]{2,4}\b")
_TITLE_ACRONYM_PAIR = re.compile(r"([A-Z]{2,4})(\s*/\s*[A-Z]{2,4})+")  # "LPN/LVN"


def title_core(title: str) -> str:
    """What a job title names, without its trimmings.

    Parenthesised or bracketed notes and gender markers ("(m/f/d)", "m/w/d") go, and so does
    what follows a dash, bar or comma ("Forklift Driver - Night Shift"), and a leading "Job
    title:" or "Urgently hiring:". Job boards' dressing inside the title goes too: pay and
    bonuses ("$18/hr", "$2,500 Sign-On Bonus"), the shift ("2nd Shift", "Nights"), the terms
    ("Part-Time", "Per Diem", "Seasonal"), where ("Remote", "Hybrid"), "Entry Level", and the
    grade ("Senior", "Sr.", "Junior", a closing "II" or "III", "Level 2"), a driving licence
    class ("CDL Class A"). A title that is nothing but such words is kept as it was. Job
    acronyms that ESCO's titles lack are written out ("RN" -> "Registered Nurse").
    """
    plain = _TITLE_NOISE.sub(" ", _TITLE_HIRING.sub("", _TITLE_LABEL.sub("", title)))
    head = " ".join(_TITLE_QUALIFIER.split(plain, maxsplit=1)[0].split())
    bare = _TITLE_TERMS.sub(" ", _TITLE_PAY.sub(" ", head))
    bare = _TITLE_LICENCE.sub(" ", _TITLE_GRADE.sub(" ", " ".join(bare.split())))
    bare = _TITLE_ROMAN.sub("", " ".join(bare.split()))
    while (shorter := _TITLE_EDGE.sub("", bare, count=1)) != bare:
        bare = shorter
    bare = bare.strip(" -:/&")
    return _written_out(bare if re.search(r"[^\W\d_]", bare) else head)


def _written_out(core: str) -> str:
    """A title core with its job acronyms written out ("RN" -> "Registered Nurse").

    Of alternatives that are all acronyms ("LPN/LVN"), the first.
    """
    pair = _TITLE_ACRONYM_PAIR.fullmatch(core)
    if pair is not None and pair.group(1) in _TITLE_ACRONYMS:
        core = pair.group(1)
    return _TITLE_ACRONYM.sub(lambda found: _TITLE_ACRONYMS.get(found[0], found[0]), core)


def skill_space_dir(settings: Settings, taxonomy: Taxonomy) -> Path:
    """Where the skill space of a release is cached."""
    return settings.index_dir / "skill-labels" / f"{taxonomy.framework}-{taxonomy.version}"


def occupation_space_dir(settings: Settings, taxonomy: Taxonomy) -> Path:
    """Where the occupation titles of a release are cached (embedded like skill labels)."""
    return settings.index_dir / "occupation-titles" / f"{taxonomy.framework}-{taxonomy.version}"


def _cached_space(
    directory: Path,
    rows: list[tuple[int, str, str]],
    encoder: TextEncoder,
    taxonomy_key: str,
    *,
    show_progress: bool,
    on_build: Callable[[int], None] | None,
    settings: Settings,
) -> SkillSpace:
    """The label space of ``rows`` (id, label, kind), loaded from ``directory`` or built.

    A build encodes the labels on Ray workers when ``CREDMATCH_RAY_ADDRESS`` is set.
    """
    # The vectors are valid exactly when the (id, label) rows they were built from are
    # unchanged: a re-import that gives skills new ids must rebuild them.
    release = _label_fingerprint(rows)
    space: SkillSpace | None = None
    if SkillSpace.is_current(
        directory,
        model=encoder.model_id,
        taxonomy=taxonomy_key,
        label_count=len(rows),
        release=release,
    ):
        try:
            space = SkillSpace.load(directory)
        except IndexFileError:
            space = None
        if space is not None and space.ensure_fast_label_index():
            space.save(directory)  # once: later starts load the IVF index as it is
    if space is None:
        if on_build is not None:
            on_build(len(rows))
        labels = [
            SkillLabelEntry(skill_id=row_id, label=label, preferred=kind == "preferred")
            for row_id, label, kind in rows
        ]
        with bulk_encoder(settings, encoder) as building:
            space = SkillSpace.build(
                labels,
                building,
                taxonomy=taxonomy_key,
                release=release,
                show_progress=show_progress,
            )
        space.save(directory)
    return space


def load_taxonomy_context(
    session: Session,
    settings: Settings,
    encoder: TextEncoder,
    *,
    show_progress: bool = False,
    on_build: Callable[[int], None] | None = None,
) -> TaxonomyContext | None:
    """Load (or build and cache) the skill space of the default release.

    The cached files are used when their manifest names the same model, release and label
    count; otherwise every label is embedded again and the cache rewritten.

    Args:
        session: Open session.
        settings: Settings (index folder, thresholds).
        encoder: The sentence encoder.
        show_progress: Show a progress bar while embedding labels.
        on_build: Called with the label count before a (slow) rebuild starts.

    Returns:
        The context, or ``None`` when no taxonomy is imported yet.
    """
    taxonomy = repo.default_taxonomy(session)
    if taxonomy is None:
        return None
    rows = repo.skill_labels(session, taxonomy.id)
    space = _cached_space(
        skill_space_dir(settings, taxonomy),
        rows,
        encoder,
        taxonomy.key,
        show_progress=show_progress,
        on_build=on_build,
        settings=settings,
    )
    titles = repo.occupation_titles(session, taxonomy.id)
    occupations = (
        _cached_space(
            occupation_space_dir(settings, taxonomy),
            titles,
            encoder,
            taxonomy.key,
            show_progress=show_progress,
            on_build=on_build,
            settings=settings,
        )
        if titles
        else None
    )
    skill_ids = repo.skill_ids_by_uri(session, taxonomy.id)
    learned = learned_ranking(settings, taxonomy, space, rows, skill_ids)
    mapper = SkillMapper(
        space,
        encoder,
        skill_ids.get,
        mapping_settings(settings, learned.model.thresholds if learned else None),
        # Built from the same rows at each start (about a second for ESCO's 96k labels).
        dictionary=LabelDictionary(rows),
        learned=learned,
    )
    return TaxonomyContext(
        taxonomy_id=taxonomy.id,
        key=taxonomy.key,
        space=space,
        occupations=occupations,
        mapper=mapper,
        skill_ids=skill_ids,
        labels=LabelSearch(rows),
        skill_segments=_segments(skill_ids),
        title_cache=HitCache(mapper.settings.phrase_cache),
        specificity=SkillSpecificity(
            *repo.occupations_per_skill(session, taxonomy.id),
            transversal=repo.transversal_skill_ids(session, taxonomy.id),
        ),
    )


def learned_ranking(
    settings: Settings,
    taxonomy: Taxonomy,
    space: SkillSpace,
    rows: Sequence[tuple[int, str, str]],
    skill_ids: Mapping[str, int],
) -> LearnedRanking | None:
    """The mapping artefact over the release's skill space, where it applies.

    It applies to ESCO releases embedded with the encoder it was trained on (its prior and
    training data are ESCO's); elsewhere, or with ``mapping_learned`` off, spans are ranked
    by label cosine.

    Raises:
        MappingModelError: The artefact is missing, corrupted or of another format.
    """
    if not settings.mapping.learned or taxonomy.framework != "esco":
        return None
    model = MappingModel.load(settings.mapping.artefact_dir or DEFAULT_ARTEFACT)
    if model.encoder != space.model:
        _log.warning(
            "mapping artefact %s was trained on %s, the skill space uses %s: "
            "ranking job text by label cosine",
            model.version,
            model.encoder,
            space.model,
        )
        return None
    uri_of = {skill_id: uri for uri, skill_id in skill_ids.items()}
    return LearnedRanking(model, space, rows, uri_of)


def mapping_settings(settings: Settings, fitted: Thresholds | None) -> MappingSettings:
    """The mapper's settings: each job-text value as set, else as fitted, else the default.

    Args:
        settings: The process settings.
        fitted: The mapping artefact's operating point (``None`` without the artefact: the
            label-cosine defaults of :class:`MappingSettings`).
    """
    base = MappingSettings(
        threshold=settings.mapping.threshold,
        top_k=settings.mapping.top_k,
        labels_per_phrase=settings.mapping.candidates_per_phrase,
        max_phrases=settings.mapping.max_phrases,
        phrase_cache=settings.mapping.phrase_cache,
    )
    if fitted is not None:
        base = base.at(fitted)
    chosen: dict[str, Any] = {
        "span_threshold": settings.mapping.span_threshold,
        "item_threshold": settings.mapping.item_threshold,
        "exact_threshold": settings.mapping.exact_threshold,
        "alternative_threshold": settings.mapping.alternative_threshold,
        "beside_label_threshold": settings.mapping.beside_label_threshold,
        "alternatives_margin": settings.mapping.alternatives_margin,
        "whole_phrase": settings.mapping.whole_phrase,
    }
    return replace(base, **{name: value for name, value in chosen.items() if value is not None})


def short_id(uri: str) -> str:
    """The last segment of a concept URI, its id in API paths (an ESCO UUID, an O*NET code)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _segments(skill_ids: dict[str, int]) -> dict[str, int]:
    by_segment: dict[str, int] = {}
    for uri, skill_id in sorted(skill_ids.items()):
        by_segment.setdefault(short_id(uri), skill_id)
    return by_segment
