"""Issuer trust: which verified issuers an organisation trusts, and how much each counts.

Verification proves who issued a credential; trust is the organisation's judgement of that
issuer. A policy lists trusted issuers by exact id (a DID or an issuer URL) or by domain
(an ``https`` issuer URL's host or a ``did:web`` DID's host, subdomains included), each with
a weight in (0, 1], and says whether credentials from other issuers are accepted at all and,
if so, at what weight. The default policy trusts nobody in particular and accepts everyone at
weight 1, i.e. every verified issuer counts fully.

A policy also says what a credential whose revocation status could not be checked (the
``status`` check is ``unknown``: list unreachable, malformed, unsupported) is worth:
``unknownStatus: "accept"`` (the default) keeps it and its evidence counts at a lower weight;
``"reject"`` fails closed, treating it as not verified until its status can be read.
"""

from __future__ import annotations

import urllib.parse
from typing import Final, Literal

import msgspec

TrustKind = Literal["issuer", "domain"]
UnknownStatusPolicy = Literal["accept", "reject"]

DEFAULT_UNTRUSTED_WEIGHT: Final = 1.0
MAX_VALUE_CHARS: Final = 500
_MAX_HOST_CHARS: Final = 253
_MAX_LABEL_CHARS: Final = 63


class TrustedIssuer(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One trusted issuer, by exact id or by domain.

    Attributes:
        kind: ``issuer`` (``value`` is the issuer id exactly) or ``domain`` (``value`` is a
            host name; it matches that host and its subdomains).
        value: The issuer id or host name.
        weight: How much its credentials count, in (0, 1].
        name: Who this is, for people reading the policy.
    """

    kind: TrustKind
    value: str
    weight: float = 1.0
    name: str = ""


class TrustAssessment(msgspec.Struct, frozen=True, kw_only=True):
    """What a policy says of one issuer.

    Attributes:
        trusted: The issuer matches a trusted entry.
        accepted: Its credentials may be stored (trusted, or untrusted ones are accepted).
        weight: How much its evidence counts (0 when not accepted).
        detail: Which rule decided, for the verification report.
    """

    trusted: bool
    accepted: bool
    weight: float
    detail: str


class IssuerTrustPolicy(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An organisation's trust in issuers.

    Attributes:
        trusted: Trusted issuers; when several match, the highest weight wins.
        accept_untrusted: Whether credentials from issuers not listed are accepted.
        untrusted_weight: Weight of an accepted untrusted issuer, in [0, 1].
        allow_other_holders: Whether a Verifiable Presentation may carry credentials whose
            subject is not its holder (by default each must be the holder's own).
        unknown_status: What a credential whose status could not be checked is worth:
            ``accept`` (kept, counted at a lower weight) or ``reject`` (not verified).
    """

    trusted: tuple[TrustedIssuer, ...] = ()
    accept_untrusted: bool = True
    untrusted_weight: float = DEFAULT_UNTRUSTED_WEIGHT
    allow_other_holders: bool = False
    unknown_status: UnknownStatusPolicy = "accept"

    def validate(self) -> None:
        """Check weights and values.

        Raises:
            ValueError: A weight out of range, an empty value, a domain that is not a bare
                host name, or the same entry twice.
        """
        if not 0.0 <= self.untrusted_weight <= 1.0:
            raise ValueError(f"untrustedWeight must be in [0, 1], not {self.untrusted_weight}")
        seen: set[tuple[str, str]] = set()
        for index, entry in enumerate(self.trusted):
            where = f"trusted[{index}]"
            if not 0.0 < entry.weight <= 1.0:
                raise ValueError(f"{where}.weight must be in (0, 1], not {entry.weight}")
            value = entry.value.strip()
            if not value or value != entry.value or len(value) > MAX_VALUE_CHARS:
                raise ValueError(
                    f"{where}.value must be 1-{MAX_VALUE_CHARS} characters, no surrounding space"
                )
            if entry.kind == "domain" and not _is_host_name(value):
                raise ValueError(f"{where}.value {value!r} is not a host name (e.g. example.edu)")
            key = (entry.kind, value.lower() if entry.kind == "domain" else value)
            if key in seen:
                raise ValueError(f"{where} repeats {entry.kind} {value!r}")
            seen.add(key)

    @property
    def is_open(self) -> bool:
        """Every verified issuer counts fully (the default; ``unknown_status`` aside)."""
        return self.accept_untrusted and self.untrusted_weight >= 1.0 and not self.trusted

    def assess(self, issuer_id: str) -> TrustAssessment:
        """Judge one issuer id (already bound to the credential's key by verification)."""
        host = issuer_host(issuer_id)
        best: TrustedIssuer | None = None
        for entry in self.trusted:
            if _matches(entry, issuer_id, host) and (best is None or entry.weight > best.weight):
                best = entry
        if best is not None:
            label = f" ({best.name})" if best.name else ""
            return TrustAssessment(
                trusted=True,
                accepted=True,
                weight=best.weight,
                detail=f"trusted {best.kind} {best.value!r}{label}, weight {best.weight:g}",
            )
        if not self.accept_untrusted:
            return TrustAssessment(
                trusted=False,
                accepted=False,
                weight=0.0,
                detail=f"issuer {issuer_id!r} is not on the trusted list, and untrusted "
                "issuers are not accepted",
            )
        detail = (
            "no trusted list: every verified issuer counts fully"
            if self.is_open
            else f"issuer {issuer_id!r} is not on the trusted list; counted at weight "
            f"{self.untrusted_weight:g}"
        )
        return TrustAssessment(
            trusted=False, accepted=True, weight=self.untrusted_weight, detail=detail
        )


def issuer_host(issuer_id: str) -> str | None:
    """The host an issuer id is tied to: an ``https`` URL's host or a ``did:web`` host."""
    if issuer_id.startswith("did:web:"):
        host = urllib.parse.unquote(issuer_id.removeprefix("did:web:").split(":", 1)[0])
        return host.split(":", 1)[0].lower() or None  # did:web:host%3A8443 -> host
    parsed = urllib.parse.urlsplit(issuer_id)
    if parsed.scheme == "https" and parsed.hostname:
        return parsed.hostname.lower()
    return None


def _matches(entry: TrustedIssuer, issuer_id: str, host: str | None) -> bool:
    if entry.kind == "issuer":
        return entry.value == issuer_id
    if host is None:
        return False
    domain = entry.value.lower()
    return host == domain or host.endswith("." + domain)


def _is_host_name(value: str) -> bool:
    labels = value.split(".")
    return len(value) <= _MAX_HOST_CHARS and all(
        0 < len(label) <= _MAX_LABEL_CHARS
        and label.replace("-", "").isalnum()
        and label.isascii()
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )
