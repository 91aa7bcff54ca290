"""Runnable benchmarks: ``python -m benchmarks NAME [options]``; each prints one JSON object.

NAME:
  ingest   credentials/s through POST /v1/credentials (parse, verify, map, store) over HTTP
  match    /v1/match latency p50/p99 over HTTP at N synthetic candidates
  search   GET/POST /v1/candidates/search latency p50/p99 over HTTP at N synthetic candidates
  ranking  /v1/match ranking quality (NDCG@10, precision@10) on candidates and jobs generated
           from ESCO occupations (--occupations x --per-occupation candidates)
  all      ingest and match, on one database
  load     --clients concurrent clients mixing ingest, match and search for --duration seconds
           (--database-url: PostgreSQL database to recreate; default a fresh SQLite file)
  gap      gap report time and memory at --postings postings and --candidates candidates;
           with --quality: overlap@50 of the demand read from the labelled synthetic ads
           with the skills of their occupations
  verify   verified credentials/s per proof format, 1 process and a process pool (no database)
  extraction
           skill-extraction quality (RP@5, RP@10, MRR; and the product's extraction at its
           default settings: sentences with any skill, gold returned, recall, precision)
           on TECH, HOUSE, SkillSkape validation/dev (no database)
  train-mapping
           train the mapping artefact (adapter + re-ranker) into ingest/mapping_model/ (or
           --artefact-out DIR), then fit its operating point as fit-thresholds does;
           --hidden-reranker also tries re-rankers with one hidden layer
  fit-thresholds
           fit the artefact's job-text thresholds per evidence kind on the even-numbered
           validation sentences; write them, with odd-sentence figures, into the artefact
  postings-match
           the 1,000 labelled synthetic job ads (title + description) through /v1/match over a
           pool of one candidate per ESCO occupation: Hit@1, Hit@10, MRR@10 beside TF-IDF
  postings-import
           postings/s through `credmatch postings import` on the 1,000 labelled ads and
           --postings synthetic ones (--workers, --ray local, --credmatch another checkout)
  job-text where the product reads requirements in real job-ad sentences (--conll FILE: the
           labelled sentences of github.com/acp19tag/skill-extraction-dataset): labelled
           skill spans read, unlabelled sentences (blurbs, how to apply) left unread
  titles   real US job titles (O*NET alternate titles) read as /v1/match reads a title,
           judged by the ESCO-O*NET crosswalk (--crosswalk FILE: Nesta's, see titles_bench)
  ann      candidate index at --sizes: exact vs IVF build time, bytes/candidate, recall@100,
           latency per --nprobes (no database)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from benchmarks.ann_bench import run_ann
from benchmarks.extraction_bench import SETS, run_extraction, run_fit_thresholds
from benchmarks.gap_bench import run_gap
from benchmarks.gap_quality import run_gap_quality
from benchmarks.harness import BenchEnvironment
from benchmarks.ingest_bench import run_ingest
from benchmarks.job_text_bench import run_job_text
from benchmarks.load_bench import run_load
from benchmarks.match_bench import run_match
from benchmarks.postings_import_bench import run_postings_import
from benchmarks.postings_match_bench import run_postings_match
from benchmarks.ranking_bench import ESCO_DIR, run_ranking
from benchmarks.search_bench import run_search
from benchmarks.titles_bench import run_titles
from benchmarks.train_mapping import RERANKER_FORMS, RerankerForm, run_train_mapping
from benchmarks.verify_bench import run_verify
from ingest.mapping_model import DEFAULT_ARTEFACT
from taxonomy import read_esco_bundle


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "name",
        choices=[
            "ingest",
            "match",
            "search",
            "ranking",
            "all",
            "verify",
            "extraction",
            "train-mapping",
            "fit-thresholds",
            "postings-match",
            "postings-import",
            "ann",
            "job-text",
            "titles",
            "gap",
            "load",
        ],
    )
    parser.add_argument("--candidates", type=int, default=10_000, help="synthetic candidates")
    parser.add_argument("--credentials", type=int, default=1_000, help="credentials to ingest")
    parser.add_argument("--postings", type=int, default=100_000, help="gap: synthetic postings")
    parser.add_argument("--queries", type=int, default=300, help="match or search requests to time")
    parser.add_argument("--clients", type=int, default=1, help="concurrent HTTP clients")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("CREDMATCH_BENCH_DATA_DIR", "var/bench"),
        help="folder for the taxonomy cache and the benchmark database",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=float, default=60, help="load: seconds of load")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL of a database to drop and recreate (default: fresh SQLite)",
    )
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--limit", type=int, default=None, help="sentences per set (smoke run)")
    parser.add_argument(
        "--half",
        choices=("even", "odd"),
        default=None,
        help="postings-match: send only the even- or odd-numbered ads (the pool stays whole)",
    )
    parser.add_argument(
        "--crosswalk",
        type=Path,
        default=Path("esco_onet_crosswalk_Nov2020.csv"),
        help="titles: Nesta's ESCO-O*NET crosswalk CSV",
    )
    parser.add_argument(
        "--conll",
        type=Path,
        default=Path("testset.txt"),
        help="job-text: the labelled job-ad sentences (CoNLL)",
    )
    parser.add_argument(
        "--pool",
        choices=("evidence", "credentials"),
        default="evidence",
        help="postings-match: write the candidates' evidence (default) or send them signed "
        "credentials, half aligned, half named and described only, through POST /v1/credentials",
    )
    parser.add_argument(
        "--decorate-titles",
        action="store_true",
        help="postings-match: dress each title as job boards do (pay, shift, level, ...) first",
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run esco-skill-extractor in its own venv",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (fastest counts)")
    parser.add_argument(
        "--server-process",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve from a separate credmatch process (else a thread of the benchmark)",
    )
    parser.add_argument(
        "--restart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="match: then stop the server (it saves its snapshots) and time two restarted "
        "workers on them (first match, memory)",
    )
    parser.add_argument(
        "--backend",
        choices=["onnx", "torch"],
        default="onnx",
        help="extraction: how our encoder runs (onnx is the product's default)",
    )
    parser.add_argument(
        "--fit",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="extraction: fit per-kind thresholds on even sentences, report odd ones",
    )
    parser.add_argument(
        "--hidden-reranker",
        action="store_true",
        help="train-mapping: also try re-rankers with one hidden layer, the form chosen on "
        "training folds (not the shipped artefact's: RESULTS.md, session 12)",
    )
    parser.add_argument(
        "--artefact-out",
        type=Path,
        default=None,
        help="train-mapping: write the artefact here instead of over the shipped one",
    )
    parser.add_argument(
        "--quality",
        action="store_true",
        help="gap: demand quality of the 1,000 labelled synthetic ads (overlap@50 with their "
        "occupations' skills), boilerplate dropped and read",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="postings-import: credmatch postings import --workers values to run",
    )
    parser.add_argument(
        "--ray", default=None, help="postings-import: CREDMATCH_RAY_ADDRESS for the runs"
    )
    parser.add_argument(
        "--credmatch",
        type=Path,
        default=None,
        help="postings-import: the credmatch script to measure (default: this checkout's)",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--nprobes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--occupations", type=int, default=200, help="ranking: occupations")
    parser.add_argument(
        "--per-occupation", type=int, default=25, help="ranking: candidates per occupation"
    )
    parser.add_argument(
        "--esco-dir", type=Path, default=ESCO_DIR, help="ranking: official ESCO CSV bundle"
    )
    return parser


def _without_database(args: argparse.Namespace) -> dict[str, Any] | None:  # noqa: PLR0911
    """The result of a benchmark that needs no benchmark database (else ``None``)."""
    data_dir = Path(args.data_dir)
    if args.name == "ann":
        return {
            "ann": run_ann(
                data_dir=data_dir,
                sizes=args.sizes,
                queries=args.queries,
                nprobes=args.nprobes,
                seed=args.seed,
            )
        }
    if args.name == "fit-thresholds":
        return run_fit_thresholds(data_dir=data_dir)
    if args.name == "train-mapping":
        if args.hidden_reranker and args.artefact_out is None:
            raise SystemExit(
                "train-mapping --hidden-reranker needs --artefact-out DIR: the shipped "
                "artefact's re-ranker is logistic (RESULTS.md, session 12)"
            )
        return run_train_mapping(
            data_dir=data_dir,
            output=args.artefact_out or DEFAULT_ARTEFACT,
            seed=args.seed,
            set_names=args.sets,
            reranker_forms=RERANKER_FORMS if args.hidden_reranker else (RerankerForm(0),),
        )
    if args.name == "extraction":
        return run_extraction(
            data_dir=data_dir,
            set_names=args.sets,
            limit=args.limit,
            baseline=args.baseline,
            repeats=args.repeats,
            backend=args.backend,
            fit=args.fit,
        )
    if args.name == "postings-import":
        return {
            "postings_import": run_postings_import(
                data_dir=data_dir,
                esco_dir=args.esco_dir,
                synthetic=args.postings,
                workers=args.workers,
                ray=args.ray,
                script=args.credmatch,
                seed=args.seed,
            )
        }
    if args.name == "verify":
        return {"verify": run_verify(count=args.credentials, processes=args.processes)}
    if args.name == "job-text":
        return {"job_text": run_job_text(data_dir=data_dir, conll=args.conll)}
    return None


def _needs_occupations(args: argparse.Namespace) -> bool:
    """Benchmarks that read occupations from the default release (the official bundle)."""
    return args.name in ("postings-match", "titles") or (args.name == "gap" and bool(args.quality))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    alone = _without_database(args)
    if alone is not None:
        json.dump({"machine": BenchEnvironment.machine(), **alone}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    env = BenchEnvironment.prepare(
        Path(args.data_dir),
        server_process=args.server_process,
        database_url=args.database_url,
        # Job titles name occupations: this one needs the official bundle, which has them.
        release=read_esco_bundle(args.esco_dir) if _needs_occupations(args) else None,
    )
    results: dict[str, object] = {"machine": env.machine()}
    try:
        if args.name in ("ingest", "all"):
            results["ingest"] = run_ingest(
                env, credentials=args.credentials, clients=args.clients, seed=args.seed
            )
        if args.name in ("match", "all"):
            results["match"] = run_match(
                env,
                candidates=args.candidates,
                queries=args.queries,
                clients=args.clients,
                seed=args.seed,
                restart=args.restart,
            )
        if args.name == "gap" and args.quality:
            results["gap_quality"] = run_gap_quality(env, esco_dir=args.esco_dir)
        elif args.name == "gap":
            results["gap"] = run_gap(
                env,
                postings=args.postings,
                candidates=args.candidates,
                repeats=args.repeats,
                seed=args.seed,
            )
        if args.name == "search":
            results["search"] = run_search(
                env,
                candidates=args.candidates,
                queries=args.queries,
                clients=args.clients,
                seed=args.seed,
            )
        if args.name == "load":
            results["load"] = run_load(
                env,
                candidates=args.candidates,
                clients=args.clients,
                duration=args.duration,
                seed=args.seed,
            )
        if args.name == "postings-match":
            results["postings_match"] = run_postings_match(
                env,
                esco_dir=args.esco_dir,
                seed=args.seed,
                limit=args.limit,
                half=args.half,
                decorate_titles=args.decorate_titles,
                pool=args.pool,
            )
        if args.name == "titles":
            results["titles"] = run_titles(
                env,
                esco_dir=args.esco_dir,
                crosswalk=args.crosswalk,
                seed=args.seed,
                limit=args.limit,
            )
        if args.name == "ranking":
            results["ranking"] = run_ranking(
                env,
                occupations=args.occupations,
                per_occupation=args.per_occupation,
                esco_dir=args.esco_dir,
                seed=args.seed,
            )
    finally:
        env.close()
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
