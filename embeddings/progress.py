"""A terminal progress bar for long encodes: done/total, rate and time left.

Both encoders show the same bar (``rich``), so that embedding the ~96k taxonomy labels on a
new machine says how fast it goes and when it ends, whichever backend runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second, as rich measures it over its recent samples."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self._unit = unit

    def render(self, task: Task) -> Text:
        """The current rate, or ``?`` before the first samples."""
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text(f"? {self._unit}/s", style="progress.data.speed")
        return Text(f"{speed:,.0f} {self._unit}/s", style="progress.data.speed")


def encoding_progress(unit: str = "texts", *, console: Console | None = None) -> Progress:
    """A progress bar with count, percentage, rate, elapsed time and ETA.

    Args:
        unit: What is counted, shown with the rate (``labels/s``).
        console: Where to draw it (rich's global console by default).
    """
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
    )


def batches_with_progress(
    sizes: Sequence[int],
    *,
    description: str = "encoding",
    unit: str = "texts",
    console: Console | None = None,
) -> Iterator[int]:
    """Yield batch indexes while a bar advances by each batch's size once it is done.

    Args:
        sizes: Items in each batch, in order.
        description: The bar's label.
        unit: What is counted.
        console: Where to draw it (rich's global console by default).
    """
    with encoding_progress(unit, console=console) as progress:
        task = progress.add_task(description, total=sum(sizes))
        for index, size in enumerate(sizes):
            yield index
            progress.advance(task, size)
