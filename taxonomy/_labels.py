"""Label views of a release, for building label indexes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from taxonomy._model import TaxonomyRelease

LabelKind = Literal["preferred", "alt"]


def iter_skill_labels(release: TaxonomyRelease) -> Iterator[tuple[str, str, LabelKind]]:
    """Yield every distinct label of every skill, preferred label first.

    Labels are compared per skill ignoring case and runs of whitespace; the first spelling
    wins, so an alternative label that only differs from the preferred one in case is not
    yielded. Blank labels are skipped.

    Args:
        release: The release whose skills to list.

    Yields:
        ``(skill_uri, label, kind)`` with kind ``preferred`` or ``alt``, in skill order.
    """
    for skill in release.skills:
        seen: set[str] = set()
        kind: LabelKind = "preferred"
        for label in (skill.preferred_label, *skill.alt_labels):
            key = " ".join(label.casefold().split())
            if key and key not in seen:
                seen.add(key)
                yield skill.uri, label.strip(), kind
            kind = "alt"
