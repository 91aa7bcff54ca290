"""The VC Data Model's normative rules, checked on the JSON whatever secures it.

A proof only says the issuer signed these bytes; a conforming verifier must also refuse a
document that breaks the data model (VCDM 2.0 §1.3 Conformance: it "MUST check that each
required property satisfies the normative requirements for that property"). `check_data_model`
does so the same way for every securing mechanism - ``eddsa-rdfc-2022``, ``eddsa-jcs-2022``,
``Ed25519Signature2020``, ``ecdsa-rdfc-2019`` and VC-JWT payloads - so that a document the
RDFC path refuses is not accepted under JCS. Each problem names its rule, e.g.
``VCDM 2.0 §4.4 Identifiers: id MUST be a single URL, got null``.

Rules (VCDM 2.0 sections; a document whose first ``@context`` is the VC 1.1 context gets
the VCDM 1.1 rule instead, shown after the slash; "-" where 1.1 has none):

* Contexts (§4.3 / §4.1): ``@context`` present, an ordered set whose first item is the base
  context, later items URLs or objects.
* Identifiers (§4.4 / §4.2): an ``id``, where present, is a single URL: on the credential,
  the issuer, each subject, and each status, schema, evidence, terms of use, refresh
  service and related resource entry.
* Types (§4.5 / §4.3): ``type`` present, one or more strings, ``VerifiableCredential`` among
  them; each ``credentialStatus``, ``termsOfUse``, ``evidence``, ``refreshService``,
  ``credentialSchema`` and ``proof`` object has a ``type`` (2.0 §5.10 Reserved Extension
  Points: ``renderMethod`` and ``confidenceMethod`` too).
* Names and Descriptions (§4.6 / -): ``name`` and ``description`` of the credential and of
  the issuer are strings or language value objects (§11.1: a string ``@value``, and no keys
  but ``@value``, ``@language``, ``@direction``), or lists of them.
* Issuer (§4.7 / §4.5): required; a URL, or an object whose ``id`` is a URL.
* Credential Subject (§4.8 / §4.4): required; one or more objects, none empty (an empty
  object makes no claim).
* Validity Period (§4.9 / §4.6, §4.8): ``validFrom`` / ``validUntil`` are XML Schema
  ``dateTimeStamp`` strings (time zone offset required), ``validFrom`` not after
  ``validUntil``. VC 1.1: ``issuanceDate`` required; it and ``expirationDate`` are XML
  Schema ``dateTime`` strings.
* Status (§4.10 / §4.9), Data Schemas (§4.11 / §5.4), Refreshing (§5.4 / §5.5), Terms of
  Use (§5.5 / §5.6), Evidence (§5.6 / §5.7): objects with a ``type``; a schema also has a
  URL ``id``; VC 1.1 status entries and refresh services also have an ``id``.
* Integrity of Related Resources (§5.3 / -): objects, each with a URL ``id`` unique among
  them and a ``digestSRI`` or ``digestMultibase``.
* JSON-LD (§4.3, and appendix "Base Context": an error during JSON-LD expansion "MUST result
  in a verification failure" / 1.1 §5.3.1): the document without its proofs expands
  offline with no protected term redefined, no undefined term, and every id, type and
  property an absolute IRI. Proofs are left to the ``proof`` check: their terms come from
  the proof suite, not from the credential's data model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeGuard

import msgspec

from ingest._credential import parse_datetime
from ingest._errors import CredentialFormatError, UnknownContextError
from ingest._jsonld import ABSOLUTE_IRI, VC_V1_CONTEXT, VC_V2_CONTEXT, ContextLoader, expand_safely

Version = Literal["2.0", "1.1"]

_SECTIONS: Final[Mapping[str, tuple[str, str | None]]] = {
    "contexts": ("§4.3 Contexts", "§4.1 Contexts"),
    "identifiers": ("§4.4 Identifiers", "§4.2 Identifiers"),
    "types": ("§4.5 Types", "§4.3 Types"),
    "names": ("§4.6 Names and Descriptions", None),
    "issuer": ("§4.7 Issuer", "§4.5 Issuer"),
    "subject": ("§4.8 Credential Subject", "§4.4 Credential Subject"),
    "validity": ("§4.9 Validity Period", "§4.6 Issuance Date"),
    "expiration": ("§4.9 Validity Period", "§4.8 Expiration"),
    "status": ("§4.10 Status", "§4.9 Status"),
    "schemas": ("§4.11 Data Schemas", "§5.4 Data Schemas"),
    "securing": ("§4.12 Securing Mechanisms", "§4.7 Proofs (Signatures)"),
    "related": ("§5.3 Integrity of Related Resources", None),
    "refresh": ("§5.4 Refreshing", "§5.5 Refreshing"),
    "terms": ("§5.5 Terms of Use", "§5.6 Terms of Use"),
    "evidence": ("§5.6 Evidence", "§5.7 Evidence"),
    "reserved": ("§5.10 Reserved Extension Points", None),
    "language": ("§11.1 Language and Base Direction", None),
    "undefined": ("§5.2.1 Semantic Interoperability", "§5.3.1 Semantic Interoperability"),
    "jsonld": (
        "§4.3 Contexts and Base Context (JSON-LD processing)",
        "§5.3.1 Semantic Interoperability",
    ),
}
"""Rule topic -> (VCDM 2.0 section, VCDM 1.1 section or None where 1.1 has no such rule)."""

_VC_TYPES: Final = frozenset(
    {"VerifiableCredential", "https://www.w3.org/2018/credentials#VerifiableCredential"}
)

# XML Schema 1.1 dateTimeStamp, as VCDM 2.0 §5.8 reproduces it; dateTime (VC 1.1) is the
# same with the time zone optional.
_DATE_TIME: Final = (
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|(24:00:00(\.0+)?))"
)
_ZONE: Final = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_DATE_TIME_STAMP: Final = re.compile(_DATE_TIME + _ZONE)
_XSD_DATE_TIME: Final = re.compile(_DATE_TIME + _ZONE + "?")

# Subresource Integrity metadata (VCDM 2.0 §13.3.1 sriString): alg-base64, space separated.
_SRI: Final = re.compile(r"(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}(\s+\S+)*")
# A multibase string: a base prefix character then the encoded digest.
_MULTIBASE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9+/=_-]+")

_LANGUAGE_KEYS: Final = frozenset({"@value", "@language", "@direction"})
_DIRECTIONS: Final = frozenset({"ltr", "rtl"})
_MAX_SHOWN: Final = 60


def _shown(value: Any) -> str:
    """A value as JSON, shortened, for a problem message."""
    try:
        text = msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def is_url(value: Any) -> TypeGuard[str]:
    """Whether ``value`` is a single absolute URL string (a scheme, no whitespace)."""
    return isinstance(value, str) and ABSOLUTE_IRI.fullmatch(value) is not None


def version_of(document: Mapping[str, Any]) -> Version:
    """``"1.1"`` when the first ``@context`` item is the VC 1.1 context, else ``"2.0"``."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return "1.1" if first == VC_V1_CONTEXT else "2.0"


