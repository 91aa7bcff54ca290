"""Domain results of the taxonomy feature turned into its wire Structs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from service.api import schemas as wire
from service.db.models import (
    Occupation,
    Skill,
)
from service.taxonomy import schemas as s
from service.taxonomy.service import short_id
from service.taxonomy.skills import Extraction, OccupationPage, SkillHit, SkillPage


def skill_ref(skill: Skill) -> wire.SkillRef:
    """A skill on the wire."""
    return wire.SkillRef(
        uri=skill.uri,
        label=skill.preferred_label,
        skill_type=skill.skill_type,
        id=short_id(skill.uri),
    )


_LABEL_KINDS = {"alt": "alternative"}


def occupation_ref(occupation: Occupation) -> s.OccupationRef:
    """An occupation on the wire."""
    return s.OccupationRef(
        uri=occupation.uri,
        label=occupation.preferred_label,
        code=occupation.code,
        id=short_id(occupation.uri),
    )


def skill_hit_out(hit: SkillHit) -> s.SkillHit:
    """A search result on the wire."""
    return s.SkillHit(
        skill=skill_ref(hit.skill),
        matched_label=hit.matched_label,
        method=hit.method,  # type: ignore[arg-type]  # one of the tiers or "semantic"
        score=hit.score,
        query=hit.query,
    )


def skill_page_out(page: SkillPage) -> s.SkillOut:
    """A skill's page on the wire."""
    return s.SkillOut(
        skill=skill_ref(page.skill),
        taxonomy=page.taxonomy,
        description=page.skill.description,
        reuse_level=page.skill.reuse_level,
        code=page.skill.code,
        category=page.skill.category,
        subcategory=page.skill.subcategory,
        collections=list(page.collections),
        labels=[
            s.LabelOut(label=label, kind=_LABEL_KINDS.get(kind, kind))
            for label, kind in page.labels
        ],
        groups=[s.GroupRef(uri=g.uri, label=g.preferred_label, code=g.code) for g in page.groups],
        broader=[skill_ref(b) for b in page.broader],
        narrower=[skill_ref(n) for n in page.narrower],
        related=[
            s.RelatedSkillOut(
                skill=skill_ref(r.skill), relation=r.relation, similarity=r.similarity
            )
            for r in page.related
        ],
        occupations=[
            s.OccupationNeedOut(occupation=occupation_ref(o), relation=relation)
            for o, relation in page.occupations
        ],
        occupation_count=page.occupation_count,
    )


def occupation_page_out(page: OccupationPage) -> s.OccupationOut:
    """An occupation's page on the wire."""
    occupation = page.occupation
    return s.OccupationOut(
        occupation=occupation_ref(occupation),
        taxonomy=page.taxonomy,
        description=occupation.description,
        alt_labels=[label for label in occupation.alt_labels.split("\n") if label],
        isco_group=occupation.isco_group,
        essential=[skill_ref(skill) for skill in page.essential],
        optional=[skill_ref(skill) for skill in page.optional],
    )


def extraction_out(extraction: Extraction) -> s.ExtractOut:
    """An extraction on the wire: per phrase, and each skill once at its best confidence."""
    best: dict[int, s.ExtractedSkillOut] = {}
    for phrase in extraction.phrases:
        for found in phrase.skills:
            current = best.get(found.skill.id)
            if current is None or found.confidence > current.confidence:
                best[found.skill.id] = s.ExtractedSkillOut(
                    skill=skill_ref(found.skill),
                    confidence=found.confidence,
                    method=_extraction_method(found.method),
                )
    return s.ExtractOut(
        taxonomy=extraction.taxonomy,
        model=extraction.model,
        threshold=extraction.threshold,
        bounds=s.EvidenceBoundsOut(
            semantic=extraction.bounds.semantic,
            list_item=extraction.bounds.list_item,
            beside_label=extraction.bounds.beside_label,
            exact_label=extraction.bounds.exact_label,
            alternative_label=extraction.bounds.alternative_label,
        ),
        phrases=[
            s.ExtractedPhraseOut(
                text=p.text,
                start=p.start,
                end=p.end,
                strength=p.strength,
                skills=[
                    s.ExtractedSkillOut(
                        skill=skill_ref(f.skill),
                        confidence=f.confidence,
                        method=_extraction_method(f.method),
                    )
                    for f in p.skills
                ],
            )
            for p in extraction.phrases
        ],
        skills=sorted(best.values(), key=lambda x: (-x.confidence, x.skill.uri)),
        ignored=[
            s.IgnoredTextOut(
                text=i.text, start=i.start, end=i.end, reason=_ignored_reason(i.reason)
            )
            for i in extraction.ignored
        ],
    )


def ignored_text_out(item: Mapping[str, Any]) -> s.IgnoredTextOut:
    """Text left unread, as stored with a posting (``text``, ``start``, ``end``, ``reason``)."""
    return s.IgnoredTextOut(
        text=str(item["text"]),
        start=int(item["start"]),
        end=int(item["end"]),
        reason=_ignored_reason(str(item["reason"])),
    )


def _ignored_reason(reason: str) -> s.IgnoredReason:
    """Why a phrase was left unread (a kind of ``ingest.boilerplate.BOILERPLATE_KINDS``)."""
    if reason not in get_args(s.IgnoredReason):
        raise ValueError(f"unknown reason {reason!r} for text left unread")
    return reason  # type: ignore[return-value]


def _extraction_method(method: str) -> s.ExtractionMethod:
    """How a skill was read in text (``embedding`` unless a label was found verbatim)."""
    return method if method in ("exact", "alternative") else "embedding"  # type: ignore[return-value]
