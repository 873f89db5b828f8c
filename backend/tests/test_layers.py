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


REPO = BACKEND.parent


def _layout() -> list[Path]:
    """Every path the README's "Layout" names, relative to the repository.

    The layout is an indented tree: a line names one or more paths (before a gap of
    two spaces or more), then describes them; a line indented as far as the previous
    line's description continues it. A line naming one directory opens it for the
    lines indented below it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout\n", 1)[1].lstrip("\n")
    lines = []
    for line in block.splitlines():
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line[4:])
    named: list[Path] = []
    parents: list[tuple[int, Path]] = []  # (indent, directory)
    description_at = 10**6
    for line in lines:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent >= description_at:
            continue  # the previous line's description goes on
        names, gap, description = line.strip().partition("  ")
        description_at = (
            indent + len(names) + len(gap) + len(description) - len(description.lstrip())
            if gap
            else 10**6
        )
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parent = parents[-1][1] if parents else Path()
        tokens = names.split()
        for token in tokens:
            named.append(parent / token)
        if len(tokens) == 1 and tokens[0].endswith("/"):
            parents.append((indent, parent / tokens[0]))
    return named


def test_the_readme_layout_matches_the_tree() -> None:
    named = _layout()
    assert named, "the README has no Layout section"
    missing = [str(p) for p in named if not (REPO / p).exists()]
    assert missing == [], f"the README's layout names what does not exist: {missing}"
    app = BACKEND / "app"
    packages = {p.parent.relative_to(REPO) for p in app.rglob("__init__.py") if p.parent != app}
    modules = {p.relative_to(REPO) for p in app.glob("*.py") if p.name != "__init__.py"}
    unnamed = sorted(str(p) for p in (packages | modules) - set(named))
    assert unnamed == [], f"the README's layout does not name: {unnamed}"
