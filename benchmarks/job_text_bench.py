"""Real job-ad sentences: does the extractor read requirements and leave the rest unread?

Method (``python -m benchmarks job-text --conll FILE``):

- **Data.** A public, human-labelled set of sentences from real UK job ads (Green et al.,
  LREC 2022, CC0: https://github.com/acp19tag/skill-extraction-dataset, ``raw_data/testset.txt``
  at commit ca1eadd, 336 sentences), each token tagged ``Skill``, ``Qualification``,
  ``Experience``, ``Occupation``, ``Domain`` or nothing (CoNLL, BIO). The spans are not linked
  to a taxonomy, so this measures *where* requirements are read, not which skill. The file is
  not shipped: ``--conll`` points at it. Tokens are joined with a space except before closing
  punctuation, after opening brackets and around a full stop followed by a lower-case word
  (the tokeniser split addresses: "www . example . co . uk"), and the gold spans keep their
  character offsets.
- **Product.** Each sentence goes through the product's job-text reading at its default
  settings (``SkillMapper.read_jobs``: boilerplate rules, dictionary, mapping artefact and its
  fitted thresholds), as ``POST /v1/skills/extract`` does.
- **Metrics** (percent), per half (even- and odd-numbered sentences) and overall:
  ``skill_sentences_read``: sentences holding a ``Skill`` span that give any requirement;
  ``skill_spans_read``: ``Skill`` spans overlapped by a requirement's span;
  ``unlabelled_sentences_read``: sentences with no labelled span at all (company blurbs, how
  to apply, pay, benefits, location) that still give a requirement, the lower the better;
  ``requirements_outside_spans``: requirements overlapping no labelled span of any kind.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.extraction_bench import (
    DEFAULT_ESCO_BUNDLE,
    encoder_and_space,
    product_mapper,
)
from benchmarks.harness import halves, percent
from ingest.mapping import MappingSettings
from ingest.mapping_model import DEFAULT_ARTEFACT, MappingModel
from taxonomy import read_esco_bundle

SOURCE = (
    "https://github.com/acp19tag/skill-extraction-dataset raw_data/testset.txt "
    "(commit ca1eadd, CC0)"
)
_NO_SPACE_BEFORE = re.compile(r"^[.,:;!?)\]%]$")
_NO_SPACE_AFTER = re.compile(r"^[(\[]$")


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """A sentence and its labelled spans: (kind, start, end) character offsets."""

    text: str
    spans: tuple[tuple[str, int, int], ...]

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of span the sentence holds."""
        return frozenset(kind for kind, _, _ in self.spans)


def read_conll(path: Path) -> list[LabelledSentence]:
    """Sentences of a BIO-tagged CoNLL file (token first, tag last; blank line between)."""
    sentences: list[LabelledSentence] = []
    tokens: list[tuple[str, str]] = []
    for line in [*path.read_text(encoding="utf-8", errors="replace").splitlines(), ""]:
        fields = line.split()
        if len(fields) >= 2:
            tokens.append((fields[0], fields[-1]))
        elif not fields and tokens:
            sentences.append(_sentence(tokens))
            tokens = []
    return sentences


def _sentence(tokens: Sequence[tuple[str, str]]) -> LabelledSentence:
    text = ""
    spans: list[tuple[str, int, int]] = []
    open_span: tuple[str, int] | None = None
    last_end = 0
    previous = ""
    for token, tag in tokens:
        joined = (
            _NO_SPACE_BEFORE.match(token) is not None
            or _NO_SPACE_AFTER.match(previous) is not None
            or (previous == "." and token[:1].islower())  # "www . example . com": one address
        )
        if text and not joined:
            text += " "
        start = len(text)
        text += token
        inside = tag.startswith("I-") and open_span is not None and open_span[0] == tag[2:]
        if open_span is not None and not inside:
            spans.append((open_span[0], open_span[1], last_end))
            open_span = None
        if tag != "O" and open_span is None:
            open_span = (tag[2:], start)
        last_end, previous = len(text), token
    if open_span is not None:
        spans.append((open_span[0], open_span[1], last_end))
    return LabelledSentence(text, tuple(spans))


def _overlaps(start: int, end: int, spans: Sequence[tuple[str, int, int]]) -> bool:
    return any(start < span_end and end > span_start for _, span_start, span_end in spans)


def job_text_metrics(
    sentences: Sequence[LabelledSentence], readings: Sequence[Sequence[tuple[int, int]]]
) -> dict[str, Any]:
    """The four columns (percent) for sentences and the requirement spans read in each."""
    skill_sentences = read_skill_sentences = skill_spans = read_skill_spans = 0
    unlabelled = read_unlabelled = requirements = outside = 0
    for sentence, read in zip(sentences, readings, strict=True):
        skills = [span for span in sentence.spans if span[0] == "Skill"]
        if skills:
            skill_sentences += 1
            read_skill_sentences += bool(read)
            skill_spans += len(skills)
            read_skill_spans += sum(
                any(_overlaps(start, end, [span]) for start, end in read) for span in skills
            )
        if not sentence.spans:
            unlabelled += 1
            read_unlabelled += bool(read)
        requirements += len(read)
        outside += sum(not _overlaps(start, end, sentence.spans) for start, end in read)

    return {
        "sentences": len(sentences),
        "skill_sentences": skill_sentences,
        "skill_sentences_read_pct": percent(read_skill_sentences, skill_sentences),
        "skill_spans": skill_spans,
        "skill_spans_read_pct": percent(read_skill_spans, skill_spans),
        "unlabelled_sentences": unlabelled,
        "unlabelled_sentences_read_pct": percent(read_unlabelled, unlabelled),
        "requirements": requirements,
        "requirements_outside_spans_pct": percent(outside, requirements),
    }


def run_job_text(
    *, data_dir: Path, conll: Path, esco_bundle: Path = DEFAULT_ESCO_BUNDLE
) -> dict[str, Any]:
    """Read every sentence of ``conll`` as the product reads job text; score where it read.

    Args:
        data_dir: Cache folder (the skill space, shared with ``extraction``).
        conll: The labelled sentences (see the module docstring for where to get them).
        esco_bundle: The official ESCO CSV bundle.
    """
    if not conll.is_file():
        raise SystemExit(f"job-text needs --conll FILE: {conll} is not a file (get {SOURCE})")
    sentences = read_conll(conll)
    release = read_esco_bundle(esco_bundle)
    encoder, ours = encoder_and_space(data_dir, release)
    model = MappingModel.load(DEFAULT_ARTEFACT, encoder=encoder.model_id)
    mapper = product_mapper(release, ours, encoder, MappingSettings().at(model.thresholds), model)
    readings: list[list[tuple[int, int]]] = []
    ignored: list[list[str]] = []
    for result in mapper.read_jobs([s.text for s in sentences]):
        if isinstance(result, Exception):
            readings.append([])
            ignored.append([])
            continue
        readings.append([(r.phrase.start, r.phrase.end) for r in result.requirements])
        ignored.append([phrase.reason for phrase in result.ignored])
    return {
        "source": f"{conll} ({SOURCE})",
        "settings": f"product defaults, mapping artefact {model.version}",
        **{
            name: job_text_metrics([sentences[i] for i in rows], [readings[i] for i in rows])
            for name, rows in halves(len(sentences)).items()
        },
        "ignored_phrases": sum(len(reasons) for reasons in ignored),
    }
