"""Posting import throughput: postings/s through ``credmatch postings import``.

Method (``python -m benchmarks postings-import``):

- **Data.** (1) The 1,000 labelled synthetic ads of ``../shared/data/jobs/occupation-coding``
  (GenEasy and GenHard, one CSV); GPT-written, they share little text. (2) A synthetic set of
  ``--postings`` ads made here from the official ESCO bundle (:func:`synthetic_postings`):
  each ad is an occupation's title, a company blurb (one of 400 companies), 4-8 requirement
  lines written from the occupation's essential and optional skills, a benefits list and an
  equal-opportunity line from small pools, as exports from one region's job boards repeat
  them. Seeded, so every run reads the same ads.
- **Command.** Each file is imported by the ``credmatch`` console script (``--credmatch``:
  another checkout's script measures that checkout) into a fresh SQLite database holding the
  official ESCO bundle as the default release (``credmatch db upgrade``, ``credmatch
  taxonomy import esco``). A one-posting file is imported first (it builds the label index
  into the shared data folder) and again after the big file, with another posting: the
  second one-posting run is the process's fixed cost (start, model, label index), which is
  subtracted. ``postings/s = N / (t_N - t_1)``.
- **Workers.** ``--workers`` lists the runs' ``credmatch postings import --workers``
  values; ``--ray local`` sets ``CREDMATCH_RAY_ADDRESS`` for them (omit it for in-process
  and process-pool runs). A checkout without ``--workers`` is measured at 1.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.harness import console
from benchmarks.postings_match_bench import FILES, POSTINGS_DIR
from taxonomy import read_esco_bundle

COMPANIES = 400
FIELDS = ("job_title", "description", "post_date", "label")

_SECTORS = (
    "logistics", "healthcare", "retail", "software", "construction", "hospitality",
    "manufacturing", "energy", "education", "finance", "public transport", "agriculture",
)  # fmt: skip
_NAMES = ("Northgate", "Bluefield", "Meridian", "Harbour", "Kestrel", "Oakline")
_CITIES = (
    "Leeds", "Lyon", "Porto", "Gdansk", "Utrecht", "Turin", "Ghent", "Malmo", "Brno", "Cork",
    "Graz", "Bilbao", "Tampere", "Aarhus", "Cluj", "Riga",
)  # fmt: skip
_LEADS = (
    "Ability to {label}.",
    "Experience in {label} is required.",
    "You will {label} as part of a small team.",
    "Knowledge of {label}.",
    "Proven track record to {label}.",
    "Responsible to {label} every day.",
)
_BENEFITS = (
    "Competitive salary and annual bonus.",
    "25 days of paid holiday plus public holidays.",
    "Company pension scheme with employer contributions.",
    "Private health insurance for you and your family.",
    "Flexible working hours and hybrid working.",
    "Cycle to work scheme.",
    "Free parking on site.",
    "Employee assistance programme.",
    "Paid training and support for professional certifications.",
    "Subsidised canteen and free coffee.",
    "Life assurance at four times salary.",
    "Enhanced parental leave.",
)
_EQUAL = (
    "We are an equal opportunity employer and value diversity at our company.",
    "All qualified applicants will receive consideration for employment without regard to "
    "race, colour, religion, sex, sexual orientation, gender identity or national origin.",
    "We welcome applications from everyone and are committed to an inclusive workplace.",
    "Candidates must pass a background check and a drug test before starting.",
)


def synthetic_postings(esco_dir: Path, count: int, *, seed: int = 42) -> list[dict[str, str]]:
    """``count`` seeded ads with the boilerplate a region's job boards repeat (module docs)."""
    release = read_esco_bundle(esco_dir)
    labels = {s.uri: s.preferred_label for s in release.skills}
    skills_of: dict[str, list[str]] = defaultdict(list)
    for relation in release.occupation_skills:
        if relation.skill_uri in labels:
            skills_of[relation.occupation_uri].append(labels[relation.skill_uri])
    occupations = [o for o in release.occupations if len(skills_of[o.uri]) >= 4]
    rng = random.Random(seed)
    companies = [
        (
            f"{rng.choice(_NAMES)} {rng.choice(_SECTORS).title()} {n}",
            rng.choice(_SECTORS),
            rng.choice(_CITIES),
            rng.randint(5, 120),
        )
        for n in range(COMPANIES)
    ]
    start = date(2025, 1, 1)
    rows: list[dict[str, str]] = []
    for _ in range(count):
        occupation = rng.choice(occupations)
        name, sector, city, years = rng.choice(companies)
        blurb = (
            f"{name} is a leading {sector} business based in {city}. "
            f"For {years} years we have served customers across the region."
        )
        duties = rng.sample(skills_of[occupation.uri], min(len(skills_of[occupation.uri]), 8))
        lines = [rng.choice(_LEADS).format(label=label) for label in duties[: rng.randint(4, 8)]]
        benefits = rng.sample(_BENEFITS, rng.randint(3, 5))
        description = "\n".join(
            [
                f"Job Title: {occupation.preferred_label}",
                "",
                blurb,
                "",
                "Responsibilities:",
                *(f"- {line}" for line in lines),
                "",
                "What we offer:",
                *(f"- {line}" for line in benefits),
                "",
                rng.choice(_EQUAL),
            ]
        )
        rows.append(
            {
                "job_title": occupation.preferred_label,
                "description": description,
                "post_date": (start + timedelta(days=rng.randrange(365))).isoformat(),
                "label": occupation.code,
            }
        )
    return rows


