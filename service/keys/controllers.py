"""HTTP controller of API key administration (tenant admins only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.api import schemas as wire
from service.api.dependencies import PrincipalDep, SessionDep, require_api_key
from service.api.openapi import problem_responses
from service.keys import schemas as s
from service.keys.auth import Role
from service.keys.roles import allow
from service.keys.service import KeyInfo, NewKey, create_key, list_keys, revoke_key, rotate_key

KeyIdParam = Annotated[int, Parameter(ge=1, le=wire.MAX_ID)]


def _key_out(info: KeyInfo) -> s.ApiKeyOut:
    return s.ApiKeyOut(
        id=info.id,
        name=info.name,
        role=info.role.value,
        prefix=info.prefix,
        created_at=info.created_at,
        active=info.active,
        revoked_at=info.revoked_at,
        expires_at=info.expires_at,
    )


def _new_key_out(new: NewKey, previous: KeyInfo | None = None) -> s.NewApiKeyOut:
    return s.NewApiKeyOut(
        key=new.key,
        api_key=_key_out(new.info),
        previous=_key_out(previous) if previous is not None else None,
    )


class ApiKeyController(Controller):
    """The tenant's API keys."""

    path = "/v1/keys"
    tags = ["keys"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="List the tenant's API keys", opt=allow(Role.ADMIN))
    def list_keys(self, principal: PrincipalDep, db_session: SessionDep) -> s.ApiKeyListOut:
        """Every key of the tenant, revoked ones included; digests are never shown."""
        return s.ApiKeyListOut(
            items=[_key_out(k) for k in list_keys(db_session, principal.tenant_id)]
        )

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Create an API key for the tenant",
        description=(
            "A key bound to the caller's tenant with the given role (admin, ingest, matcher, "
            "recruiter, analyst). The answer holds the key itself: it is shown this once and "
            "only its digest is stored."
        ),
        opt=allow(Role.ADMIN),
    )
    def create(
        self, data: JSONBody[s.ApiKeyIn], principal: PrincipalDep, db_session: SessionDep
    ) -> s.NewApiKeyOut:
        """Create a key; its plaintext is in the answer only."""
        return _new_key_out(
            create_key(db_session, principal.tenant_id, role=Role(data.role), name=data.name)
        )

    @post(
        "/{key_id:int}/rotate",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Replace an API key by a new one with the same name and role",
        description=(
            "The new key is in the answer, shown once. The old key keeps working for "
            "graceSeconds (at most 7 days; {} takes the default, 0: it stops at once) so "
            "clients can switch over; its expiresAt says until when. An earlier scheduled end "
            "is kept. The key making the request may rotate itself. A revoked key cannot be "
            "rotated (409)."
        ),
        opt=allow(Role.ADMIN),
        responses=problem_responses(409),
    )
    def rotate(
        self,
        key_id: KeyIdParam,
        data: JSONBody[s.ApiKeyRotateIn],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.NewApiKeyOut:
        """Issue the new key and schedule the old one's end."""
        grace = timedelta(seconds=data.grace_seconds)
        rotated = rotate_key(db_session, principal.tenant_id, key_id, grace=grace)
        return _new_key_out(rotated.new, rotated.previous)

    @delete(
        "/{key_id:int}",
        sync_to_thread=True,
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an API key now",
        description=(
            "The key stops working at once (also one in its rotation grace period). "
            "Revoking a revoked key changes nothing. Revoking the key making the request "
            "is refused (409) unless force=true, so an admin does not lock their own "
            "client out by mistake."
        ),
        opt=allow(Role.ADMIN),
        responses=problem_responses(409),
    )
    def revoke(
        self,
        key_id: KeyIdParam,
        principal: PrincipalDep,
        db_session: SessionDep,
        force: Annotated[bool, QueryParameter()] = False,
    ) -> None:
        """Revoke the key."""
        revoke_key(
            db_session,
            principal.tenant_id,
            key_id,
            caller_key_id=principal.key_id,
            force=force,
        )
