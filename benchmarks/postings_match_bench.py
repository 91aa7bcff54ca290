"""Real-shaped job ads through /v1/match: is the ad's own occupation's candidate ranked high?

Method (``python -m benchmarks postings-match``):

- **Ads.** The 1,000 labelled synthetic postings of the occupation-coding data sets
  (``../shared/data/jobs/occupation-coding/GenEasy_df.converted.csv`` and
  ``GenHard_df.converted.csv``: GPT-4 job listings with a title and a full description, each
  labelled with an ESCO occupation code; in GenHard the title diverges from the occupation's
  name). Boilerplate, headings and company blurbs are left in, as ads have them.
- **Occupations** come from the official ESCO v1.1.1 bundle (``--esco-dir``), their skills
  mapped by URI onto the benchmark's default release (the packaged ESCO v1.1.1 skills).
- **Pool.** One candidate per distinct occupation of the ads (an occupation with no
  essential skill in the release is left out, with its ads). Each holds a seeded 60 % of the
  occupation's essential skills (at least one), each aligned (confidence 1) or inferred
  (confidence 0.65-0.95) with equal odds, written straight into the database as the
  ``ranking`` benchmark does, in shuffled order.
- **Product.** Each ad is sent as ``POST /v1/match`` over loopback HTTP with its
  ``title`` and ``description`` and ``topK`` 10. An ad the API refuses (nothing recognised)
  counts as a miss and is counted under ``rejected``.
- **Baseline.** TF-IDF (scikit-learn, English stop words, sublinear tf) over each candidate's
  text (the preferred labels of the skills it holds), queried with title + description,
  ranked by cosine.
- **Metrics**, per data set and overall: Hit@1 and Hit@10 (the ad's occupation's candidate
  in the top 1 / 10) and MRR@10, in percent; plus the requirements the product read per ad
  and the share of ads with any requirement. The same figures are given for the even- and
  odd-numbered ads (numbered in file order once ads without a known occupation are left
  out): a setting chosen on one half is reported on the other.
- **Titles.** ``titles`` gives, per group, the share of ads whose title the product reads as
  the ad's own occupation (its closest occupation title at ``title_min_similarity`` or more).
  With ``--decorate-titles`` every title is first dressed as job boards dress them (pay,
  shift, level, schedule, "Remote", "Urgently hiring": :data:`TITLE_DECORATIONS`, written
  for this benchmark, one drawn per ad from ``random.Random(seed + 1)``), and the dressed
  title is what ``/v1/match`` gets: how much of the title's signal survives the dressing.
  The synthetic titles themselves are clean.

Every draw comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import csv
import random
import statistics
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select

from benchmarks.extraction_bench import SHARED_DATA
from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from benchmarks.ingest_bench import bench_issuers
from benchmarks.match_bench import SyntheticEvidence, http_client, tenant_id_of, write_candidates
from benchmarks.ranking_bench import REJECTED, _skill_rows
from service.db.engine import unit_of_work
from service.db.models import Occupation
from service.samples import SampleAchievement
from taxonomy import read_esco_bundle

POSTINGS_DIR = SHARED_DATA / "jobs" / "occupation-coding"
FILES = {"gen_easy": "GenEasy_df.converted.csv", "gen_hard": "GenHard_df.converted.csv"}
TENANT = "bench-postings-match"
TITLE_DECORATIONS = (
    "{title} - $18/hr",
    "{title} $19.50 per hour",
    "{title} (Day Shift)",
    "{title} - 2nd Shift",
    "{title} Night Shift",
    "{title} - Full Time",
    "Part-Time {title}",
    "Full-time {title}",
    "{title} II",
    "{title} III",
    "Sr. {title}",
    "{title} - Remote",
    "{title} | Hybrid",
    "{title} $2,500 Sign-On Bonus",
    "Urgently Hiring: {title}",
    "Now Hiring {title}",
    "{title}, Per Diem",
    "Entry Level {title}",
    "{title} - Up to $65,000/yr",
    "{title} (Remote)",
)
"""Ways job boards dress a title (written for ``--decorate-titles``, modelled on US job-board
titles; the product's ``title_core`` was not tuned on them but its rules name such
patterns)."""
TOP_K = 10
HELD_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class Ad:
    """One labelled posting."""

    source: str
    title: str
    description: str
    occupation_uri: str


@dataclass
class _Scores:
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the target, or None

    def add(self, ranked: Sequence[str], target: str) -> None:
        self.ranks.append(ranked.index(target) + 1 if target in ranked[:TOP_K] else None)

    def summary(self) -> dict[str, float]:
        n = max(len(self.ranks), 1)
        return {
            "ads": len(self.ranks),
            "hit@1_pct": round(100 * sum(r == 1 for r in self.ranks) / n, 1),
            "hit@10_pct": round(100 * sum(r is not None for r in self.ranks) / n, 1),
            "mrr@10_pct": round(100 * sum(1 / r for r in self.ranks if r is not None) / n, 1),
        }


def read_ads(folder: Path, occupation_of_code: dict[str, str]) -> tuple[list[Ad], int]:
    """The labelled postings whose code names an ESCO occupation; and how many did not."""
    ads: list[Ad] = []
    unknown = 0
    for source, name in FILES.items():
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                uri = occupation_of_code.get(row["label"].strip())
                if uri is None:
                    unknown += 1
                    continue
                ads.append(Ad(source, row["job_title"], row["description"], uri))
    return ads, unknown


def tfidf_rankings(candidate_texts: Sequence[str], queries: Sequence[str]) -> list[list[int]]:
    """Top ``TOP_K`` candidate rows per query by TF-IDF cosine (ties: lower row first)."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    documents = vectorizer.fit_transform(candidate_texts)
    asked = vectorizer.transform(queries)
    scores = (asked @ documents.T).toarray()
    return [list(np.argsort(-row, kind="stable")[:TOP_K]) for row in scores]


