"""The credmatch command line, on real databases."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.db import registry
from service.db.engine import build_engine, session_factory, unit_of_work
from service.db.models import (
    Occupation,
    OccupationSkill,
    QuarantinedDocument,
    Skill,
    SkillCollectionMember,
    SkillLabel,
    SkillRelation,
    Taxonomy,
)
from service.keys.auth import authenticate
from service.runtime import Runtime
from service.samples import SampleIssuer
from tests.conftest import shared_data
from tests.service.conftest import sql_achievement


def test_keys_create_prints_a_working_key(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = runtime.settings
    code = main(
        [
            "--data-dir",
            str(settings.data_dir),
            "--database-url",
            settings.resolved_database_url,
            "keys",
            "create",
            "--tenant",
            "cli-tenant",
            "--role",
            "recruiter",
        ]
    )
    assert code == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("cm_")
    with unit_of_work(runtime.sessions) as session:
        principal = authenticate(session, f"Bearer {key}")
    assert principal.role.value == "recruiter"


def test_ingest_command_accepts_folders_and_quarantines_bad_files(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = SampleIssuer(name="CLI College", domain="cli.example")
    achievement = sql_achievement()
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(3):
        document = issuer.issue(achievement, f"did:example:cli-{n}")
        (folder / f"c{n}.json").write_text(json.dumps(document))
    (folder / "broken.json").write_text("{not json")
    batch = [issuer.issue(achievement, f"did:example:line-{n}") for n in range(2)]
    (folder / "batch.ndjson").write_text("\n".join(json.dumps(d) for d in batch) + "\n\n")
    (folder / "notes.txt").write_text("ignored: not a credential file")
    (folder / "unbaked.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)  # no badge inside
    monkeypatch.setattr("service.credentials.bulk.Runtime.open", lambda *a, **k: runtime)
    monkeypatch.setattr(Runtime, "close", lambda self: None)
    args = ["--data-dir", str(runtime.settings.data_dir), "--database-url"]
    args += [runtime.settings.resolved_database_url, "ingest", "--tenant", "cli-ingest"]
    assert main([*args, str(folder)]) == 1  # two files were rejected
    assert main([*args, str(folder / "c0.json")]) == 0  # already stored: not an error
    with unit_of_work(runtime.sessions) as session:
        rejected = session.scalars(
            select(QuarantinedDocument).where(QuarantinedDocument.reason_code == "malformed-json")
        ).all()
        assert any(row.raw == b"{not json" for row in rejected)
        images = session.scalars(
            select(QuarantinedDocument).where(QuarantinedDocument.reason_code == "invalid-image")
        ).all()
        assert any(row.raw.startswith(b"\x89PNG") for row in images)
        tenant_id = registry.get_or_create_tenant(session, "cli-ingest").id
        for n in range(2):  # both lines of the NDJSON batch were ingested
            assert registry.get_candidate(session, tenant_id, f"did:example:line-{n}") is not None


def test_missing_file_is_a_precise_cli_error(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--database-url",
            runtime.settings.resolved_database_url,
            "ingest",
            "/nonexistent/credential.json",
            "--tenant",
            "t",
        ]
    )
    assert code == 2
    assert "no such file: /nonexistent/credential.json" in capsys.readouterr().err


def test_bad_setting_is_a_precise_cli_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CREDMATCH_MAPPING_THRESHOLD", "high")
    assert main(["db", "upgrade"]) == 2
    assert "CREDMATCH_MAPPING_THRESHOLD='high' is not a valid float" in capsys.readouterr().err


def test_import_the_official_esco_bundle(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole official v1.1.1 bundle into a fresh schema/file (no label embedding)."""
    bundle = shared_data("esco-v1.1.1")
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'esco.sqlite3'}"
    args = ["--data-dir", str(tmp_path), "--database-url", url, "taxonomy", "import", "esco"]
    assert main([*args, str(bundle), "--no-default", "--no-embed", "--replace"]) == 0
    engine = build_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        taxonomy = session.scalar(select(Taxonomy).where(Taxonomy.version == "1.1.1"))
        assert taxonomy is not None
        skills = session.scalar(
            select(func.count(Skill.id)).where(Skill.taxonomy_id == taxonomy.id)
        )
        labels = session.scalar(
            select(func.count(SkillLabel.id))
            .join(Skill, Skill.id == SkillLabel.skill_id)
            .where(Skill.taxonomy_id == taxonomy.id)
        )
        relations = session.scalar(
            select(func.count(OccupationSkill.id))
            .join(Skill, Skill.id == OccupationSkill.skill_id)
            .where(Skill.taxonomy_id == taxonomy.id)
        )
        skill_relations = session.scalar(
            select(func.count(SkillRelation.id)).where(SkillRelation.taxonomy_id == taxonomy.id)
        )
        digital = session.scalar(
            select(func.count(SkillCollectionMember.id)).where(
                SkillCollectionMember.taxonomy_id == taxonomy.id,
                SkillCollectionMember.collection == "digital",
            )
        )
    engine.dispose()
    assert skills == 13_896
    assert labels == 99_074
    assert skill_relations == 5_899
    assert digital == 1_201
    # 67 relations name an occupation missing from occupations_en.csv in the official files
    assert relations == 123_855 - 67
    again = main([*args, str(bundle), "--no-default", "--no-embed"])
    assert again == 2
    assert "already imported" in capsys.readouterr().err


