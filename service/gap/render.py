"""A gap report as CSV tables, PNG or SVG charts, and a self-contained HTML page.

Charts are drawn with matplotlib's object API (no pyplot, no global state, no display), so
rendering is safe in API worker threads. The HTML page embeds its charts as inline SVG and
its styles inline: it needs no script and no other request, so it can be saved and shared.
Every number in its tables carries the exact value from the JSON report in ``data-value``.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from service.errors import InvalidRequestError, NotFoundError
from service.gap.service import (
    GapReport,
    OccupationDemand,
    Recommendation,
    Rollup,
    SkillGap,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Chart = Literal["gaps", "groups", "pillars", "trend", "occupations"]
CHARTS: tuple[Chart, ...] = ("gaps", "groups", "pillars", "trend", "occupations")
Table = Literal["skills", "groups", "pillars", "occupations", "recommendations", "trend"]
TABLES: tuple[Table, ...] = (
    "skills",
    "groups",
    "pillars",
    "occupations",
    "recommendations",
    "trend",
)
CHART_SKILLS = 15
CHART_GROUPS = 12
DEMAND_COLOUR = "#c0392b"
SUPPLY_COLOUR = "#2874a6"
HTML_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""The page runs no script and loads nothing: inline styles and SVG are all it needs."""


def report_csv(report: GapReport, table: Table = "skills") -> str:
    """One table of the report as CSV (RFC 4180: header row first, camelCase names, CRLF).

    Text that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) is prefixed with ``'``: labels, names and issuers
    come from uploads and credentials. Numbers are written as they are. An empty table
    still has its header row. The trend table has a column per skill, named by its label
    and id so two skills with one label keep a column each.

    Raises:
        InvalidRequestError: An unknown table name.
    """
    header, rows = _table_rows(report, table)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; quotes a CR in a cell too
    writer.writerow([_csv_text(name) for name in header])
    writer.writerows([[_csv_cell(value) for value in row] for row in rows])
    return out.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TABLE_TYPES: dict[str, type[msgspec.Struct]] = {
    "skills": SkillGap,
    "groups": Rollup,
    "pillars": Rollup,
    "occupations": OccupationDemand,
    "recommendations": Recommendation,
}


