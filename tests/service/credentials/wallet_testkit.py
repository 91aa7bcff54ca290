"""A test wallet: a holder did:key that signs presentations (Data Integrity or VP-JWT)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import did_key_from_public_key, sign_presentation
from ingest._ecdsa import b64url_encode, sign_raw

Json = dict[str, Any]
VC_V2 = "https://www.w3.org/ns/credentials/v2"


class Wallet:
    """A holder with a fresh Ed25519 key."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.did = did_key_from_public_key(self.key.public_key())
        self.method = f"{self.did}#{self.did.removeprefix('did:key:')}"

    def presentation(self, credentials: list[Json], *, challenge: str, domain: str) -> Json:
        """A JSON-LD presentation of ``credentials`` with this holder's eddsa-rdfc-2022 proof."""
        unsigned = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": self.did,
            "verifiableCredential": credentials,
        }
        return sign_presentation(
            unsigned,
            self.key,
            cryptosuite="eddsa-rdfc-2022",
            verification_method=self.method,
            challenge=challenge,
            domain=domain,
            created=datetime.now(UTC).replace(microsecond=0),
        )

    def vp_jwt(self, credentials: list[Any], *, challenge: str, domain: str) -> str:
        """A VP-JWT (``vp`` claim, ``nonce``, ``aud``) signed with EdDSA by this holder."""
        claims = {
            "iss": self.did,
            "aud": domain,
            "nonce": challenge,
            "vp": {
                "@context": [VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": credentials,
            },
        }
        header = {"alg": "EdDSA", "typ": "JWT", "kid": self.method}
        signing_input = ".".join(
            b64url_encode(msgspec.json.encode(part)) for part in (header, claims)
        )
        signature = sign_raw(signing_input.encode(), self.key)
        return f"{signing_input}.{b64url_encode(signature)}"
