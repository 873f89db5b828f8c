"""The backend's layering, checked on its import graph (docs/architecture.md):
the import-linter contracts in pyproject.toml, and no circle between modules."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

BACKEND = Path(__file__).resolve().parent.parent


def test_the_import_linter_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """What breaks a contract is printed above the failure (as ``lint-imports`` does)."""
    monkeypatch.chdir(BACKEND)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == 0


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BACKEND)
    graph = grimp.build_graph("app")
    # A package imports its own modules to hand their names on: that is no circle.
    for package in [m for m in graph.modules if graph.find_children(m)]:
        for child in graph.find_children(package):
            if graph.direct_import_exists(importer=package, imported=child):
                graph.remove_import(importer=package, imported=child)
    assert _circles(graph) == []
