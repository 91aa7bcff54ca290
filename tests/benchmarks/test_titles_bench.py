"""The real-title benchmark's truth: O*NET titles joined to ESCO occupations by a crosswalk."""

from __future__ import annotations

from pathlib import Path

from benchmarks.titles_bench import LabelledTitle, labelled_titles, title_metrics

ESCO = "http://data.europa.eu/esco/occupation/"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_titles_take_their_onet_occupations_esco_matches_and_those_narrower(
    tmp_path: Path,
) -> None:
    crosswalk = _write(
        tmp_path / "crosswalk.csv",
        "id,esco_occupation,isco_code,onet_code,onet_occupation,matching_job_titles,"
        "semantic_similarity,confidence,concept_uri\n"
        f"1,nurse,2221,29-1141.00,registered nurses,na,0.9,2.0,{ESCO}nurse\n"
        # An O*NET-SOC 2010 code that O*NET 29.2 renumbered: joined by its title.
        f'2,software developer,2512,15-1132.00,"software developers, applications",na,0.9,'
        f"2.0,{ESCO}developer\n",
    )
    esco = tmp_path / "esco"
    esco.mkdir()
    _write(
        esco / "broaderRelationsOccPillar.csv",
        "conceptType,conceptUri,broaderType,broaderUri\n"
        f"Occupation,{ESCO}icu-nurse,Occupation,{ESCO}nurse\n"
        f"Occupation,{ESCO}neonatal-icu-nurse,Occupation,{ESCO}icu-nurse\n"
        f"Occupation,{ESCO}nurse,ISCOGroup,http://data.europa.eu/esco/isco/C2221\n",
    )
    onet = _write(
        tmp_path / "Alternate Titles.txt",
        "O*NET-SOC Code\tTitle\tAlternate Title\tShort Title\tSource(s)\n"
        "29-1141.00\tRegistered Nurses\tRegistered  Nurse\tRN\t08\n"
        "15-1252.00\tSoftware Developers, Applications\tApp Developer\t\t10\n"
        "47-2031.00\tCarpenters\tCarpenter\t\t08\n",  # no crosswalk match: left out
    )
    found = labelled_titles(onet, crosswalk, esco)
    nurses = frozenset({f"{ESCO}nurse", f"{ESCO}icu-nurse", f"{ESCO}neonatal-icu-nurse"})
    assert found == {
        "Registered Nurse": nurses,
        "RN": nurses,
        "App Developer": frozenset({f"{ESCO}developer"}),
    }


def test_title_metrics_count_right_readings_and_their_unit_group() -> None:
    labelled = [
        LabelledTitle("RN", frozenset({"nurse"})),
        LabelledTitle("Charge Nurse", frozenset({"nurse"})),
        LabelledTitle("Scow Hand", frozenset({"deckhand"})),
        LabelledTitle("Welter", frozenset({"braider"})),
    ]
    groups = {"nurse": "2221", "midwife": "2222", "deckhand": "8350", "boatswain": "8350"}
    metrics = title_metrics(labelled, ["nurse", "midwife", "boatswain", None], groups)
    assert metrics == {
        "titles": 4,
        "read_pct": 75.0,
        "right_pct": 25.0,
        "right_unit_group_pct": 50.0,
        "right_of_read_pct": 33.3,
    }
