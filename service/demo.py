"""``credmatch demo``: the whole path on the embedded default, over real HTTP.

Loads the packaged ESCO taxonomy, starts the server, creates API keys, issues and signs sample
Open Badges 3.0 credentials with fresh did:key issuers, ingests them (plus a tampered one that
must be rejected), and asks for a match, printing the explanation down to the credential.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from service.app import create_app
from service.db.engine import unit_of_work
from service.keys.auth import create_api_key
from service.runtime import Runtime
from service.samples import DEMO_ACHIEVEMENTS, SampleIssuer
from service.serving import BackgroundServer
from service.settings import Settings
from service.taxonomy.tasks import ensure_default_taxonomy

DEMO_JOB_TITLE = "Junior Data Analyst"
DEMO_JOB = """We are hiring a junior data analyst for our analytics team.
Requirements:
- Programming in Python to prepare and analyse data
- Writing SQL queries against relational databases
- Present data visually to business stakeholders
Nice to have:
- Experience with machine learning
"""

# candidate -> achievements they earned (by slug)
DEMO_HOLDERS = {
    "alice": ["python-data", "sql-fundamentals", "dashboards", "machine-learning"],
    "bob": ["sql-fundamentals", "dashboards"],
    "chen": ["python-data", "machine-learning"],
    "dana": ["agile-projects", "customer-communication"],
}


def run_demo(settings: Settings, *, port: int, keep_serving: bool, console: Console) -> int:
    """Run the demo; returns the process exit code."""
    ensure_default_taxonomy(settings, console=console)
    runtime = Runtime.open(settings, show_progress=console.is_terminal)
    try:
        with BackgroundServer(create_app(settings, runtime=runtime), port=port) as server:
            console.rule(f"server up at {server.url} (OpenAPI: {server.url}/schema)")
            with unit_of_work(runtime.sessions) as session:
                ingest_key = create_api_key(session, tenant="demo", role="ingest").key
                match_key = create_api_key(session, tenant="demo", role="matcher").key
            with httpx.Client(base_url=server.url, timeout=60) as client:
                _ingest_samples(client, ingest_key, console)
                _match(client, match_key, console)
            if keep_serving:
                console.print(f"serving on {server.url}; press Ctrl-C to stop")
                server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


def _ingest_samples(client: httpx.Client, key: str, console: Console) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    university = SampleIssuer(name="Northwind University", domain="northwind.example")
    academy = SampleIssuer(name="Contoso Skills Academy", domain="contoso.example")
    by_slug = {a.slug: a for a in DEMO_ACHIEVEMENTS}
    table = Table(title="Ingest: signed Open Badges 3.0 credentials (eddsa-rdfc-2022, did:key)")
    for column in ("candidate", "credential", "issuer", "HTTP", "skills proven"):
        table.add_column(column)
    tampered: dict[str, Any] | None = None
    for holder, slugs in DEMO_HOLDERS.items():
        for index, slug in enumerate(slugs):
            issuer = university if index % 2 == 0 else academy
            document = issuer.issue(by_slug[slug], f"mailto:{holder}@example.org")
            if tampered is None:
                tampered = copy.deepcopy(document)
            response = client.post(
                "/v1/credentials", params={"candidateId": holder}, json=document, headers=headers
            )
            body = response.json()
            skills = ", ".join(
                f"{e['skill']['label']} ({e['method']} {e['confidence']:.2f})"
                for e in body.get("skills", [])
            )
            table.add_row(
                holder, by_slug[slug].name, issuer.name, str(response.status_code), skills or "-"
            )
    console.print(table)
    # A tampered copy (a field changed after signing) and an expired credential must be refused.
    if tampered is not None:
        tampered["credentialSubject"]["achievement"]["name"] = "Senior Python Architect"
        _show_rejection(client, headers, tampered, "tampered credential", console)
    expired = university.issue(
        by_slug["python-data"],
        "mailto:mallory@example.org",
        valid_from=datetime.now(UTC) - timedelta(days=800),
        valid_until=datetime.now(UTC) - timedelta(days=30),
    )
    _show_rejection(client, headers, expired, "expired credential", console)


def _show_rejection(
    client: httpx.Client,
    headers: dict[str, str],
    document: dict[str, Any],
    label: str,
    console: Console,
) -> None:
    response = client.post(
        "/v1/credentials", params={"candidateId": "mallory"}, json=document, headers=headers
    )
    problem = response.json()
    failed = [c["check"] for c in problem.get("checks", []) if c["outcome"] == "failed"]
    console.print(
        f"{label}: HTTP {response.status_code} {response.headers.get('content-type')} "
        f"type={problem.get('type')} failed checks={failed} "
        f"quarantine id={problem.get('quarantineId')}"
    )


def _match(client: httpx.Client, key: str, console: Console) -> None:
    response = client.post(
        "/v1/match",
        json={"title": DEMO_JOB_TITLE, "description": DEMO_JOB, "topK": 5},
        headers={"Authorization": f"Bearer {key}"},
    )
    response.raise_for_status()
    result = response.json()
    console.rule(f"POST /v1/match: {DEMO_JOB_TITLE}")
    requirements = Table(title=f"Requirements found in the job text ({result['taxonomy']})")
    for column in ("phrase", "strength", "satisfied by any of", "similarity"):
        requirements.add_column(column)
    for r in result["requirements"]:
        requirements.add_row(
            r["phrase"],
            r["strength"],
            ", ".join(a["label"] for a in r["alternatives"]),
            f"{r['confidence']:.2f}",
        )
    console.print(requirements)
    tree = Tree("Ranked candidates")
    for ranked in result["candidates"]:
        branch = tree.add(
            f"#{ranked['rank']} [bold]{ranked['candidateId']}[/bold] score {ranked['score']:.3f}"
        )
        for m in ranked["matched"]:
            proof = m["credentials"][0] if m["credentials"] else None
            cited = (
                f"'{proof['name']}' by {proof['issuer']['name']} "
                f"({', '.join(proof['proofTypes'])}, verified={proof['verified']}, "
                f"status={proof['status']})"
                if proof
                else "-"
            )
            branch.add(
                f"[green]✓[/green] '{m['phrase'] or m['required']['label']}': "
                f"{m['satisfiedBy']['label']} <- holds {m['matchedSkill']['label']} "
                f"(similarity {m['similarity']:.2f}), proven by {cited}"
            )
        for missing in ranked["missing"]:
            branch.add(
                f"[red]✗[/red] '{missing['phrase'] or missing['skill']['label']}' "
                f"({missing['strength']}): no verified evidence"
            )
    console.print(tree)