def _csv_text(text: str) -> str:
    """Text a spreadsheet will show as text, never evaluate (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return _csv_text("; ".join(str(item) for item in value))
    if isinstance(value, str):
        return _csv_text(value)
    return value


def _table_rows(report: GapReport, table: str) -> tuple[list[str], list[list[Any]]]:
    """The column names and the rows of one table."""
    if table == "trend":
        trend = report.trend
        series = trend.skills if trend is not None else []
        header = ["month", "postings", *(f"{s.label} [{s.id}]" for s in series)]
        if trend is None:
            return header, []
        return header, [
            [month, trend.postings[n], *(s.shares[n] for s in series)]
            for n, month in enumerate(trend.months)
        ]
    if table not in _TABLE_TYPES:
        raise InvalidRequestError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    header = [f.encode_name for f in msgspec.structs.fields(_TABLE_TYPES[table])]
    rows: list[list[Any]] = []
    for item in getattr(report, table):
        values = msgspec.to_builtins(item)
        rows.append([values.get(name) for name in header])
    return header, rows


def chart_png(report: GapReport, chart: str) -> bytes:
    """A chart of the report as PNG.

    Raises:
        NotFoundError: An unknown chart, or one the report has no data for.
    """
    buffer = io.BytesIO()
    _figure(report, chart).savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def chart_svg(report: GapReport, chart: str) -> str:
    """A chart of the report as an SVG document (for inlining in HTML)."""
    buffer = io.StringIO()
    _figure(report, chart).savefig(
        buffer, format="svg", bbox_inches="tight", metadata={"Date": None}
    )
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def available_charts(report: GapReport) -> list[Chart]:
    """The charts the report has data for."""
    found: list[Chart] = []
    if report.skills:
        found.extend(["gaps", "groups", "pillars"])
    if report.trend is not None and report.trend.skills:
        found.append("trend")
    if any(o.mean_readiness is not None for o in report.occupations):
        found.append("occupations")
    return found


def _figure(report: GapReport, chart: str) -> Any:
    from matplotlib.figure import Figure  # noqa: PLC0415 (heavy; only charts need it)

    if chart not in CHARTS:
        raise NotFoundError(f"no chart {chart!r}; charts: {', '.join(CHARTS)}")
    if chart not in available_charts(report):
        raise NotFoundError(f"the report has no data for the {chart} chart")
    draw: dict[str, Callable[[Axes, GapReport], None]] = {
        "gaps": _draw_gaps,
        "groups": _draw_groups,
        "pillars": _draw_pillars,
        "trend": _draw_trend,
        "occupations": _draw_occupations,
    }
    figure = Figure(figsize=(8, 5))
    axes = figure.add_subplot()
    draw[chart](axes, report)
    figure.tight_layout()
    return figure


def _paired_bars(
    axes: Axes, labels: Sequence[str], demand: Sequence[float], supply: Sequence[float]
) -> None:
    positions = list(range(len(labels)))
    height = 0.4
    axes.barh(
        [p - height / 2 for p in positions], demand, height, color=DEMAND_COLOUR, label="demand"
    )
    axes.barh(
        [p + height / 2 for p in positions], supply, height, color=SUPPLY_COLOUR, label="cohort"
    )
    axes.set_yticks(positions, [_short(label) for label in labels])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("share")
    axes.legend(loc="lower right")


def _short(label: str, width: int = 40) -> str:
    return label if len(label) <= width else label[: width - 1] + "\u2026"


def _draw_gaps(axes: Axes, report: GapReport) -> None:
    skills = report.skills[:CHART_SKILLS]
    _paired_bars(
        axes,
        [s.label for s in skills],
        [s.demand_share for s in skills],
        [s.supply_share for s in skills],
    )
    axes.set_title("Widest skill gaps: share of postings vs share of cohort")


def _draw_groups(axes: Axes, report: GapReport) -> None:
    groups = report.groups[:CHART_GROUPS]
    _paired_bars(
        axes,
        [g.label for g in groups],
        [g.demand_share for g in groups],
        [g.supply_share for g in groups],
    )
    axes.set_title("Skill groups")


def _draw_pillars(axes: Axes, report: GapReport) -> None:
    _paired_bars(
        axes,
        [p.label for p in report.pillars],
        [p.demand_share for p in report.pillars],
        [p.supply_share for p in report.pillars],
    )
    axes.set_title("Pillars")


def _draw_trend(axes: Axes, report: GapReport) -> None:
    trend = report.trend
    if trend is None:  # available_charts checked it
        return
    for series in trend.skills:
        axes.plot(trend.months, series.shares, marker="o", label=_short(series.label, 30))
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of the month's postings")
    axes.tick_params(axis="x", labelrotation=45)
    axes.legend(loc="upper left", fontsize="small")
    axes.set_title("Monthly demand for the widest gaps")


def _draw_occupations(axes: Axes, report: GapReport) -> None:
    rows = [o for o in report.occupations if o.mean_readiness is not None]
    positions = list(range(len(rows)))
    axes.barh(positions, [o.mean_readiness or 0.0 for o in rows], color=SUPPLY_COLOUR)
    axes.set_yticks(positions, [_short(o.label) for o in rows])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.set_xlabel("mean share of essential skills held")
    axes.set_title("Cohort readiness for the occupations in demand")


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _cell(value: Any, field: str, *, percent: bool = False) -> str:
    shown = _percent(value) if percent else ("" if value is None else str(value))
    exact = "" if value is None else html.escape(str(value), quote=True)
    return f'<td data-field="{field}" data-value="{exact}">{html.escape(shown)}</td>'


def _summary(report: GapReport) -> str:
    items = [
        ("postings", "Postings", report.postings),
        ("datedPostings", "Dated postings", report.dated_postings),
        ("cohortSize", "Learners in the cohort", report.cohort_size),
        ("skillsDemanded", "Skills demanded", report.skills_demanded),
        (
            "postingsWithoutSkills",
            "Postings with no skill recognised",
            report.postings_without_skills,
        ),
    ]
    cells = "".join(
        f'<div><dt>{html.escape(label)}</dt><dd data-field="{key}">{value}</dd></div>'
        for key, label, value in items
    )
    return f'<dl class="summary">{cells}</dl>'


def _skills_table(report: GapReport) -> str:
    rows = "".join(
        f'<tr data-skill-id="{html.escape(s.id)}"><th scope="row">{html.escape(s.label)}</th>'
        f"<td>{html.escape(s.pillar)}</td><td>{html.escape(s.group)}</td>"
        + _cell(s.postings, "postings")
        + _cell(s.must_share, "mustShare", percent=True)
        + _cell(s.nice_share, "niceShare", percent=True)
        + _cell(s.title_postings, "titlePostings")
        + _cell(s.demand_share, "demandShare", percent=True)
        + _cell(s.holders, "holders")
        + _cell(s.supply_share, "supplyShare", percent=True)
        + _cell(s.gap, "gap", percent=True)
        + "</tr>"
        for s in report.skills
    )
    head = (
        "<tr><th>Skill</th><th>Pillar</th><th>Group</th><th>Postings</th><th>Must-have</th>"
        "<th>Nice-to-have</th>"
        '<th><abbr title="Postings that demand it only as an essential skill of the occupation '
        'their title names">From title</abbr></th>'
        "<th>Demand</th><th>Learners</th><th>Cohort</th><th>Gap</th></tr>"
    )
    return f'<table id="skills"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _rollup_table(rollups: Sequence[Any], table_id: str, title: str) -> str:
    rows = "".join(
        f'<tr data-key="{html.escape(r.key)}"><th scope="row">{html.escape(r.label)}</th>'
        + _cell(r.skills, "skills")
        + _cell(r.postings, "postings")
        + _cell(r.demand_share, "demandShare", percent=True)
        + _cell(r.holders, "holders")
        + _cell(r.supply_share, "supplyShare", percent=True)
        + _cell(r.gap, "gap", percent=True)
        + "</tr>"
        for r in rollups
    )
    head = (
        f"<tr><th>{html.escape(title)}</th><th>Skills</th><th>Postings</th><th>Demand</th>"
        "<th>Learners</th><th>Cohort</th><th>Gap</th></tr>"
    )
    return f'<table id="{table_id}"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _occupations_table(report: GapReport) -> str:
    rows = "".join(
        f'<tr data-occupation="{html.escape(o.occupation)}">'
        f'<th scope="row">{html.escape(o.label)}</th>'
        + _cell(o.postings, "postings")
        + _cell(o.demand_share, "demandShare", percent=True)
        + _cell(o.essential_skills, "essentialSkills")
        + _cell(o.mean_readiness, "meanReadiness", percent=True)
        + _cell(o.learners_ready, "learnersReady")
        + f"<td>{html.escape(', '.join(o.least_held))}</td></tr>"
        for o in report.occupations
    )
    head = (
        "<tr><th>Occupation</th><th>Postings</th><th>Demand</th><th>Essential skills</th>"
        "<th>Mean readiness</th><th>Learners ready</th><th>Least held</th></tr>"
    )
    return f'<table id="occupations"><thead>{head}</thead><tbody>{rows}</tbody></table>'


def _recommendations_table(report: GapReport) -> str:
    rows = "".join(
        f'<tr data-rank="{r.rank}"><td>{r.rank}</td><th scope="row">{html.escape(r.name)}</th>'
        f"<td>{html.escape(r.issuer)}</td><td>{html.escape(', '.join(r.skills))}</td>"
        + _cell(r.gap_closed, "gapClosed")
        + _cell(r.holders, "holders")
        + _cell(r.holder_share, "holderShare", percent=True)
        + "</tr>"
        for r in report.recommendations
    )
    head = (
        "<tr><th>#</th><th>Achievement</th><th>Issuer</th><th>Closes gaps in</th>"
        "<th>Gap closed</th><th>Learners holding it</th><th>Share</th></tr>"
    )
    return f'<table id="recommendations"><thead>{head}</thead><tbody>{rows}</tbody></table>'


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.summary{display:flex;gap:2rem;flex-wrap:wrap}.summary dt{font-size:.8rem;color:#666}
.summary dd{margin:0;font-size:1.6rem;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(28rem,1fr));gap:1rem}
figure.chart{margin:0;border:1px solid #ddd;padding:.5rem}figure.chart svg{width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left}
td[data-value]{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#666;font-size:.8rem}
"""


def report_html(report: GapReport, report_id: int) -> str:
    """The report as one self-contained HTML page with charts and tables."""
    charts = "".join(
        f'<figure class="chart" data-chart="{name}">{chart_svg(report, name)}'
        f"<figcaption>{name}</figcaption></figure>"
        for name in available_charts(report)
    )
    sections = [
        f"<h1>Skills gap report #{report_id}</h1>",
        f'<p class="meta">Generated {report.generated_at.isoformat(timespec="seconds")} with '
        f"{html.escape(report.taxonomy)} and {html.escape(report.model)}.</p>",
        _summary(report),
        f'<h2>Charts</h2><div class="charts">{charts}</div>',
        "<h2>Skills</h2>",
        _skills_table(report),
        "<h2>Skill groups</h2>",
        _rollup_table(report.groups, "groups", "Group"),
        "<h2>Pillars</h2>",
        _rollup_table(report.pillars, "pillars", "Pillar"),
        "<h2>Occupations in demand</h2>",
        _occupations_table(report),
        "<h2>Recommended microcredentials</h2>",
        _recommendations_table(report),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Skills gap report #{report_id}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>"
    )