@dataclass(slots=True)
class _Findings:
    """Problems found so far, each labelled with its rule for the document's version."""

    version: Version
    problems: list[str] = field(default_factory=list)

    @property
    def v2(self) -> bool:
        return self.version == "2.0"

    def add(self, topic: str, message: str) -> None:
        v2_section, v1_section = _SECTIONS[topic]
        section = v2_section if self.v2 else v1_section
        if section is not None:
            self.problems.append(f"VCDM {self.version} {section}: {message}")


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_contexts(document: Mapping[str, Any], found: _Findings) -> None:
    if "@context" not in document:
        found.add("contexts", "a credential MUST include a @context property")
        return
    base = VC_V2_CONTEXT if found.v2 else VC_V1_CONTEXT
    context = _items(document["@context"])
    if not context or context[0] != base:
        first = context[0] if context else None
        found.add("contexts", f"the first @context item MUST be {base!r}, got {_shown(first)}")
    for position, item in enumerate(context[1:], start=2):
        if not (is_url(item) or isinstance(item, dict)):
            found.add(
                "contexts",
                f"@context item {position} MUST be a URL or an object, got {_shown(item)}",
            )


def _check_id(container: Mapping[str, Any], path: str, found: _Findings) -> None:
    if "id" in container and not is_url(container["id"]):
        found.add("identifiers", f"{path}id MUST be a single URL, got {_shown(container['id'])}")


def _check_type_value(value: Any, path: str, topic: str, found: _Findings) -> list[str] | None:
    """The type strings, or None (and a problem) when ``value`` is missing or malformed."""
    types = _items(value)
    if value is None or not types:
        found.add(topic, f"{path}type MUST be present")
        return None
    if not all(isinstance(item, str) and item and not item.isspace() for item in types):
        found.add(
            topic, f"{path}type MUST be one or more terms or absolute URLs, got {_shown(value)}"
        )
        return None
    return types


def _check_credential_type(document: Mapping[str, Any], found: _Findings) -> None:
    types = _check_type_value(document.get("type"), "", "types", found)
    if types is not None and not _VC_TYPES.intersection(types):
        found.add("types", f"type MUST include 'VerifiableCredential', got {_shown(types)}")


