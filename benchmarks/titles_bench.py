"""Real job titles: does the product read a title as the occupation it names?

Method (``python -m benchmarks titles --crosswalk FILE``):

- **Titles.** The alternate titles of O*NET 29.2 (``../shared/data/onet-29.2/Alternate
  Titles.txt``, CC BY 4.0): job titles that US employers, job boards and workers use, each
  listed under the O*NET-SOC occupation it names ("Package Handler", "RN", "Line Cook"), with
  its short form where O*NET gives one. ``--limit`` distinct titles (default 4,000) are drawn
  with ``random.Random(seed)``, and the even- and odd-numbered ones are scored apart.
- **Truth.** Nesta's ESCO-O*NET crosswalk (Mapping Career Causeways, released 23 November
  2020, MIT licence: https://github.com/nestauk/mapping-career-causeways,
  ``supplementary_online_data/ONET_ESCO_crosswalk/esco_onet_crosswalk_Nov2020.csv`` at commit
  cb8c57a; not shipped, ``--crosswalk`` points at it) gives the O*NET occupation of 1,680 ESCO
  occupations. As its README says, an ESCO occupation narrower than a mapped one inherits
  its match (``broaderRelationsOccPillar.csv`` of the ESCO bundle). A title is read **right**
  when the product reads it as one of the ESCO occupations its O*NET occupation is mapped
  to. The crosswalk names O*NET-SOC 2010 codes: an O*NET 29.2 occupation is joined by its
  code, else by its title. Only titles whose O*NET occupation the crosswalk maps are drawn.
  The crosswalk was built partly from titles both frameworks share, so an exact ESCO title
  is more likely to be judged right than a paraphrase.
- **Product.** The titles are read as ``POST /v1/match`` reads a job's title
  (``TaxonomyContext.occupations_of_titles`` at ``title_min_similarity``: ``title_core``,
  acronyms written out, ties by the whole occupation) over the official ESCO bundle.
- **Metrics** (percent), per half and overall: ``read``: titles read as any occupation;
  ``right``: read as one the crosswalk maps their O*NET occupation to; ``right_unit_group``:
  read as an occupation of the same ISCO-08 unit group as one of those; ``right_of_read``:
  right among those read.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks.extraction_bench import SHARED_DATA
from benchmarks.harness import BenchEnvironment, halves, percent
from service.db.engine import unit_of_work
from service.db.models import Occupation

ONET_TITLES = SHARED_DATA / "onet-29.2" / "Alternate Titles.txt"
SOURCE = (
    "https://github.com/nestauk/mapping-career-causeways supplementary_online_data/"
    "ONET_ESCO_crosswalk/esco_onet_crosswalk_Nov2020.csv (commit cb8c57a, MIT)"
)
DEFAULT_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class LabelledTitle:
    """A job title and the ESCO occupations (URIs) the crosswalk accepts for it."""

    title: str
    accepted: frozenset[str]


def read_crosswalk(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """ESCO occupation URIs per O*NET code and per O*NET title (lower case)."""
    by_code: dict[str, set[str]] = {}
    by_title: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            uri = row["concept_uri"].strip()
            by_code.setdefault(row["onet_code"].strip(), set()).add(uri)
            by_title.setdefault(row["onet_occupation"].strip().lower(), set()).add(uri)
    return by_code, by_title


def narrower_occupations(esco_dir: Path) -> dict[str, set[str]]:
    """Occupation URI -> the occupations directly narrower than it (ESCO's own relations)."""
    children: dict[str, set[str]] = {}
    with (esco_dir / "broaderRelationsOccPillar.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["conceptType"] == "Occupation" and row["broaderType"] == "Occupation":
                children.setdefault(row["broaderUri"], set()).add(row["conceptUri"])
    return children


def _with_descendants(uris: Iterable[str], children: dict[str, set[str]]) -> frozenset[str]:
    found: set[str] = set()
    stack = list(uris)
    while stack:
        uri = stack.pop()
        if uri not in found:
            found.add(uri)
            stack.extend(children.get(uri, ()))
    return frozenset(found)


def labelled_titles(
    onet_titles: Path, crosswalk: Path, esco_dir: Path
) -> dict[str, frozenset[str]]:
    """Every distinct alternate or short title whose O*NET occupation the crosswalk maps.

    A title listed under several O*NET occupations accepts the occupations of each.
    """
    by_code, by_title = read_crosswalk(crosswalk)
    children = narrower_occupations(esco_dir)
    accepted: dict[str, set[str]] = {}
    with onet_titles.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            mapped = by_code.get(row["O*NET-SOC Code"].strip()) or by_title.get(
                row["Title"].strip().lower()
            )
            if not mapped:
                continue
            for title in (row["Alternate Title"], row["Short Title"]):
                if title.strip():
                    accepted.setdefault(" ".join(title.split()), set()).update(mapped)
    return {title: _with_descendants(uris, children) for title, uris in accepted.items()}


def title_metrics(
    labelled: Sequence[LabelledTitle],
    readings: Sequence[str | None],
    unit_group_of: dict[str, str],
) -> dict[str, Any]:
    """The four shares (percent) for titles and the occupation URI each was read as."""
    read = right = right_group = 0
    for item, reading in zip(labelled, readings, strict=True):
        if reading is None:
            continue
        read += 1
        right += reading in item.accepted
        groups = {unit_group_of.get(uri) for uri in item.accepted} - {None}
        right_group += unit_group_of.get(reading) in groups

    return {
        "titles": len(labelled),
        "read_pct": percent(read, len(labelled)),
        "right_pct": percent(right, len(labelled)),
        "right_unit_group_pct": percent(right_group, len(labelled)),
        "right_of_read_pct": percent(right, read),
    }


def run_titles(
    env: BenchEnvironment,
    *,
    esco_dir: Path,
    crosswalk: Path,
    seed: int,
    limit: int | None = None,
    onet_titles: Path = ONET_TITLES,
) -> dict[str, Any]:
    """Read a seeded sample of real job titles as /v1/match does; score against the crosswalk."""
    if not crosswalk.is_file():
        raise SystemExit(f"titles needs --crosswalk FILE: {crosswalk} is not a file (get {SOURCE})")
    if not onet_titles.is_file():
        raise SystemExit(f"titles needs the O*NET 29.2 alternate titles at {onet_titles}")
    everything = labelled_titles(onet_titles, crosswalk, esco_dir)
    names = sorted(everything)
    random.Random(seed).shuffle(names)
    sample = [LabelledTitle(name, everything[name]) for name in names[: limit or DEFAULT_LIMIT]]
    context = env.runtime.taxonomy
    assert context is not None
    with unit_of_work(env.runtime.sessions) as session:
        rows = session.execute(select(Occupation.id, Occupation.uri, Occupation.code)).all()
    uri_of = {row.id: row.uri for row in rows}
    unit_group_of = {row.uri: (row.code or "")[:4] for row in rows if row.code}
    found = context.occupations_of_titles(
        [item.title for item in sample], env.settings.matching.title_min_similarity
    )
    readings = [None if hit is None else uri_of.get(hit[0]) for hit in found]
    return {
        "source": f"{onet_titles} (O*NET 29.2, CC BY 4.0); crosswalk {crosswalk} ({SOURCE})",
        "titles_with_a_mapped_occupation": len(everything),
        "min_similarity": env.settings.matching.title_min_similarity,
        **{
            name: title_metrics(
                [sample[i] for i in rows_], [readings[i] for i in rows_], unit_group_of
            )
            for name, rows_ in halves(len(sample)).items()
        },
    }
