"""The error tree of service/errors.py is the whole tree, and is drawn as it is."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from service import errors

SERVICE = Path(errors.__file__).resolve().parent


def _classes() -> dict[str, type[BaseException]]:
    return {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == errors.__name__
    }


def test_all_names_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(errors).items()
        if not name.startswith("_")
        and getattr(value, "__module__", errors.__name__) == errors.__name__
        and not inspect.ismodule(value)
        and name not in {"annotations", "Any", "ClassVar", "Mapping"}
    }
    assert sorted(errors.__all__) == sorted(public)


def test_no_exception_class_is_defined_outside_the_errors_module() -> None:
    outside = []
    for path in SERVICE.rglob("*.py"):
        if (path.name == "errors.py" and path.parent == SERVICE) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                re.search(r"(Error|Exception)$", ast.unparse(base)) for base in node.bases
            ):
                outside.append(f"{path.relative_to(SERVICE)}:{node.name}")
    assert outside == []


def _drawn_parents() -> dict[str, str | None]:
    """Each class of the drawing with the class drawn above it at a smaller indent."""
    drawing = (errors.__doc__ or "").split("Exceptions::", 1)[1]
    parents: dict[str, str | None] = {}
    ancestry: list[tuple[int, str]] = []
    for line in drawing.splitlines():
        found = re.search(r"[A-Z]\w*(Error|Exception)\b", line)
        if found is None or not re.fullmatch(r"[\s│├└─]*", line[: found.start()]):
            continue
        column, name = found.start(), found.group(0)
        while ancestry and ancestry[-1][0] >= column:
            ancestry.pop()
        parents[name] = ancestry[-1][1] if ancestry else None
        ancestry.append((column, name))
    return parents


def test_the_docstring_draws_every_class_under_its_parent() -> None:
    drawn = _drawn_parents()
    assert set(drawn) == set(_classes())
    for name, cls in _classes().items():
        parent = cls.__mro__[1]
        expected = parent.__name__ if parent.__module__ == errors.__name__ else None
        assert drawn[name] == expected, f"{name} is drawn under {drawn[name]}, not {expected}"


def test_every_http_error_has_its_own_problem_type_or_shares_its_parents() -> None:
    http = {n: c for n, c in _classes().items() if issubclass(c, errors.CredmatchError)}
    for name, cls in http.items():
        assert 400 <= cls.status < 600, name
        assert re.fullmatch(r"[a-z][a-z-]*", cls.problem), name
        assert cls.problem in (errors.__doc__ or ""), f"{name}'s problem type is not drawn"
