"""Derive the dictionary matcher's stop-list from SkillSkape *train* (never an evaluated set).

A single-word ESCO label that is an everyday word ("data", "design", "lead") names its skill
rarely when it occurs in job text. For every single-word label of the release this counts the
SkillSkape training sentences that contain the word and how many of them have the label's
skill among their gold skills; a word seen in at least ``MIN_SEEN`` sentences whose skill is
gold in under ``MAX_GOLD_RATE`` of them is stopped. Words heading ``MIN_LABELS`` or more
labels of the release ("equipment", "processes") are stopped too: they are generic.

Run ``python -m benchmarks.label_stoplist`` and paste the list into
``ingest/_label_stoplist.py``.
"""

from __future__ import annotations

import ast
import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.extraction_bench import DEFAULT_ESCO_BUNDLE, DEFAULT_SKILL_DATA
from taxonomy import iter_skill_labels, read_esco_bundle

MIN_SEEN = 3
MAX_GOLD_RATE = 0.25
MIN_LABELS = 100
_WORD = re.compile(r"[\w+#]+(?:[.'-][\w+#]+)*")


def derive_stoplist(
    bundle: Path = DEFAULT_ESCO_BUNDLE, data: Path = DEFAULT_SKILL_DATA
) -> list[str]:
    """The stopped single-word labels (lower case, sorted)."""
    release = read_esco_bundle(bundle)
    skills_of: defaultdict[str, set[str]] = defaultdict(set)
    for uri, label, _ in iter_skill_labels(release):
        skills_of[" ".join(label.lower().split())].add(uri)
    single = {label for label in skills_of if _WORD.fullmatch(label)}
    uri_of = {skill.preferred_label: skill.uri for skill in release.skills}
    seen: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    with (data / "skillskape" / "train.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            uris = {uri_of.get(str(name).strip()) for name in ast.literal_eval(row["skills"])}
            for word in {m.group(0).lower() for m in _WORD.finditer(row["sentence"])} & single:
                seen[word] += 1
                gold[word] += bool(skills_of[word] & uris)
    heads: Counter[str] = Counter()
    for label in skills_of:
        heads.update(set(_WORD.findall(label)))
    stopped = {w for w in seen if seen[w] >= MIN_SEEN and gold[w] / seen[w] < MAX_GOLD_RATE}
    stopped |= {w for w in single if heads[w] - 1 >= MIN_LABELS}
    return sorted(stopped)


if __name__ == "__main__":
    print(derive_stoplist())
