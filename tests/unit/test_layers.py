"""The import structure of `wnwa`, read from the code (ast), not from a list of modules.

- No import cycle among wnwa's modules. Every import counts, also one inside a function:
  a lazy import hides a cycle, it does not remove it.
- The floor (the tenancy core `wnwa.tenants` and wnwa's single-file modules such as
  `extensions`, `crypto`, `audit`, `mail`, `signals`) imports no capability package (every
  other package under wnwa/). A lower package that must trigger something in a higher one
  sends a signal (`wnwa/signals.py`).
- Capability packages do not depend on each other in a circle, except the pairs named in
  MUTUAL (each with its reason; docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "wnwa"

# Composition roots: they assemble the app, the CLI and the demo network from every package.
# wnwa/history.py words the audit trail of every capability, so it stands above them all.
ROOTS = {"wnwa", "wnwa.cli", "wnwa.demo", "wnwa.history"}
CORE = "wnwa.tenants"

# Capability pairs that know about each other, with the reason. The module graph between them
# is still acyclic (the first test).
MUTUAL = {
    # The directory lists only certified supporters (training's certifications); the quota
    # (training) counts the supporters the directory lists.
    frozenset({"wnwa.directory", "wnwa.training"}),
    # The public site shows the next training class; training adds its menu entries to the
    # site's navigation.
    frozenset({"wnwa.site", "wnwa.training"}),
}


def _modules(root: Path = ROOT) -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def _resolve(name: str, modules: dict) -> str | None:
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in modules else None


def import_graph(root: Path = ROOT) -> dict[str, dict[str, int]]:
    """module -> {imported wnwa module: line}. `from a import b` counts as importing a.b when
    b is a module, else a; importing a package's module does not count as importing the
    package itself."""
    modules = _modules(root)
    graph: dict[str, dict[str, int]] = defaultdict(dict)
    for name, (path, is_package) in modules.items():
        here = name if is_package else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[: len(here.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.append(full if full in modules else source)
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    resolved = _resolve(target, modules)
                    if resolved and resolved != name:
                        graph[name].setdefault(resolved, node.lineno)
    for name in modules:
        graph.setdefault(name, {})
    return dict(graph)


def cycles(graph: dict[str, dict[str, int]] | dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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
                    found.append(sorted(component))
    return found


def capability_of(module: str) -> str | None:
    """The capability package a module belongs to, or None for the floor and the roots."""
    parts = module.split(".")
    if len(parts) < 2 or module in ROOTS:
        return None
    top = ".".join(parts[:2])
    if top == CORE or not _is_package(top):
        return None
    return top


def _is_package(name: str) -> bool:
    return (ROOT / Path(*name.split(".")) / "__init__.py").is_file()


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_walker_sees_the_packages(graph):
    assert {"wnwa.tenants.scoping", "wnwa.roster.provisioning", "wnwa.training.seats"} <= set(graph)
    assert "wnwa.tenants.models" in graph["wnwa.roster.provisioning"]


def test_no_import_cycle_among_modules(graph):
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_floor_imports_no_capability(graph):
    bad = []
    for module, imported in graph.items():
        if module in ROOTS or capability_of(module) is not None:
            continue
        for target, line in imported.items():
            if capability_of(target) is not None:
                where = ROOT / Path(*module.split("."))
                bad.append(f"{module} (line {line}, {where}) imports {target}")
    assert not bad, "the floor reaches up into a capability:\n" + "\n".join(bad)


def test_capabilities_do_not_depend_on_each_other_in_a_circle(graph):
    packages: dict[str, set[str]] = defaultdict(set)
    for module, imported in graph.items():
        source = capability_of(module)
        if source is None:
            continue
        packages.setdefault(source, set())
        for target in imported:
            dest = capability_of(target)
            if dest is not None and dest != source:
                if frozenset({source, dest}) in MUTUAL:
                    continue
                packages[source].add(dest)
    found = cycles(dict(packages))
    assert not found, "capability cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path):
    """The walker itself: a lazy import cycle and a core module importing a capability."""
    pkg = tmp_path / PACKAGE
    for folder in (pkg, pkg / "tenants", pkg / "roster"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
    (pkg / "tenants" / "models.py").write_text("def f():\n    from wnwa.roster import views\n")
    (pkg / "roster" / "views.py").write_text("from wnwa.tenants.models import f\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["wnwa.roster.views", "wnwa.tenants.models"]]
    assert "wnwa.roster.views" in graph["wnwa.tenants.models"]
