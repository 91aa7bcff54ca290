"""Re-verification: a credential that no longer verifies stops counting in matches."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from service.credentials import repository as credentials_repository
from service.credentials.bulk import reverify_tenant
from service.credentials.service import Accepted, ingest_credential
from service.db import registry
from service.db.engine import unit_of_work
from service.matching.service import ExplicitSkill, JobQuery, match_candidates
from service.runtime import Runtime
from tests.service.conftest import ESCO, Tenant
from tests.service.credentials.test_quarantine import https_key_credential, pin_key, quiet_progress

SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"


def ranked(runtime: Runtime, tenant_id: int) -> list[str]:
    context, indexes = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        result = match_candidates(
            session,
            context,
            indexes,
            runtime.settings,
            tenant_id=tenant_id,
            query=JobQuery(skills=[ExplicitSkill(uri=SQL)]),
        )
    return [r.candidate.external_id for r in result.candidates]


def test_credential_whose_key_is_withdrawn_stops_counting(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    key = Ed25519PrivateKey.generate()
    pin_key(tmp_path / "documents", key)
    with_keys = Runtime.open(
        runtime.settings.replaced(documents_dir=tmp_path / "documents"),
        encoder=runtime.encoder,
        migrate=False,
    )
    try:
        context, _ = with_keys.require_taxonomy()
        with unit_of_work(with_keys.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant.name).id
            result = ingest_credential(
                session,
                context,
                with_keys.verifier,
                tenant_id=tenant_id,
                raw=json.dumps(https_key_credential(key, "did:example:rv")).encode(),
                candidate_external_id="rv",
            )
        assert isinstance(result, Accepted)
        assert ranked(runtime, tenant_id) == ["rv"]

        # The issuer withdraws the key: re-verifying without it unverifies the credential.
        summary = reverify_tenant(
            runtime.settings, tenant=tenant.name, progress=quiet_progress(), runtime=runtime
        )
        assert (summary.checked, summary.now_unverified) == (1, 1)
        assert ranked(runtime, tenant_id) == []
        with unit_of_work(runtime.sessions) as session:
            credential = credentials_repository.get_credential(
                session, tenant_id, result.credential.id
            )
            assert credential is not None and credential.verified is False
            checks = credentials_repository.checks_of(session, [credential.id])[credential.id]
            assert {c.check: c.outcome for c in checks}["key"] == "unknown"  # host unreachable

        # Pinned again: verified again and back in the ranking.
        summary = reverify_tenant(
            with_keys.settings, tenant=tenant.name, progress=quiet_progress(), runtime=with_keys
        )
        assert (summary.checked, summary.now_verified) == (1, 1)
        assert ranked(runtime, tenant_id) == ["rv"]
    finally:
        with_keys.engine.dispose()