def ingest_pool(
    env: BenchEnvironment, achievements: Sequence[Sequence[SampleAchievement]]
) -> dict[str, Any]:
    """Candidate ``c{i}`` receives one signed OB 3.0 credential per achievement of item ``i``.

    As the issue's own harness builds its pool: each achievement is named after a skill (its
    preferred label, with the skill's ESCO description); an aligned one declares the skill's
    URI, the others only name and describe it, so the product maps their text. Two issuers
    sign in turn; the credentials go through ``POST /v1/credentials`` (parse, verify, map,
    store) over loopback HTTP with two clients.

    Returns:
        How many were sent, the status counts, the evidence stored per credential by kind
        (aligned or mapped from text) and the time taken.
    """
    issuers = bench_issuers()
    documents = [
        (f"c{n}", issuers[k % 2].issue(achievement, f"did:example:c{n}"))
        for n, held in enumerate(achievements)
        for k, achievement in enumerate(held)
    ]
    headers = {"Authorization": f"Bearer {env.api_key(TENANT, 'ingest')}"}
    statuses: dict[int, int] = {}
    skills_per_credential: dict[str, list[int]] = {"aligned": [], "text": []}

    def post(item: tuple[str, dict[str, Any]]) -> None:
        candidate, document = item
        response = client.post(
            "/v1/credentials", params={"candidateId": candidate}, json=document, headers=headers
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.is_success:
            body = response.json()
            kind = (
                "aligned"
                if document["credentialSubject"]["achievement"].get("alignment")
                else "text"
            )
            skills_per_credential[kind].append(len(body.get("skills", [])))

    with (
        httpx.Client(base_url=env.server.url, timeout=120) as client,
        console.status(f"ingesting {len(documents)} credentials"),
        Stopwatch() as watch,
        ThreadPoolExecutor(max_workers=2) as workers,
    ):
        list(workers.map(post, documents))
    return {
        "credentials": len(documents),
        "status_counts": statuses,
        "skills_per_credential": {
            kind: round(statistics.fmean(counts), 2)
            for kind, counts in skills_per_credential.items()
            if counts
        },
        "seconds": round(watch.seconds, 1),
    }


def _title_readings(
    env: BenchEnvironment, sent: Sequence[tuple[int, Ad]], groups: Sequence[str]
) -> dict[str, Any]:
    """Per group, the share of titles read as the ad's own occupation (percent)."""
    context = env.runtime.taxonomy
    assert context is not None
    with unit_of_work(env.runtime.sessions) as session:
        uri_of = {id_: uri for id_, uri in session.execute(select(Occupation.id, Occupation.uri))}
    found = context.occupations_of_titles(
        [ad.title for _, ad in sent], env.settings.matching.title_min_similarity
    )
    right: dict[str, list[bool]] = {group: [] for group in groups}
    for (number, ad), hit in zip(sent, found, strict=True):
        for group in (ad.source, "all", _half(number)):
            right[group].append(hit is not None and uri_of.get(hit[0]) == ad.occupation_uri)
    return {
        "read_as_own_occupation_pct": {
            group: round(100 * sum(flags) / len(flags), 1)
            for group, flags in right.items()
            if flags
        }
    }


def _half(number: int) -> str:
    """Which half an ad falls in by its position: ``even`` or ``odd``."""
    return "odd" if number % 2 else "even"


def run_postings_match(  # noqa: PLR0915 (one run, read top to bottom)
    env: BenchEnvironment,
    *,
    esco_dir: Path,
    seed: int,
    postings_dir: Path = POSTINGS_DIR,
    limit: int | None = None,
    half: str | None = None,
    decorate_titles: bool = False,
    pool: str = "evidence",
) -> dict[str, Any]:
    """Build the pool, send every ad to /v1/match, score it beside TF-IDF.

    ``half`` (``even`` or ``odd``) sends only that half of the ads; the pool is built from
    all of them, so the candidates are the same either way. ``decorate_titles`` dresses each
    title with one of :data:`TITLE_DECORATIONS` before it is read. ``pool`` ``credentials``
    builds the candidates from signed credentials sent to ``POST /v1/credentials``
    (:func:`ingest_pool`) instead of writing their evidence.
    """
    rng = random.Random(seed)
    skill_ids, labels = _skill_rows(env)
    with console.status("reading ESCO occupations"):
        release = read_esco_bundle(esco_dir)
    occupation_of_code = {o.code: o.uri for o in release.occupations if o.code}
    essential: dict[str, list[int]] = {}
    for relation in release.occupation_skills:
        skill_id = skill_ids.get(relation.skill_uri)
        if relation.relation == "essential" and skill_id is not None:
            essential.setdefault(relation.occupation_uri, []).append(skill_id)
    ads, unknown_codes = read_ads(postings_dir, occupation_of_code)
    without_skills = sum(ad.occupation_uri not in essential for ad in ads)
    ads = [ad for ad in ads if ad.occupation_uri in essential][:limit]
    occupations = sorted({ad.occupation_uri for ad in ads})
    rng.shuffle(occupations)
    holdings = []
    for uri in occupations:
        skills = essential[uri]
        held = rng.sample(skills, max(1, round(HELD_SHARE * len(skills))))
        holdings.append(
            [
                SyntheticEvidence(
                    s, labels[s], 1.0 if rng.random() < 0.5 else round(rng.uniform(0.65, 0.95), 3)
                )
                for s in held
            ]
        )
    candidate_of = {uri: f"c{n}" for n, uri in enumerate(occupations)}
    tenant_id = tenant_id_of(env, TENANT)
    ingested: dict[str, Any] | None = None
    if pool == "credentials":
        uri_of = {skill_id: uri for uri, skill_id in skill_ids.items()}
        described = {skill.uri: skill.description for skill in release.skills}
        ingested = ingest_pool(
            env,
            [
                [
                    SampleAchievement(
                        slug=f"s{e.skill_id}-{'a' if e.confidence == 1.0 else 'n'}",
                        name=e.label,
                        description=described.get(uri_of[e.skill_id], ""),
                        aligned_skill_uris=(uri_of[e.skill_id],) if e.confidence == 1.0 else (),
                        aligned_labels=(e.label,) if e.confidence == 1.0 else (),
                    )
                    for e in held
                ]
                for held in holdings
            ],
        )
    else:
        with console.status(f"writing {len(occupations)} candidates"):
            write_candidates(env, tenant_id, holdings)

    groups = (*FILES, "all", "even", "odd")
    product = {source: _Scores() for source in groups}
    baseline = {source: _Scores() for source in groups}
    requirements: list[int] = []
    rejected = 0
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {env.api_key(TENANT, 'matcher')}"}
    sent = [(n, ad) for n, ad in enumerate(ads) if half is None or _half(n) == half]
    if decorate_titles:
        dressing = random.Random(seed + 1)
        sent = [
            (n, replace(ad, title=dressing.choice(TITLE_DECORATIONS).format(title=ad.title)))
            for n, ad in sent
        ]
    titles = {**_title_readings(env, sent, groups), "decorated": decorate_titles}
    with http_client(env, 1) as client, console.status(f"matching {len(sent)} ads"):
        for number, ad in sent:
            body = {"title": ad.title, "description": ad.description, "topK": TOP_K}
            with Stopwatch() as one:
                response = client.post("/v1/match", json=body, headers=headers)
            if response.status_code in REJECTED:
                ranked: list[str] = []
                rejected += 1
                requirements.append(0)
            else:
                response.raise_for_status()
                result = response.json()
                ranked = [c["candidateId"] for c in result["candidates"]]
                requirements.append(len(result["requirements"]))
                latencies.append(one.seconds)
            for source in (ad.source, "all", _half(number)):
                product[source].add(ranked, candidate_of[ad.occupation_uri])
    texts = [" . ".join(e.label for e in held) for held in holdings]
    with console.status("TF-IDF baseline"):
        rankings = tfidf_rankings(texts, [f"{ad.title}\n{ad.description}" for _, ad in sent])
    for (number, ad), rows in zip(sent, rankings, strict=True):
        for source in (ad.source, "all", _half(number)):
            baseline[source].add([f"c{row}" for row in rows], candidate_of[ad.occupation_uri])
    return {
        "ads": len(sent),
        "half": half or "both",
        "ads_without_a_known_occupation_code": unknown_codes,
        "ads_whose_occupation_has_no_essential_skill": without_skills,
        "candidates": len(occupations),
        "evidence_rows": sum(len(h) for h in holdings),
        "top_k": TOP_K,
        "product": {g: scores.summary() for g, scores in product.items() if scores.ranks},
        "tfidf": {g: scores.summary() for g, scores in baseline.items() if scores.ranks},
        "titles": titles,
        "pool": pool,
        **({"ingested": ingested} if ingested is not None else {}),
        "rejected": rejected,
        "requirements_per_ad": {
            "mean": round(statistics.fmean(requirements), 1) if requirements else 0,
            "ads_with_any_pct": round(
                100 * sum(r > 0 for r in requirements) / max(len(requirements), 1), 1
            ),
        },
        "latency": percentiles(latencies) if len(latencies) >= 2 else {},
    }
