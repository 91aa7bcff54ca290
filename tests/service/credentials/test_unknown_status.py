"""The trust policy's ``unknownStatus``: accept (default) or fail closed, on both databases.

A status list that cannot be read (a loopback port nobody listens on) makes the ``status``
check ``unknown``; the same list pinned in the verifier's document store makes it readable.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from ingest import IssuerTrustPolicy, PinnedDocuments, Verifier, encode_status_list
from service.cli import main
from service.credentials import repository as credentials_repository
from service.credentials.bulk import reverify_tenant
from service.credentials.service import STATUS_UNKNOWN, Accepted, Rejected, ingest_credential
from service.db import registry
from service.db.engine import unit_of_work
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.trust.service import load_policy, save_policy
from tests.service.conftest import ESCO, Tenant
from tests.service.credentials.test_quarantine import quiet_progress
from tests.service.credentials.test_reverify import ranked

ISSUER = SampleIssuer(name="Status Uni", domain="status-uni.example")
SQL_BADGE = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL queries.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)
# Port 9 (discard) on loopback: the fetch is refused at once, so the status is unknown.
STATUS_LIST_URL = "http://127.0.0.1:9/status/1"
INDEX = 3


def status_list() -> dict[str, Any]:
    """The issuer's revocation list, signed, of the minimum length, no bit set."""
    return ISSUER.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": STATUS_LIST_URL,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": ISSUER.did,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{STATUS_LIST_URL}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_status_list(bytes(131_072 // 8), multibase=True),
            },
        }
    )


def with_status(subject: str) -> bytes:
    """A signed credential whose status entry points at `STATUS_LIST_URL`."""
    document = ISSUER.credential(SQL_BADGE, subject)
    document["credentialStatus"] = {
        "id": f"{STATUS_LIST_URL}#{INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(INDEX),
        "statusListCredential": STATUS_LIST_URL,
    }
    return json.dumps(ISSUER.sign(document)).encode()


def readable(runtime: Runtime) -> Runtime:
    """The same runtime, with a verifier that reads the status list from its documents."""
    pinned = Verifier(documents=PinnedDocuments({STATUS_LIST_URL: status_list()}))
    return dataclasses.replace(runtime, verifier=pinned)


def ingest(runtime: Runtime, tenant_id: int, raw: bytes, holder: str) -> Accepted | Rejected:
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        return ingest_credential(
            session,
            context,
            runtime.verifier,
            tenant_id=tenant_id,
            raw=raw,
            candidate_external_id=holder,
        )


def tenant_with_policy(runtime: Runtime, tenant: Tenant, **policy: Any) -> int:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        save_policy(session, tenant_id, IssuerTrustPolicy(**policy))
    return tenant_id


def stored_checks(runtime: Runtime, credential_id: int) -> dict[str, tuple[str, str]]:
    with unit_of_work(runtime.sessions) as session:
        checks = credentials_repository.checks_of(session, [credential_id])[credential_id]
        return {c.check: (c.outcome, c.detail) for c in checks}


def test_unknown_status_is_accepted_and_said_so_by_default(
    runtime: Runtime, tenant: Tenant
) -> None:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        assert load_policy(session, tenant_id).unknown_status == "accept"

    result = ingest(runtime, tenant_id, with_status("did:example:u1"), "u1")

    assert isinstance(result, Accepted)
    assert (result.credential.verified, result.credential.status_outcome) == (True, "unknown")
    checks = stored_checks(runtime, result.credential.id)
    assert checks["status"][0] == "unknown"
    assert "unknownStatus accept" in checks["trust"][1]
    assert ranked(runtime, tenant_id) == ["u1"]


