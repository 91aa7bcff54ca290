from __future__ import annotations

from pathlib import Path

import pytest

from taxonomy import FRAMEWORKS, TaxonomyError, TaxonomyFormatError, read_taxonomy


def test_every_framework_is_dispatched_to_its_reader(
    esco_small: Path, lightcast_csv: Path, rsd_collection: Path, case_package: Path
) -> None:
    assert FRAMEWORKS == ("esco", "onet", "lightcast", "rsd", "case")
    esco = read_taxonomy(esco_small, "ESCO", version="1.1.1")
    assert (esco.framework, esco.version, len(esco.skills)) == ("esco", "1.1.1", 12)
    lightcast = read_taxonomy(lightcast_csv, "lightcast", version="9.33")
    assert (lightcast.framework, len(lightcast.skills)) == ("lightcast", 4)
    rsd = read_taxonomy(rsd_collection, "rsd", version="1", language="en-US")
    assert (rsd.framework, rsd.language, len(rsd.skills)) == ("rsd", "en-US", 2)
    case = read_taxonomy(case_package, "case")
    assert (case.framework, case.version, len(case.skills)) == ("case", "2024.1", 3)


def test_onet_is_dispatched_and_english_only(tmp_path: Path) -> None:
    (tmp_path / "Occupation Data.txt").write_text(
        "O*NET-SOC Code\tTitle\tDescription\n15-1252.00\tSoftware Developers\tx\n"
    )
    onet = read_taxonomy(tmp_path, "onet", version="29.2", language="en")
    assert (onet.framework, onet.version, len(onet.occupations)) == ("onet", "29.2", 1)
    with pytest.raises(TaxonomyError, match="O\\*NET is published in English only"):
        read_taxonomy(tmp_path, "onet", version="29.2", language="de")


@pytest.mark.parametrize("framework", ["lightcast", "rsd"])
def test_sources_without_a_version_need_one(
    framework: str, lightcast_csv: Path, rsd_collection: Path
) -> None:
    path = lightcast_csv if framework == "lightcast" else rsd_collection
    with pytest.raises(TaxonomyFormatError, match=r"states no version; pass it explicitly"):
        read_taxonomy(path, framework)


def test_unknown_framework_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"unknown taxonomy framework 'skos'.*esco, onet"):
        read_taxonomy(tmp_path, "skos")
