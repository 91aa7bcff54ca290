"""What a verification reports: one `Check` per step, gathered in a `VerificationReport`.

`ingest._verify` (W3C VCs, Open Badges 3.0) hands Open Badges 2.0 assertions to
`ingest._ob2_verify`; both report in these terms. They live here, below both, so that
`ingest._ob2_verify` does not import the verifier that calls it.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

Outcome = Literal["passed", "failed", "unknown"]

CHECK_NAMES: Final = (
    "context",
    "dataModel",
    "proof",
    "key",
    "validFrom",
    "validUntil",
    "status",
    "schema",
)
"""Every check `Verifier.verify` reports, in report order (names are part of the API).

The report of a well-formed Open Badges 2.0 assertion (`ingest._ob2_verify`) stops at
``status``: OB 2.0 has no ``credentialSchema``."""

REQUIRED_CHECKS: Final = frozenset(
    {"context", "dataModel", "proof", "key", "validFrom", "validUntil"}
)
"""Checks that must pass for a credential to count as verified."""


class Check(msgspec.Struct, frozen=True, kw_only=True):
    """One verification step and its outcome.

    Attributes:
        check: One of `CHECK_NAMES`.
        outcome: ``passed``, ``failed``, or ``unknown`` (could not be checked, e.g. status).
        detail: Human-readable reason, safe to show to API clients.
    """

    check: str
    outcome: Outcome
    detail: str


class VerificationReport(msgspec.Struct, frozen=True, kw_only=True):
    """All checks made on one credential."""

    checks: tuple[Check, ...]

    @property
    def verified(self) -> bool:
        """Contexts, data model, proof, key binding and dates passed, and no check failed.

        A status or schema that could not be checked (``unknown``) does not prevent it; a
        ``failed`` one (revoked, or not conforming to its schema) does.
        """
        passed = {check.check for check in self.checks if check.outcome == "passed"}
        return passed >= REQUIRED_CHECKS and not self.failed()

    def failed(self) -> tuple[Check, ...]:
        """The checks whose outcome is ``failed``."""
        return tuple(check for check in self.checks if check.outcome == "failed")

    def get(self, name: str) -> Check | None:
        """The check called ``name``, or ``None``."""
        return next((check for check in self.checks if check.check == name), None)
