"""The two hot routes (an encounter read, an action) bind their own parameters
(app.encounters.router.bound_route) instead of going through FastAPI's dependency
solving. They must answer exactly as FastAPI would: each request below goes to the
bound route and to the same endpoint registered the ordinary way, and the answers
must be equal (status, problem type, detail and error locations)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.encounters.router import get_encounter, perform_action
from app.main import create_app
from tests.conftest import make_settings, register

Json = dict[str, Any]
REFERENCE = "/reference/encounters"


@pytest.fixture
async def both(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(database_url))
    # The same endpoints through FastAPI's own parameter handling (app-wide NUL check
    # included: the app's dependencies apply to every route of its router).
    app.router.add_api_route(
        REFERENCE + "/{encounter_id}", get_encounter, methods=["GET"], response_model=None
    )
    app.router.add_api_route(
        REFERENCE + "/{encounter_id}/actions",
        perform_action,
        methods=["POST"],
        response_model=None,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(f"10.9.{uuid.uuid4().int % 250}.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


def _answer(r: httpx.Response) -> tuple[Any, ...]:
    if r.status_code < 400:
        return (r.status_code,)
    problem = r.json()
    locs = [e["loc"] for e in problem.get("errors", [])]
    return r.status_code, problem["type"], problem["detail"], locs


async def test_the_bound_routes_answer_as_fastapi_does(both: httpx.AsyncClient) -> None:
    c = both
    dm = await register(c)
    token = dm["Authorization"].removeprefix("Bearer ")
    campaign = (await c.post("/api/campaigns", json={"name": "Ford"}, headers=dm)).json()
    r = await c.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Bridge"}, headers=dm
    )
    eid = r.json()["id"]
    r = await c.post(
        f"/api/encounters/{eid}/combatants", json={"name": "Ogre", "max_hp": 59}, headers=dm
    )
    ogre = r.json()["state"]["combatants"][0]["id"]

    auths: list[dict[str, str]] = [
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": f"bearer   {token}  "},
    ]
    json_type = {"Content-Type": "application/json"}
    bodies: list[tuple[bytes | None, dict[str, str]]] = [
        (None, {}),
        (b"", json_type),
        (b"not json", json_type),
        (b'{"type": "damage"', json_type),
        (b'{"type": "damage", "targets": ["x"], "amount": 1}', {}),
        (b'{"type": "damage", "targets": ["x"], "amount": 1}', {"Content-Type": "text/plain"}),
        (b'{"type": "no_such_action"}', json_type),
        (b'{"targets": []}', json_type),
        (b'{"type": "damage", "targets": [], "amount": "lots"}', json_type),
        (b'{"type": "add_condition", "targets": ["x"], "condition": "Dazed\\u0000"}', json_type),
        (b'["damage"]', {"Content-Type": "application/vnd.api+json"}),
        (b"\x89PNG\r\n\x1a\n\xff", json_type),
        (b'{"type": "damage", "targets": ["\xa9\xc2"], "amount": 1}', json_type),
        (b'{"type": "damage", "targets": ["%s"], "amount": 0}' % ogre.encode(), json_type),
    ]
    compared = 0
    for auth, (body, headers) in itertools.product(auths, bodies):
        answers = [
            _answer(
                await c.post(f"{base}/{eid}/actions", content=body, headers={**auth, **headers})
            )
            for base in ("/api/encounters", REFERENCE)
        ]
        assert answers[0] == answers[1], (auth, body, headers)
        compared += 1
    for auth, suffix in itertools.product(auths, ("", "%00", "x")):
        answers = [
            _answer(await c.get(f"{base}/{eid}{suffix}", headers=auth))
            for base in ("/api/encounters", REFERENCE)
        ]
        assert answers[0] == answers[1], (auth, suffix)
        compared += 1
    assert compared == len(auths) * (len(bodies) + 3)
    # The cases meant something: a 400, a 401, a 422 of each kind and a success.
    r = await c.post(f"/api/encounters/{eid}/actions", content=b"\xff", headers=json_type)
    assert r.status_code == 400, r.text
    r = await c.post(f"/api/encounters/{eid}/actions", content=b"not json", headers=json_type)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "0"]
    r = await c.post(
        f"/api/encounters/{eid}/actions", json={"type": "damage", "targets": [ogre]}, headers={}
    )
    assert r.status_code == 401
    r = await c.get(f"/api/encounters/{eid}", headers=dm)
    assert r.status_code == 200 and r.json()["combatants"][0]["hp"] == 59