def _check_language_text(value: Any, path: str, found: _Findings) -> None:
    for item in _items(value):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict):
            found.add(
                "names",
                f"{path} MUST be a string or a language value object, got {_shown(item)}",
            )
            continue
        extra = sorted(set(item) - _LANGUAGE_KEYS)
        if extra:
            found.add(
                "language",
                f"a language value object ({path}) MUST NOT include keys beyond @value, "
                f"@language and @direction, got {', '.join(extra)}",
            )
        if not isinstance(item.get("@value"), str):
            found.add(
                "language",
                f"a language value object ({path}) MUST contain a string @value, "
                f"got {_shown(item.get('@value'))}",
            )
        if "@language" in item and not isinstance(item["@language"], str):
            found.add("language", f"{path}.@language must be a language tag string")
        if "@direction" in item and item["@direction"] not in _DIRECTIONS:
            found.add(
                "language",
                f"{path}.@direction must be 'ltr' or 'rtl', got {_shown(item['@direction'])}",
            )


def _check_names(container: Mapping[str, Any], path: str, found: _Findings) -> None:
    if not found.v2:
        return
    for key in ("name", "description"):
        if key in container:
            _check_language_text(container[key], f"{path}{key}", found)


def _check_issuer(document: Mapping[str, Any], found: _Findings) -> None:
    if "issuer" not in document:
        found.add("issuer", "a verifiable credential MUST have an issuer property")
        return
    issuer = document["issuer"]
    if isinstance(issuer, dict):
        if not is_url(issuer.get("id")):
            found.add(
                "issuer",
                f"an issuer object MUST have an id that is a URL, got {_shown(issuer.get('id'))}",
            )
        _check_names(issuer, "issuer.", found)
    elif not is_url(issuer):
        found.add(
            "issuer",
            f"issuer MUST be a URL or an object with a URL id, got {_shown(issuer)}",
        )


def _check_subjects(document: Mapping[str, Any], found: _Findings) -> None:
    if "credentialSubject" not in document:
        found.add("subject", "a verifiable credential MUST contain a credentialSubject property")
        return
    subjects = _items(document["credentialSubject"])
    if not subjects:
        found.add("subject", "credentialSubject MUST hold one or more subjects")
    many = len(subjects) > 1
    for index, subject in enumerate(subjects):
        path = f"credentialSubject[{index}]" if many else "credentialSubject"
        if not isinstance(subject, dict):
            found.add("subject", f"{path} MUST be an object, got {_shown(subject)}")
        elif not subject:
            found.add("subject", f"{path} is empty: each subject MUST be the subject of a claim")
        else:
            _check_id(subject, f"{path}.", found)
            if found.v2 and "confidenceMethod" in subject:
                _check_typed(
                    subject["confidenceMethod"], f"{path}.confidenceMethod", "reserved", found
                )


def _check_date(document: Mapping[str, Any], key: str, topic: str, found: _Findings) -> Any:
    """The parsed date at ``key`` (None when absent or invalid, after adding a problem)."""
    if key not in document:
        return None
    value = document[key]
    pattern, kind = (
        (_DATE_TIME_STAMP, "an XML Schema dateTimeStamp (with a time zone offset)")
        if found.v2
        else (_XSD_DATE_TIME, "an XML Schema dateTime")
    )
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        found.add(topic, f"{key} MUST be {kind} string, got {_shown(value)}")
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        found.add(topic, f"{key} {value!r} is not a valid point in time")
        return None


def _check_validity(document: Mapping[str, Any], found: _Findings) -> None:
    if not found.v2:
        if "issuanceDate" not in document:
            found.add("validity", "a credential MUST have an issuanceDate property")
        _check_date(document, "issuanceDate", "validity", found)
        _check_date(document, "expirationDate", "expiration", found)
        return
    start = _check_date(document, "validFrom", "validity", found)
    end = _check_date(document, "validUntil", "validity", found)
    if start is not None and end is not None and start > end:
        found.add(
            "validity",
            f"validFrom ({document['validFrom']}) MUST NOT be later than validUntil "
            f"({document['validUntil']})",
        )


def _check_typed(
    value: Any,
    path: str,
    topic: str,
    found: _Findings,
    *,
    id_required: bool = False,
) -> list[dict[str, Any]]:
    """Check each entry of a "one or more typed objects" property; return the objects."""
    entries = _items(value)
    if not entries:
        found.add(topic, f"{path} MUST hold one or more objects")
    many = len(entries) > 1
    objects = []
    for index, entry in enumerate(entries):
        where = f"{path}[{index}]" if many else path
        if not isinstance(entry, dict):
            found.add(topic, f"{where} MUST be an object with a type, got {_shown(entry)}")
            continue
        objects.append(entry)
        _check_type_value(entry.get("type"), f"{where}.", topic, found)
        if id_required and "id" not in entry:
            found.add(topic, f"{where}.id MUST be present")
        _check_id(entry, f"{where}.", found)
    return objects


