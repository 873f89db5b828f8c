"""The front end's ES modules as files: no import circle, none over 400 lines.

Read from the ``import … from "…"`` (and ``export … from``) lines, no JavaScript run.
A circle makes the order modules run in depend on which one was loaded first, and
hides that two concerns (say, the campaign's data and the open encounter) lean on each
other; the console's state changes in one place, its store, which imports no other
console module.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.web.router import STATIC_DIR

JS = STATIC_DIR / "js"
# `import { a, b } from "./x.js";` (over several lines too), `export { c } from "./y.js";`,
# `import * as z from "../z.js";` and the bare `import "./side-effect.js";`.
FROM = re.compile(r'^(?:import|export)\s[^;"]*?\bfrom\s*"([^"]+)"', re.M)
BARE = re.compile(r'^import\s*"([^"]+)"', re.M)


def _modules() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def _imports(module: Path) -> list[Path]:
    """The front-end modules one module imports (the vendored libraries left out)."""
    text = module.read_text()
    targets = FROM.findall(text) + BARE.findall(text)
    found = [(module.parent / t).resolve() for t in targets if t.startswith(".")]
    return [path for path in found if path.is_relative_to(JS.resolve())]


def _graph() -> dict[Path, list[Path]]:
    return {m.resolve(): _imports(m) for m in _modules()}


def _circles(graph: dict[Path, list[Path]]) -> list[list[Path]]:
    """Each import circle once, as the path that closes it (depth-first, colours)."""
    state: dict[Path, str] = {}
    stack: list[Path] = []
    found: list[list[Path]] = []

    def visit(node: Path) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node)
    return found


def test_the_parser_sees_the_console_import_lines() -> None:
    graph = _graph()
    app = (JS / "console" / "app.js").resolve()
    names = {p.name for p in graph[app]}
    assert {"store.js", "data.js", "tracker.js", "log.js"} <= names
    # Every relative import names a module that exists.
    for module, targets in graph.items():
        for target in targets:
            assert target.is_file(), f"{module.name} imports {target.name}, which is missing"


def test_a_circle_would_be_found() -> None:
    a, b, c = Path("/a.js"), Path("/b.js"), Path("/c.js")
    assert _circles({a: [b], b: [c], c: [a]}) == [[a, b, c, a]]
    assert _circles({a: [b, c], b: [c], c: []}) == []


def test_no_module_imports_itself_back() -> None:
    circles = _circles(_graph())
    shown = [" -> ".join(p.relative_to(JS.resolve()).as_posix() for p in c) for c in circles]
    assert not shown, "import circles: " + "; ".join(shown)


def test_the_store_imports_no_other_console_module() -> None:
    store = (JS / "console" / "store.js").resolve()
    assert [p.name for p in _graph()[store]] == ["lib.js"]


def test_no_module_is_over_400_lines() -> None:
    for script in _modules():
        lines = len(script.read_text().splitlines())
        assert lines <= 400, f"{script.relative_to(STATIC_DIR)}: {lines} lines"
