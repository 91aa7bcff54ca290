from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from taxonomy import Skill, TaxonomyRelease, iter_skill_labels, read_esco_bundle


def release_of(*skills: Skill) -> TaxonomyRelease:
    return TaxonomyRelease(
        framework="esco", version="1.1.1", language="en", source="test", skills=skills
    )


def test_preferred_label_comes_first_then_alt_labels_in_order() -> None:
    release = release_of(
        Skill(uri="u:1", preferred_label="debug software", alt_labels=("fix bugs", "debugging")),
        Skill(uri="u:2", preferred_label="SQL"),
    )
    assert list(iter_skill_labels(release)) == [
        ("u:1", "debug software", "preferred"),
        ("u:1", "fix bugs", "alt"),
        ("u:1", "debugging", "alt"),
        ("u:2", "SQL", "preferred"),
    ]


def test_labels_are_deduplicated_per_skill_ignoring_case_and_spacing() -> None:
    release = release_of(
        Skill(
            uri="u:1",
            preferred_label="Negotiate Contracts",
            alt_labels=("negotiate contracts", "negotiate  CONTRACTS ", "bargain", "Bargain", " "),
        ),
        Skill(uri="u:2", preferred_label="bargain", alt_labels=("negotiate contracts",)),
    )
    assert list(iter_skill_labels(release)) == [
        ("u:1", "Negotiate Contracts", "preferred"),
        ("u:1", "bargain", "alt"),
        # Another skill may share a label: deduplication is per skill.
        ("u:2", "bargain", "preferred"),
        ("u:2", "negotiate contracts", "alt"),
    ]


def test_fixture_bundle_labels(esco_small: Path) -> None:
    release = read_esco_bundle(esco_small, version="1.1.1")
    first = [label for uri, label, _ in iter_skill_labels(release) if uri == release.skills[0].uri]
    assert first == ["negotiate contracts", "negotiate agreements", "bargain contracts"]


LABEL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() == text and text != "")


@settings(max_examples=60, deadline=None)
@given(
    preferred=LABEL,
    alternatives=st.lists(LABEL, max_size=6, unique=True),
    description=st.text(alphabet=st.characters(codec="utf-8"), max_size=80).map(str.strip),
)
def test_labels_survive_a_csv_round_trip(
    preferred: str, alternatives: list[str], description: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with (Path(folder) / "skills_en.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["conceptUri", "preferredLabel", "altLabels", "description"])
            writer.writerow(["u:1", preferred, "\n".join(alternatives), description])
        (skill,) = read_esco_bundle(Path(folder), version="1.1.1").skills
    assert skill.preferred_label == preferred
    assert skill.alt_labels == tuple(alternatives)
    assert skill.description == description
    labels = [label for _, label, _ in iter_skill_labels(release_of(skill))]
    keys = [" ".join(label.casefold().split()) for label in labels]
    assert len(keys) == len(set(keys))
    assert labels[0] == preferred