def _check_related_resources(value: Any, found: _Findings) -> None:
    entries = _items(value)
    if not entries:
        found.add("related", "relatedResource MUST hold one or more objects")
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"relatedResource[{index}]"
        if not isinstance(entry, dict):
            found.add("related", f"{where} MUST be an object, got {_shown(entry)}")
            continue
        resource = entry.get("id")
        if not is_url(resource):
            found.add(
                "related", f"{where}.id is REQUIRED and MUST be a URL, got {_shown(resource)}"
            )
        elif resource in seen:
            found.add("related", f"{where}.id {resource!r} MUST be unique among related resources")
        else:
            seen.add(resource)
        sri, multibase = entry.get("digestSRI"), entry.get("digestMultibase")
        if sri is None and multibase is None:
            found.add("related", f"{where} MUST contain a digestSRI or a digestMultibase value")
        if sri is not None and not (isinstance(sri, str) and _SRI.fullmatch(sri)):
            found.add("related", f"{where}.digestSRI must be SRI metadata, got {_shown(sri)}")
        if multibase is not None and not (
            isinstance(multibase, str) and _MULTIBASE.fullmatch(multibase)
        ):
            found.add(
                "related",
                f"{where}.digestMultibase must be a multibase string, got {_shown(multibase)}",
            )


def _check_extensions(document: Mapping[str, Any], found: _Findings) -> None:
    """Status, schemas, evidence, terms of use, refresh services and reserved points."""
    properties: tuple[tuple[str, str, bool], ...] = (
        ("credentialStatus", "status", not found.v2),
        ("credentialSchema", "schemas", True),
        ("evidence", "evidence", False),
        ("termsOfUse", "terms", False),
        ("refreshService", "refresh", not found.v2),
    )
    for key, topic, id_required in properties:
        if key in document:
            _check_typed(document[key], key, topic, found, id_required=id_required)
    if found.v2:
        for key in ("renderMethod", "confidenceMethod"):
            if key in document:
                _check_typed(document[key], key, "reserved", found)
        if "relatedResource" in document:
            _check_related_resources(document["relatedResource"], found)


def _check_proofs(document: Mapping[str, Any], found: _Findings) -> None:
    proofs = _items(document.get("proof", []))
    many = len(proofs) > 1
    for index, proof in enumerate(proofs):
        where = f"proof[{index}]" if many else "proof"
        if not isinstance(proof, dict):
            found.add("securing", f"{where} MUST be an object, got {_shown(proof)}")
        else:
            _check_type_value(proof.get("type"), f"{where}.", "securing", found)


def structural_problems(document: Mapping[str, Any]) -> list[str]:
    """The data-model rules that need no JSON-LD processing (a plain JSON check).

    Args:
        document: The credential as decoded JSON (for a VC-JWT, its payload).

    Returns:
        One message per broken rule, each starting with the rule it breaks; empty when
        the document conforms.
    """
    found = _Findings(version_of(document))
    _check_contexts(document, found)
    _check_id(document, "", found)
    _check_credential_type(document, found)
    _check_names(document, "", found)
    _check_issuer(document, found)
    _check_subjects(document, found)
    _check_validity(document, found)
    _check_extensions(document, found)
    _check_proofs(document, found)
    return found.problems


@dataclass(frozen=True, slots=True)
class DataModelResult:
    """What `check_data_model` found.

    Attributes:
        version: The VCDM version whose rules applied (``"2.0"`` or ``"1.1"``).
        problems: Each broken rule, named (empty when the document conforms).
        unchecked: Why the JSON-LD rules could not be checked (an unbundled context),
            or ``""``.
    """

    version: Version
    problems: tuple[str, ...]
    unchecked: str = ""


def check_data_model(document: Mapping[str, Any], loader: ContextLoader) -> DataModelResult:
    """Check a credential against the VC Data Model rules (see the module docstring).

    Args:
        document: The credential as decoded JSON (for a VC-JWT, its payload); not modified.
        loader: The contexts the JSON-LD expansion may use (offline).

    Returns:
        The problems, or why the JSON-LD rules were left unchecked.
    """
    version = version_of(document)
    problems = structural_problems(document)
    if "@context" not in document:  # nothing to expand against: the Contexts rule says so
        return DataModelResult(version=version, problems=tuple(problems))
    found = _Findings(version)
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    try:
        expand_safely(unsecured, loader)
    except UnknownContextError as error:
        return DataModelResult(
            version=version,
            problems=tuple(problems),
            unchecked=f"JSON-LD rules not checked: context {error.url!r} is not bundled",
        )
    except CredentialFormatError as error:
        if error.code == "undefined-term":
            found.add("undefined", f"every term MUST be defined by a @context ({error.message})")
        else:
            found.add("jsonld", error.message)
    return DataModelResult(version=version, problems=(*problems, *found.problems))
