"""Exceptions raised by the ingest package (the tree is drawn in `ingest/__init__.py`)."""

from __future__ import annotations

from typing import Literal

FormatErrorCode = Literal[
    "malformed-json",
    "not-an-object",
    "too-large",
    "missing-field",
    "invalid-field",
    "unsupported-credential",
    "invalid-jsonld",
    "undefined-term",
    "unknown-context",
    "invalid-image",
    "no-baked-assertion",
]
"""Stable machine codes of `CredentialFormatError` (later the tail of RFC 9457 type URIs)."""


class IngestError(Exception):
    """Base class of every error raised by `ingest`.

    Attributes:
        code: Stable machine-readable code, used to build RFC 9457 problem type URIs.
    """

    code: str = "ingest-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CredentialFormatError(IngestError):
    """The input is not a credential we can read: bad JSON, wrong shape, too large, unsupported.

    Attributes:
        code: One of `FormatErrorCode`, saying what is wrong.
    """

    code: FormatErrorCode

    def __init__(self, message: str, *, code: FormatErrorCode) -> None:
        super().__init__(message)
        self.code = code


class UnknownContextError(CredentialFormatError):
    """A JSON-LD ``@context`` URL is not bundled with the package; it is never fetched.

    Attributes:
        url: The context URL that is not bundled.
    """

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not bundled with credmatch; "
            "remote contexts are never fetched",
            code="unknown-context",
        )
        self.url = url


class KeyResolutionError(IngestError):
    """A verification method or DID could not be turned into an Ed25519 public key."""

    code = "unresolvable-key"


FetchErrorCode = Literal["fetch-refused", "fetch-failed"]
"""Stable codes of `FetchError`: refused by policy before any request, or tried and failed."""


class FetchError(IngestError):
    """A remote document could not be fetched.

    Attributes:
        code: ``fetch-refused`` (the URL or its addresses are not allowed: scheme, private
            address, ...) or ``fetch-failed`` (network error, HTTP status, too large, not JSON).
        url: The URL that was asked for.
    """

    code: FetchErrorCode

    def __init__(self, url: str, message: str, *, code: FetchErrorCode) -> None:
        super().__init__(f"{url}: {message}")
        self.code = code
        self.url = url


class StatusListError(IngestError):
    """A status entry or list breaks the status list rules (`ingest._status`).

    E.g. an ``encodedList`` that is not a valid GZIP bitstring, an index outside it, a list
    by another issuer, or a malformed ``statusListIndex``.
    """

    code = "invalid-status-list"
