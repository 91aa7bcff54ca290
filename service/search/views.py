"""Domain results of the search feature turned into its wire Structs."""

from __future__ import annotations

from service.matching.views import proof_out
from service.search import schemas as s
from service.search.service import SearchPage
from service.taxonomy.views import skill_ref


def search_out(page: SearchPage) -> s.SearchOut:
    """A page of recruiter search results on the wire."""
    return s.SearchOut(
        resolved=[
            s.ResolvedSkillOut(
                given=r.given,
                skill=skill_ref(r.skill) if r.skill is not None else None,
                method=r.method,
                score=r.score,
            )
            for r in page.resolved
        ],
        total=page.total,
        candidates=[
            s.SearchHitOut(
                candidate_id=hit.candidate.external_id,
                score=hit.score,
                latest_credential_at=hit.latest,
                skills=[
                    s.HeldSkillOut(
                        skill=skill_ref(held.skill),
                        strength=held.strength,
                        credentials=[proof_out(v, page.trust) for v in held.evidence],
                    )
                    for held in hit.held
                ],
            )
            for hit in page.hits
        ],
        next=page.next_cursor,
        unresolved=list(page.unresolved),
    )
