"""``credmatch postings import`` on real databases, with the occupation-coding postings."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.cli import main
from service.db import registry
from service.db.engine import unit_of_work
from service.gap import repository as gap_repo
from service.runtime import Runtime
from tests.conftest import shared_data


def _cli(runtime: Runtime, *args: str) -> int:
    settings = runtime.settings
    base = ["--data-dir", str(settings.data_dir), "--database-url", settings.resolved_database_url]
    return main([*base, "postings", "import", *args])


@pytest.fixture
def reuse_runtime(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The command uses the session's runtime (the model is loaded once per test session)."""
    monkeypatch.setattr("service.gap.postings.Runtime.open", lambda *a, **k: runtime)
    monkeypatch.setattr(Runtime, "close", lambda self: None)
    return runtime


def test_import_command_reads_the_occupation_coding_postings(
    reuse_runtime: Runtime, tmp_path: Path
) -> None:
    source = shared_data("jobs", "occupation-coding", "GenEasy_df.converted.csv")
    with source.open(newline="", encoding="utf-8") as stream:
        records = list(csv.reader(stream))
    sample = tmp_path / "postings.csv"
    with sample.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(records[:31])  # the header and 30 postings
    tenant = "cli-postings"

    assert _cli(reuse_runtime, str(sample), "--tenant", tenant) == 0
    assert _cli(reuse_runtime, str(sample), "--tenant", tenant) == 0  # idempotent

    with unit_of_work(reuse_runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant).id
        assert gap_repo.count_postings(session, tenant_id) == 30
        posting = gap_repo.posting_by_external_id(
            session, tenant_id, gap_repo.stored_postings_keys(session, tenant_id)[0]
        )
    assert posting is not None
    assert posting.title == records[1][1]
    assert posting.occupation_code == records[1][3]


def test_import_command_reports_bad_rows_and_unknown_suffixes(
    reuse_runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "postings.jsonl"
    lines.write_text('{"title": "SQL analyst", "description": "SQL"}\n{"title": 1}\n')
    unknown = tmp_path / "postings.txt"
    unknown.write_text("title\nx\n")

    assert _cli(reuse_runtime, str(lines), "--tenant", "cli-bad") == 1
    assert "row 2" in capsys.readouterr().err
    assert _cli(reuse_runtime, str(unknown), "--tenant", "cli-bad") == 2
    assert _cli(reuse_runtime, str(unknown), "--tenant", "cli-bad", "--format", "csv") == 0