def _write_csv(path: Path, rows: Sequence[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _occupation_coding_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in FILES.values():
        with (POSTINGS_DIR / name).open(newline="", encoding="utf-8") as handle:
            rows.extend(dict(row) for row in csv.DictReader(handle))
    return rows


class _Checkout:
    """Runs one checkout's ``credmatch`` script against one database and data folder."""

    def __init__(self, script: Path, data_dir: Path, database: Path, extra: dict[str, str]) -> None:
        self.script = script
        self.environ = {
            **os.environ,
            "CREDMATCH_DATA_DIR": str(data_dir),
            "CREDMATCH_DATABASE_URL": f"sqlite:///{database.resolve()}",
            **extra,
        }

    def run(self, *arguments: str) -> float:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 (the benchmark's own console script)
            [str(self.script), *arguments],
            env=self.environ,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(arguments[:2])} failed ({done.returncode}): {done.stderr[-2000:]}"
            )
        return seconds

    def supports_workers(self) -> bool:
        done = subprocess.run(  # noqa: S603
            [str(self.script), "postings", "import", "--help"],
            env=self.environ,
            capture_output=True,
            text=True,
            check=False,
        )
        return "--workers" in done.stdout


def _measure(
    script: Path,
    data_dir: Path,
    esco_dir: Path,
    rows: Sequence[dict[str, str]],
    *,
    workers: int,
    ray: str | None,
) -> dict[str, Any]:
    """Import ``rows`` into a fresh database; postings/s net of the process's fixed cost."""
    work = data_dir / "postings-import"
    work.mkdir(parents=True, exist_ok=True)
    database = work / "import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    extra = {"CREDMATCH_RAY_ADDRESS": ray} if ray else {}
    checkout = _Checkout(script, data_dir, database, extra)
    checkout.run("db", "upgrade")
    checkout.run("taxonomy", "import", "esco", str(esco_dir), "--default")
    big, first, last = work / "big.csv", work / "first.csv", work / "last.csv"
    # The single postings are not among the big file's (their own titles), so both read.
    _write_csv(first, [{**rows[0], "job_title": "warm-up posting one"}])
    _write_csv(last, [{**rows[-1], "job_title": "fixed-cost posting two"}])
    _write_csv(big, rows)
    flags = ["--workers", str(workers)] if checkout.supports_workers() else []
    if workers != 1 and not flags:
        raise RuntimeError(f"{script} has no --workers option")
    checkout.run("postings", "import", str(first), "--tenant", "bench", *flags)
    total = checkout.run("postings", "import", str(big), "--tenant", "bench", *flags)
    fixed = checkout.run("postings", "import", str(last), "--tenant", "bench", *flags)
    net = max(total - fixed, 1e-9)
    return {
        "workers": workers,
        "ray": ray or "",
        "postings": len(rows),
        "import_s": round(total, 1),
        "fixed_cost_s": round(fixed, 1),
        "postings_per_s": round(len(rows) / net, 1),
    }


def run_postings_import(
    *,
    data_dir: Path,
    esco_dir: Path,
    synthetic: int,
    workers: Sequence[int] = (1,),
    ray: str | None = None,
    script: Path | None = None,
    seed: int = 42,
) -> dict[str, Any]:
    """Postings/s on the 1,000 labelled ads and on ``synthetic`` generated ones (module docs)."""
    script = script or Path(sys.executable).with_name("credmatch")
    if not script.exists():
        found = shutil.which("credmatch")
        if found is None:
            raise RuntimeError("no credmatch console script found; pass --credmatch")
        script = Path(found)
    sets = {"occupation_coding_1000": _occupation_coding_rows()}
    if synthetic:
        sets[f"synthetic_{synthetic}"] = synthetic_postings(esco_dir, synthetic, seed=seed)
    results: dict[str, Any] = {"credmatch": str(script), "cpu_count": os.cpu_count()}
    for name, rows in sets.items():
        for count in workers:
            with console.status(f"importing {name} with {count} worker(s)"):
                results[f"{name}_w{count}"] = _measure(
                    script, data_dir, esco_dir, rows, workers=count, ray=ray
                )
            console.log(results[f"{name}_w{count}"])
    return results
