"""Bundled JSON-LD contexts, the offline loader and the safe canonicalization."""

from __future__ import annotations

import importlib.resources
from typing import Any

import pytest
from pyld import jsonld

from ingest import (
    BUNDLED_CONTEXTS,
    ContextLoader,
    CredentialFormatError,
    UnknownContextError,
    canonicalize,
)
from ingest._jsonld import context_urls

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def test_every_bundled_file_exists_and_is_listed_in_contexts_md() -> None:
    folder = importlib.resources.files("ingest") / "contexts"
    table = (folder / "CONTEXTS.md").read_text(encoding="utf-8")
    files = {entry.name for entry in folder.iterdir() if entry.name.endswith(".json")}

    assert files == set(BUNDLED_CONTEXTS.values())
    for url, name in BUNDLED_CONTEXTS.items():
        assert f"| `{url}` | {name} |" in table


@pytest.mark.parametrize("url", sorted(BUNDLED_CONTEXTS))
def test_every_bundled_context_is_processed_by_pyld(url: str) -> None:
    loader = ContextLoader()
    if url == "https://www.w3.org/2018/credentials/examples/v1":
        # It imports the ODRL context, which is not bundled (see CONTEXTS.md).
        with pytest.raises(UnknownContextError, match="odrl"):
            _expand(url, loader)
        return

    assert _expand(url, loader) == []  # an empty node expands to nothing, without errors


def _expand(url: str, loader: ContextLoader) -> Any:
    options = {"documentLoader": loader, "contextResolver": loader.resolver()}
    try:
        return jsonld.expand({"@context": url}, options)
    except jsonld.JsonLdError as error:
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, UnknownContextError):
            cause = cause.__cause__
        if cause is not None:
            raise cause from None
        raise


def test_bundled_contexts_reference_only_bundled_contexts() -> None:
    loader = ContextLoader()
    referenced = {
        reference for url in BUNDLED_CONTEXTS for reference in context_urls(loader.document(url))
    }

    assert referenced - set(BUNDLED_CONTEXTS) == {"https://www.w3.org/ns/odrl.jsonld"}


def test_unknown_url_raises_naming_it() -> None:
    loader = ContextLoader()

    with pytest.raises(UnknownContextError) as raised:
        loader("https://schema.org/", {})

    assert raised.value.url == "https://schema.org/"
    assert "never fetched" in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/v2/",
        "https://WWW.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/v2#x",
    ],
)
def test_only_exact_urls_resolve(url: str) -> None:
    assert url not in ContextLoader()


def test_extra_contexts_resolve_but_cannot_shadow_bundled_ones() -> None:
    extra = {"@context": {"skill": "https://example.org/vocab#skill"}}
    loader = ContextLoader(extra={"https://example.org/ctx.json": extra})

    assert "https://example.org/ctx.json" in loader
    assert "https://example.org/ctx.json" not in ContextLoader()
    with pytest.raises(ValueError, match="shadow"):
        ContextLoader(extra={VC_V2: extra})
    with pytest.raises(ValueError, match="@context"):
        ContextLoader(extra={"https://example.org/x.json": {"skill": "x"}})


class _CountingLoader(ContextLoader):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        self.calls.append(url)
        return super().__call__(url, options)


def test_each_context_is_loaded_once_per_loader(signed_badge: dict[str, Any]) -> None:
    loader = _CountingLoader()
    document = {key: value for key, value in signed_badge.items() if key != "proof"}

    first = canonicalize(document, loader)
    second = canonicalize(document, loader)

    assert first == second
    assert sorted(loader.calls) == sorted(set(signed_badge["@context"]))


def _credential(**fields: Any) -> dict[str, Any]:
    document = {
        "@context": [VC_V2],
        "type": ["VerifiableCredential"],
        "issuer": "https://issuer.example/",
        "credentialSubject": {"id": "did:example:1"},
    }
    document.update(fields)
    return document


@pytest.mark.parametrize(
    ("fields", "reference"),
    [
        ({"id": "credentials/1"}, "credentials/1"),
        ({"id": "//evil.example/x"}, "evil.example/x"),
        ({"credentialSubject": {"id": "../me"}}, "me"),
        ({"type": ["VerifiableCredential", "Local/Type"]}, None),
    ],
)
def test_relative_iris_are_refused(fields: dict[str, Any], reference: str | None) -> None:
    with pytest.raises(CredentialFormatError) as raised:
        canonicalize(_credential(**fields), ContextLoader())

    assert raised.value.code in {"invalid-jsonld", "undefined-term"}
    if reference is not None:
        assert reference in raised.value.message


def test_undefined_terms_are_refused_not_dropped() -> None:
    document = _credential(credentialSubject={"id": "did:example:1", "favouriteColour": "blue"})

    with pytest.raises(CredentialFormatError) as raised:
        canonicalize(document, ContextLoader())

    assert raised.value.code == "undefined-term"
    assert "favouriteColour" in raised.value.message


def test_undefined_terms_context_makes_such_terms_signed() -> None:
    document = _credential(credentialSubject={"id": "did:example:1", "favouriteColour": "blue"})
    document["@context"] = [VC_V2, "https://www.w3.org/ns/credentials/undefined-terms/v2"]

    nquads = canonicalize(document, ContextLoader())

    assert "https://www.w3.org/ns/credentials/undefined-term#favouriteColour" in nquads


def test_invalid_json_ld_is_a_format_error() -> None:
    with pytest.raises(CredentialFormatError) as raised:
        canonicalize(_credential(id=42), ContextLoader())

    assert raised.value.code == "invalid-jsonld"


def test_unknown_context_during_canonicalization_raises_unknown_context() -> None:
    with pytest.raises(UnknownContextError) as raised:
        canonicalize(_credential(**{"@context": [VC_V2, "https://x.example/c"]}), ContextLoader())

    assert raised.value.url == "https://x.example/c"


def test_processed_context_cache_evicts_least_recently_used() -> None:
    from ingest._jsonld import _LockedLRU

    cache = _LockedLRU(maxsize=2)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache["c"] = 3

    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
