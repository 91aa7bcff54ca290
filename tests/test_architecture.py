"""The layout rules of ARCHITECTURE.md, checked on the source tree.

* A feature's repository (``service/<feature>/*repository.py``) is imported only from inside
  that feature and its tests: other features, the core, the benchmarks and other tests go
  through its ``service.py``.
* The filter value object and the candidate index do no I/O of their own.
* Module-level imports between the project's modules form no cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("service", "embeddings", "ingest", "taxonomy", "benchmarks")
FEATURES = sorted(p.parent.name for p in (ROOT / "service").glob("*/controllers.py"))
REPOSITORIES = sorted(
    _name
    for feature in FEATURES
    for path in (ROOT / "service" / feature).glob("*repository.py")
    for _name in [f"service.{feature}.{path.stem}"]
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_features_are_the_ones_the_architecture_names() -> None:
    assert FEATURES == [
        "audit",
        "candidates",
        "credentials",
        "gap",
        "keys",
        "matching",
        "search",
        "taxonomy",
        "trust",
    ]


@pytest.mark.parametrize("repository", REPOSITORIES)
def test_a_feature_repository_is_imported_only_from_its_feature(repository: str) -> None:
    feature = repository.split(".")[1]
    # A feature's own tests (tests/service/<feature>/) may read its tables directly.
    tests = {
        _module_name(path): path
        for path in (ROOT / "tests").rglob("*.py")
        if not path.is_relative_to(ROOT / "tests" / "service" / feature)
    }
    intruders = sorted(
        name
        for name, path in {**_sources(), **tests}.items()
        if not name.startswith(f"service.{feature}.")
        and repository in _imports(path, top_level_only=False)
    )
    assert intruders == [], f"{repository} imported from outside its feature"


def test_module_level_imports_form_no_cycle() -> None:
    sources = _sources()
    graph = {
        name: {m for m in _imports(path, top_level_only=True) if m in sources and m != name}
        for name, path in sources.items()
    }
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    assert cycles == []


@pytest.mark.parametrize("module", ["service.matching.index", "service.matching.filters"])
def test_value_objects_and_the_index_do_no_io_of_their_own(module: str) -> None:
    imported = _imports(_sources()[module], top_level_only=False)
    io = sorted(
        name
        for name in imported
        if name.startswith("sqlalchemy")
        or name.endswith(".repository")
        or name.startswith("service.db.registry")
        or name.startswith("service.db.engine")
    )
    assert io == [], f"{module} reads the database itself"


def test_the_architecture_map_matches_the_tree() -> None:
    document = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for feature in FEATURES:
        assert f"`{feature}/`" in document, f"service/{feature}/ is not on the map"
    files = {path.name for path in ROOT.rglob("*.py") if ".venv" not in path.parts}
    named = set(re.findall(r"`(?:[\w/]+/)?(\w+\.py)`", document))
    assert named, "the map names no file"
    assert sorted(named - files) == [], "the map names files that are not in the tree"
    packages = {p.parent.name for p in (ROOT / "service").glob("*/*.py")}
    assert sorted(packages - set(FEATURES)) == ["api", "db", "web"]  # the core's rooms