def test_reject_policy_quarantines_unknown_status_until_reverify_reads_the_list(
    runtime: Runtime, tenant: Tenant
) -> None:
    tenant_id = tenant_with_policy(runtime, tenant, unknown_status="reject")

    result = ingest(runtime, tenant_id, with_status("did:example:u2"), "u2")

    assert isinstance(result, Rejected)
    assert result.code == STATUS_UNKNOWN
    assert "could not be checked" in result.detail
    assert STATUS_LIST_URL in result.detail  # why: the list the verifier could not read
    trust = next(c for c in result.checks if c.check == "trust")
    assert "unknownStatus reject" in trust.detail
    assert ranked(runtime, tenant_id) == []

    # Still unreadable: the row stays, with one more attempt.
    summary = reverify_tenant(
        runtime.settings, tenant=tenant.name, progress=quiet_progress(), runtime=runtime
    )
    assert (summary.released, summary.still_quarantined) == (0, 1)
    with unit_of_work(runtime.sessions) as session:
        (row,) = credentials_repository.quarantined_by_ids(
            session, tenant_id, [result.quarantine_id]
        )
        assert (row.reason_code, row.attempts) == (STATUS_UNKNOWN, 2)

    # The list can be read now: accepted, the quarantine row gone, the evidence counts.
    listed = readable(runtime)
    summary = reverify_tenant(
        listed.settings, tenant=tenant.name, progress=quiet_progress(), runtime=listed
    )
    assert (summary.released, summary.still_quarantined) == (1, 0)
    with unit_of_work(runtime.sessions) as session:
        assert (
            credentials_repository.quarantined_by_ids(session, tenant_id, [result.quarantine_id])
            == []
        )
        (credential_id,) = credentials_repository.credential_ids_of_tenant(session, tenant_id)
    checks = stored_checks(runtime, credential_id)
    assert checks["status"][0] == "passed"
    assert "unknownStatus reject" in checks["trust"][1]
    assert ranked(runtime, tenant_id) == ["u2"]


def test_stored_credential_whose_status_turns_unknown_stops_counting_under_reject(
    runtime: Runtime, tenant: Tenant
) -> None:
    tenant_id = tenant_with_policy(runtime, tenant, unknown_status="reject")
    listed = readable(runtime)
    result = ingest(listed, tenant_id, with_status("did:example:u3"), "u3")
    assert isinstance(result, Accepted)
    assert ranked(runtime, tenant_id) == ["u3"]

    # The list becomes unreadable: kept, but no longer verified, out of the ranking.
    summary = reverify_tenant(
        runtime.settings, tenant=tenant.name, progress=quiet_progress(), runtime=runtime
    )
    assert (summary.now_unverified, summary.status_unknown) == (1, 1)
    with unit_of_work(runtime.sessions) as session:
        credential = credentials_repository.get_credential(session, tenant_id, result.credential.id)
        assert credential is not None
        assert (credential.verified, credential.status_outcome) == (False, "unknown")
    assert ranked(runtime, tenant_id) == []

    # Readable again: verified again, back in the ranking.
    summary = reverify_tenant(
        listed.settings, tenant=tenant.name, progress=quiet_progress(), runtime=listed
    )
    assert summary.now_verified == 1
    assert ranked(runtime, tenant_id) == ["u3"]


def test_the_same_unknown_status_keeps_counting_under_the_default_after_reverify(
    runtime: Runtime, tenant: Tenant
) -> None:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
    assert isinstance(
        ingest(readable(runtime), tenant_id, with_status("did:example:u4"), "u4"), Accepted
    )

    summary = reverify_tenant(
        runtime.settings, tenant=tenant.name, progress=quiet_progress(), runtime=runtime
    )

    assert (summary.now_unverified, summary.status_unknown) == (0, 1)
    assert ranked(runtime, tenant_id) == ["u4"]


def test_status_policy_round_trips_through_the_cli(
    runtime: Runtime, tenant: Tenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = ["--database-url", runtime.settings.resolved_database_url]
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({"unknownStatus": "reject", "untrustedWeight": 0.5}))
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({"unknownStatus": "maybe"}))

    assert main([*database, "trust", "set", "--tenant", tenant.name, str(policy_file)]) == 0
    assert "status that cannot be checked rejected" in capsys.readouterr().err
    assert main([*database, "trust", "show", "--tenant", tenant.name]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert main([*database, "trust", "set", "--tenant", tenant.name, str(bad_file)]) == 2

    assert (shown["unknownStatus"], shown["untrustedWeight"]) == ("reject", 0.5)
    assert "unknownStatus" in capsys.readouterr().err
