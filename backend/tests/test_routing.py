"""The encounters router is included first, because FastAPI tries routes in order and the
hot ones (actions, reads) should be found at once. That is safe only while no request
one of its routes answers could also be meant for a route of another router: checked
here, for every path either could be asked with (each parameter filled with every
literal segment of the API, and a plain value)."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from starlette.routing import compile_path

from app.encounters.router import router as encounters_router
from app.main import create_app
from tests.conftest import make_settings


def _instances(path: str, words: set[str]) -> list[str]:
    return [re.sub(r"\{[^}]+\}", word, path) for word in words]


def test_no_route_of_the_first_router_overlaps_another() -> None:
    app = create_app(make_settings("sqlite:///unused.db"))
    routes = [r for r in app.routes if isinstance(r, APIRoute)]
    first = {
        (r.path, frozenset(r.methods)) for r in encounters_router.routes if isinstance(r, APIRoute)
    }
    assert first, "the encounters router has no routes?"
    words = {w for r in routes for w in r.path.split("/") if w and "{" not in w} | {"x1"}
    overlaps = []
    for ours in (r for r in routes if (r.path, frozenset(r.methods)) in first):
        ours_regex = compile_path(ours.path)[0]
        for other in (r for r in routes if (r.path, frozenset(r.methods)) not in first):
            if not ours.methods & other.methods:
                continue
            other_regex = compile_path(other.path)[0]
            if any(ours_regex.match(p) for p in _instances(other.path, words)) or any(
                other_regex.match(p) for p in _instances(ours.path, words)
            ):
                overlaps.append((ours.path, other.path))
    assert overlaps == []
