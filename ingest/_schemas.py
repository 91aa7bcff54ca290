"""``credentialSchema`` validation: bundled 1EdTech JSON Schemas, never fetched by default.

A credential is validated against every ``credentialSchema`` entry of type ``JsonSchema``
(VC Data Model 2.0 "Data Schemas", W3C VC JSON Schema) or ``1EdTechJsonSchemaValidator2019``
(Open Badges 3.0 / CLR 2.0), and - unless the verifier was told otherwise - an Open Badges 3.0
(``OpenBadgeCredential`` / ``AchievementCredential``) or CLR 2.0 (``ClrCredential``) VC 2.0
credential also against the official 1EdTech schema of its type, declared or not.

Schemas come from `BUNDLED_SCHEMAS` (files in ``ingest/schemas``, see ``SOURCES.md``), else
from the verifier's `DocumentStore` (pinned documents; fetched only when the store fetches).
The dialect is the schema's ``$schema`` (Draft 2019-09 and 2020-12, the default, and the
older drafts `jsonschema` knows); ``format`` is an annotation, not asserted (the default of
both drafts; dates have their own checks). ``$ref`` resolves inside the schema only: a
reference to another document is never retrieved and makes the outcome ``unknown``.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.exceptions import Unresolvable

from ingest._credential import as_list
from ingest._documents import DocumentStore
from ingest._errors import FetchError
from ingest._model import context_version

OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA: Final = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
OB3_ENDORSEMENT_CREDENTIAL_SCHEMA: Final = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
)
CLR2_CREDENTIAL_SCHEMA: Final = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)

BUNDLED_SCHEMAS: Final[Mapping[str, str]] = {
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_achievementcredential_schema.json",
    OB3_ENDORSEMENT_CREDENTIAL_SCHEMA: "ob_v3p0_endorsementcredential_schema.json",
    CLR2_CREDENTIAL_SCHEMA: "clr_v2p0_clrcredential_schema.json",
}
"""Schema URL -> file in `ingest/schemas/` (exact match; see ``SOURCES.md`` for origins)."""

SCHEMA_TYPES: Final = frozenset({"JsonSchema", "1EdTechJsonSchemaValidator2019"})
"""``credentialSchema`` types validated as plain JSON Schemas."""

_OB3_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})
_OFFICIAL_BY_TYPE: Final = (
    (_OB3_TYPES, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA),
    (frozenset({"ClrCredential"}), CLR2_CREDENTIAL_SCHEMA),
)
_MAX_MESSAGE: Final = 160
_DRAFT_2020_12: Final = "https://json-schema.org/draft/2020-12/schema"

SchemaOutcome = Literal["passed", "failed", "unknown"]


@dataclass(frozen=True, slots=True)
class SchemaResult:
    """The ``schema`` check of one credential, before it becomes a report `Check`.

    Attributes:
        outcome: ``passed``, ``failed`` (a schema rejects the credential) or ``unknown``
            (a schema could not be had or used).
        detail: Which schemas were applied and, on failure, the JSON pointer and message.
    """

    outcome: SchemaOutcome
    detail: str


@functools.cache
def _bundled_validator(url: str) -> Validator:
    """The validator for a bundled schema (loaded and checked once per process)."""
    path = importlib.resources.files("ingest") / "schemas" / BUNDLED_SCHEMAS[url]
    schema = json.loads(path.read_text(encoding="utf-8"))
    return _validator(schema)


def _validator(schema: dict[str, Any]) -> Validator:
    """A validator for ``schema`` in its declared dialect; raises `SchemaError`.

    The empty `Registry` keeps ``$ref`` inside the schema: `jsonschema` would otherwise
    retrieve remote references over the network.
    """
    dialect = schema.get("$schema", _DRAFT_2020_12)
    if not isinstance(dialect, str):
        raise SchemaError(f"$schema {dialect!r} is not a URI")
    cls = validator_for(schema, default=Draft202012Validator)
    if cls is Draft202012Validator and dialect.rstrip("#") != _DRAFT_2020_12:
        raise SchemaError(f"unsupported $schema {dialect!r}")
    cls.check_schema(schema)
    return cls(schema, registry=Registry())


def _pointer(error: ValidationError) -> str:
    """RFC 6901 JSON pointer of the failing value (``""`` is the whole credential)."""
    parts = (str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)
    return "".join(f"/{part}" for part in parts)


def _first_error(errors: Iterable[ValidationError]) -> ValidationError | None:
    """The error at the first failing place of the credential, as precise as it gets.

    Errors are ordered by the path of the value they are about (the whole credential first);
    an ``anyOf`` / ``oneOf`` error is replaced by the most relevant error of the branches
    whose JSON type matched (``best_match``), recursively, so that the message says what is
    missing rather than "is not valid under any of the given schemas".
    """
    first = min(errors, key=lambda error: [str(part) for part in error.absolute_path], default=None)
    while first is not None and first.context:
        branches = [error for error in first.context if error.validator != "type"]
        first = best_match(branches or first.context)
    return first


def _message(error: ValidationError | SchemaError) -> str:
    message = error.message
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def official_schema(document: Mapping[str, Any]) -> str | None:
    """The 1EdTech schema a VC 2.0 OB 3.0 / CLR 2.0 credential must conform to, or ``None``.

    VC 1.1 credentials (drafts of OB 3.0 before its final VC 2.0 form) get none: the
    published schemas require VC 2.0 fields such as ``validFrom``.
    """
    if context_version(dict(document)) != "v2":
        return None
    types = {kind for kind in as_list(document.get("type")) if isinstance(kind, str)}
    return next((url for kinds, url in _OFFICIAL_BY_TYPE if types & kinds), None)


class SchemaChecker:
    """Validates credentials against their ``credentialSchema`` (see the module docstring).

    Args:
        documents: Where schemas that are not bundled are looked up (exact ``id`` URL).
        official_schemas: Also apply the 1EdTech OB 3.0 / CLR 2.0 schema to credentials of
            those types that do not declare it.
    """

    def __init__(self, documents: DocumentStore, *, official_schemas: bool = True) -> None:
        self._documents = documents
        self._official_schemas = official_schemas

    def check(self, credential: Mapping[str, Any]) -> SchemaResult:
        """Validate ``credential`` (the decoded JSON; for a VC-JWT, its payload).

        Returns:
            ``failed`` when any schema rejects it, else ``unknown`` when any schema could
            not be applied, else ``passed`` (also when no schema applies).
        """
        declared = as_list(credential.get("credentialSchema"))
        results: list[tuple[SchemaOutcome, str]] = []
        urls: list[str] = []
        for entry in declared:
            url, problem = _declared_url(entry)
            if url is None:
                results.append(("unknown", problem))
            elif url not in urls:
                urls.append(url)
        official = official_schema(credential) if self._official_schemas else None
        if official is not None and official not in urls:
            urls.append(official)
        else:
            official = None  # declared: reported as any declared schema
        for url in urls:
            source = "the 1EdTech schema for its type" if url == official else url
            results.append(self._apply(url, source, credential))
        if not results:
            return SchemaResult("passed", "no schema declared (credentialSchema not present)")
        outcomes = {outcome for outcome, _ in results}
        outcome: SchemaOutcome = (
            "failed" if "failed" in outcomes else "unknown" if "unknown" in outcomes else "passed"
        )
        return SchemaResult(outcome, "; ".join(detail for _, detail in results))

    def _apply(
        self, url: str, source: str, credential: Mapping[str, Any]
    ) -> tuple[SchemaOutcome, str]:
        label = url if source == url else f"{url} ({source})"
        validator, problem = self._load(url)
        if validator is None:
            return "unknown", f"schema {label} {problem}"
        try:
            error = _first_error(validator.iter_errors(credential))
        except Unresolvable as unresolvable:
            return "unknown", f"schema {label} refers to {unresolvable.ref!r}, never retrieved"
        except RecursionError:
            return "unknown", f"schema {label} refers to itself without end"
        if error is not None:
            return "failed", (
                f"does not conform to {label}: at {_pointer(error) or '/'} {_message(error)}"
            )
        return "passed", f"conforms to {label}"

    def _load(self, url: str) -> tuple[Validator | None, str]:
        """(validator, ``""``) or (``None``, why the schema is unavailable)."""
        if url in BUNDLED_SCHEMAS:
            return _bundled_validator(url), ""
        try:
            schema = self._documents.get(url)
        except FetchError as error:
            return None, f"cannot be fetched: {error.message}"
        if schema is None:
            return None, (
                "is neither bundled nor pinned (schemas are fetched only through a fetching "
                "document store)"
            )
        try:
            return _validator(schema), ""
        except SchemaError as error:
            return None, f"is not a valid JSON Schema ({_message(error)})"


def _declared_url(entry: Any) -> tuple[str | None, str]:
    """(schema URL of a ``credentialSchema`` entry, ``""``) or (``None``, why not usable)."""
    if not isinstance(entry, dict):
        return None, "a credentialSchema entry is not an object"
    url, kind = entry.get("id"), entry.get("type")
    if not isinstance(url, str) or not url:
        return None, "a credentialSchema entry has no id"
    if kind not in SCHEMA_TYPES:
        return None, f"credentialSchema {url} has unsupported type {kind!r}"
    return url, ""