def test_import_onet_beside_esco(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """O*NET 29.2 side by side with the default release: not made default, importance kept."""
    folder = shared_data("onet-29.2")
    url = database_url
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'onet.sqlite3'}"
    args = ["--data-dir", str(tmp_path), "--database-url", url, "taxonomy", "import"]
    assert main([*args, "onet", str(folder), "--no-embed", "--replace"]) == 0
    engine = build_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        onet = session.scalar(select(Taxonomy).where(Taxonomy.framework == "onet"))
        assert onet is not None
        assert (onet.version, onet.skill_count) == ("29.2", 203)
        occupations = session.scalar(
            select(func.count(Occupation.id)).where(Occupation.taxonomy_id == onet.id)
        )
        rated = session.scalars(
            select(OccupationSkill.importance)
            .join(Skill, Skill.id == OccupationSkill.skill_id)
            .where(Skill.taxonomy_id == onet.id, OccupationSkill.relation == "essential")
        ).all()
    engine.dispose()
    assert occupations == 1_016
    assert len(rated) == 8_662
    assert all(value is not None and value >= 3.5 for value in rated)
    assert "imported onet 29.2" in capsys.readouterr().err


def test_unknown_setting_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CREDMATCH_MAPING_THRESHOLD", "0.5")
    assert main(["--database-url", f"sqlite:///{tmp_path / 'db.sqlite3'}", "db", "upgrade"]) == 0
    assert "unknown setting CREDMATCH_MAPING_THRESHOLD is ignored" in capsys.readouterr().err


def test_quarantine_list_prints_every_rejected_document(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.credentials.service import ingest_credential

    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, "cli-quarantine").id
        for n in range(3):
            ingest_credential(
                session, context, runtime.verifier, tenant_id=tenant_id, raw=b"[%d" % n
            )
    url = runtime.settings.resolved_database_url
    assert main(["--database-url", url, "quarantine", "list", "--tenant", "cli-quarantine"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("malformed-json") == 3


def test_skills_extract_reads_sentences_from_arguments_or_stdin_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import REPO_ROOT

    (tmp_path / "models").symlink_to(REPO_ROOT / "var" / "test-models")  # reuse the ONNX export
    bundle = REPO_ROOT / "tests" / "taxonomy" / "fixtures" / "esco_small"
    base = ["--data-dir", str(tmp_path), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}"]
    assert main([*base, "taxonomy", "import", "esco", str(bundle), "--version", "1.1.1"]) == 0
    capsys.readouterr()

    assert main([*base, "skills", "extract", "Python, JavaScript and give presentations"]) == 0
    (reading,) = json.loads(capsys.readouterr().out)
    methods = {s["skill"]["label"]: s["method"] for s in reading["skills"]}
    assert methods["Python (computer programming)"] == "exact"
    assert methods["JavaScript"] == "exact"
    assert "give presentations" in methods

    monkeypatch.setattr("sys.stdin", io.StringIO("talk to our clients\n\nhaggle\n"))
    assert main([*base, "skills", "extract", "--top-k", "3", "--threshold", "0"]) == 0
    first, second = json.loads(capsys.readouterr().out)
    assert first["threshold"] == 0
    assert len(first["phrases"][0]["skills"]) == 3  # the own ranking: top 3 at threshold 0
    assert second["skills"][0]["skill"]["label"] == "negotiate prices"
    assert second["skills"][0]["method"] == "embedding"  # alternative labels: the encoder

    assert main([*base, "skills", "extract", "--top-k", "101", "x y z"]) == 2
    assert "--top-k must be 1 to 100" in capsys.readouterr().err
