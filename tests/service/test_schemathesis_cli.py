"""``schemathesis run --checks all`` against a live server, on SQLite and PostgreSQL.

The same run a tester outside the project would make: the CLI reads the app's OpenAPI
document over HTTP and calls every operation with generated requests (examples, coverage,
fuzzing and stateful phases; schema-valid and schema-violating), as an admin of a tenant
holding a verified credential. Every check is on, including ``positive_data_acceptance``
(a schema-valid request is never answered 400, only 2xx or a declared 401/403/404/409/422/
429: the project's ``schemathesis.toml``), ``negative_data_rejection``,
``allow_header_conformance`` and ``use_after_free``. The seed is fixed and the example
count bounded, so the run is the same every time and takes well under a minute per
database. The test fails on any failure the CLI reports, and prints them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.conftest import REPO_ROOT
from tests.service.conftest import Tenant, python_badge

SEED = 20261207
MAX_EXAMPLES = 20
HOOKS = REPO_ROOT / "tests" / "schemathesis_hooks.py"
PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"


def _holding_a_credential(server: BackgroundServer, tenant: Tenant) -> None:
    document = python_badge()
    response = httpx.post(
        f"{server.url}/v1/credentials",
        params={"candidateId": "ana"},
        json=document,
        headers=tenant.headers("admin"),
        timeout=60,
    )
    assert response.status_code == 201, response.text


def _schemathesis(
    server: BackgroundServer, tenant: Tenant, selection: list[str], report_dir: Path
) -> subprocess.CompletedProcess[str]:
    """One ``schemathesis run`` over the selected operations, as the tenant's admin."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(REPO_ROOT / "schemathesis.toml"),
            "run",
            f"{server.url}/schema/openapi.json",
            *selection,
            "--checks",
            "all",
            "--header",
            f"Authorization: {tenant.headers('admin')['Authorization']}",
            "--seed",
            str(SEED),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-database",
            "none",
            "--no-color",
            "--report-dir",
            str(report_dir),
        ],
        cwd=report_dir,
        env={
            **os.environ,
            "SCHEMATHESIS_HOOKS": str(REPO_ROOT / "tests" / "schemathesis_hooks.py"),
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _failures(done: subprocess.CompletedProcess[str]) -> str:
    out = done.stdout
    for heading in ("ERRORS", "FAILURES"):
        if heading in out:
            return out[out.find(heading) - 40 :]
    return out[-5000:] + done.stderr[-2000:]


def test_schemathesis_with_every_check_finds_no_failure(runtime: Runtime, tmp_path: Path) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as server:
        tenant = Tenant(runtime)
        _holding_a_credential(server, tenant)
        # Key management may rotate or revoke the key the run calls with: its own tenant.
        main = _schemathesis(server, tenant, ["--exclude-path-regex", "^/v1/keys"], tmp_path)
        keys = _schemathesis(
            server, Tenant(runtime), ["--include-path-regex", "^/v1/keys"], tmp_path
        )

    assert main.returncode == 0, _failures(main)
    assert keys.returncode == 0, _failures(keys)
    for done in (main, keys):
        assert "passed" in done.stdout
        assert "Authentication failed" not in done.stdout  # every operation was reached
