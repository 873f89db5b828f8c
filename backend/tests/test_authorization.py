"""The authorization matrix, generated from the app's own route table.

Every route and verb the app serves (HTTP and WebSocket) is tried with seven
credentials against one owner's campaign, and must answer what its access class says
(:data:`ACCESS`); a route missing from :data:`ACCESS` fails the first test, so a new
route cannot ship outside the matrix. The credentials:

- none; the owner's own claims ``expired``, signed with the ``bad_signature`` of another
  key, or ``alg_none`` (unsigned): all 401 (the WebSocket refused, not one message);
- a ``stranger`` (a signed-in user of no campaign of the owner's), a ``removed`` co-DM
  (added, then removed): the owner's things do not exist for them, 404, never 403;
- a ``co_dm``: full edit (2xx), except what only the owner may do (403).

Routes that end sessions or the account itself (``OWN_ACCOUNT``) are tried here only
with the forged credentials (401): with a real one they would sign out the shared
identities. Their own tests are in test_account_lifecycle.py.

Every response to anyone but the co-DM is searched for the owner's data (names, email,
ids not in the request's own URL): nothing may appear.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount, WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import TEST_SECRET, register
from tests.realtime.conftest import live  # noqa: F401  (the WebSocket server fixture)
from tests.statblocks.test_importers import GOBLIN_5E

Json = dict[str, Any]

PUBLIC = "public"  # the same answer whoever asks (a player-view token is its own key)
SIGNED_IN = "signed-in"  # any account; it sees only its own things
MEMBER = "member"  # the campaign's DMs: owner and co-DMs
OWNER = "owner"  # the campaign's owner only: a co-DM gets 403
AUTHOR = "author"  # a homebrew stat block: its author only (404 to everyone else)
INVITEE = "invitee"  # an invitation: only the account with its email (404 to everyone else)
SCRAPER = "scraper"  # the metrics scrape token only: no user's token opens it (401)
OWN_ACCOUNT = "own-account"  # ends the caller's sessions or account (see above)

ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/play/{token}"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/metrics"): SCRAPER,
    ("POST", "/api/auth/register"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/dice/roll"): PUBLIC,
    ("GET", "/api/public/encounters/{token}"): PUBLIC,
    ("WS", "/api/public/encounters/{token}/ws"): PUBLIC,
    ("GET", "/api/auth/me"): SIGNED_IN,
    ("GET", "/api/auth/me/settings"): SIGNED_IN,
    ("PUT", "/api/auth/me/settings"): SIGNED_IN,
    ("GET", "/api/auth/me/export"): SIGNED_IN,
    ("POST", "/api/auth/me/password"): SIGNED_IN,
    ("POST", "/api/auth/me/sign-out-everywhere"): OWN_ACCOUNT,
    ("DELETE", "/api/auth/me"): OWN_ACCOUNT,
    ("GET", "/api/invitations"): SIGNED_IN,
    ("POST", "/api/invitations/{invitation_id}/accept"): INVITEE,
    ("POST", "/api/invitations/{invitation_id}/decline"): INVITEE,
    ("GET", "/api/campaigns/{campaign_id}/invitations"): OWNER,
    ("DELETE", "/api/campaigns/{campaign_id}/invitations/{invitation_id}"): OWNER,
    ("GET", "/api/campaigns/{campaign_id}/statblocks"): MEMBER,
    ("PUT", "/api/campaigns/{campaign_id}/statblocks/{statblock_id}"): AUTHOR,
    ("DELETE", "/api/campaigns/{campaign_id}/statblocks/{statblock_id}"): AUTHOR,
    ("GET", "/api/campaigns"): SIGNED_IN,
    ("POST", "/api/campaigns"): SIGNED_IN,
    ("GET", "/api/statblocks"): SIGNED_IN,
    ("POST", "/api/statblocks"): SIGNED_IN,
    ("POST", "/api/statblocks/import"): SIGNED_IN,
    ("GET", "/api/statblocks/{statblock_id}"): AUTHOR,
    ("PATCH", "/api/statblocks/{statblock_id}"): AUTHOR,
    ("DELETE", "/api/statblocks/{statblock_id}"): AUTHOR,
    ("GET", "/api/campaigns/{campaign_id}"): MEMBER,
    ("PATCH", "/api/campaigns/{campaign_id}"): MEMBER,
    ("DELETE", "/api/campaigns/{campaign_id}"): OWNER,
    ("GET", "/api/campaigns/{campaign_id}/members"): MEMBER,
    ("POST", "/api/campaigns/{campaign_id}/members"): OWNER,
    # (the user is the co-DM: a co-DM may leave by themselves)
    ("DELETE", "/api/campaigns/{campaign_id}/members/{user_id}"): MEMBER,
    ("GET", "/api/campaigns/{campaign_id}/characters"): MEMBER,
    ("POST", "/api/campaigns/{campaign_id}/characters"): MEMBER,
    ("GET", "/api/campaigns/{campaign_id}/characters/{character_id}"): MEMBER,
    ("PATCH", "/api/campaigns/{campaign_id}/characters/{character_id}"): MEMBER,
    ("DELETE", "/api/campaigns/{campaign_id}/characters/{character_id}"): MEMBER,
    ("GET", "/api/campaigns/{campaign_id}/encounters"): MEMBER,
    ("POST", "/api/campaigns/{campaign_id}/encounters"): MEMBER,
    ("POST", "/api/campaigns/{campaign_id}/encounters/import"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}"): MEMBER,
    ("PATCH", "/api/encounters/{encounter_id}"): MEMBER,
    ("DELETE", "/api/encounters/{encounter_id}"): MEMBER,
    ("POST", "/api/encounters/{encounter_id}/duplicate"): MEMBER,
    ("POST", "/api/encounters/{encounter_id}/actions"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/events"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/summary"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/difficulty"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/export"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/combatants"): MEMBER,
    ("POST", "/api/encounters/{encounter_id}/combatants"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/combatants/{combatant_id}"): MEMBER,
    ("PATCH", "/api/encounters/{encounter_id}/combatants/{combatant_id}"): MEMBER,
    ("GET", "/api/encounters/{encounter_id}/combatants/{combatant_id}/statblock"): MEMBER,
    ("DELETE", "/api/encounters/{encounter_id}/combatants/{combatant_id}"): MEMBER,
    ("POST", "/api/encounters/{encounter_id}/share"): MEMBER,
    ("DELETE", "/api/encounters/{encounter_id}/share"): MEMBER,
    ("WS", "/api/encounters/{encounter_id}/ws"): MEMBER,
}

# A valid body for each route that takes one, so the allowed get their 2xx.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/auth/register"): lambda w: {
        "email": f"new-{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct horse battery",
    },
    ("POST", "/api/auth/login"): lambda w: {
        "email": w.stranger_email,
        "password": "correct horse battery",
    },
    ("POST", "/api/dice/roll"): lambda w: {"expression": "1d20"},
    # A wrong current password: nothing changes (the caller gets 403 wrong-password).
    ("POST", "/api/auth/me/password"): lambda w: {
        "current_password": "not the password",
        "new_password": "another long password",
    },
    ("DELETE", "/api/auth/me"): lambda w: {"password": "not the password"},
    ("POST", "/api/campaigns"): lambda w: {"name": "Another"},
    ("POST", "/api/statblocks"): lambda w: {
        "name": "Bear",
        "size": "large",
        "type": "beast",
        "ac": 11,
        "hp": 34,
    },
    ("POST", "/api/statblocks/import"): lambda w: GOBLIN_5E,
    ("PATCH", "/api/statblocks/{statblock_id}"): lambda w: {"ac": 14},
    ("PATCH", "/api/campaigns/{campaign_id}"): lambda w: {"name": "Renamed"},
    ("PUT", "/api/auth/me/settings"): lambda w: {"monster_hp": "rolled"},
    ("PATCH", "/api/encounters/{encounter_id}"): lambda w: {"name": "Renamed fight"},
    ("POST", "/api/campaigns/{campaign_id}/members"): lambda w: {"email": w.stranger_email},
    ("POST", "/api/campaigns/{campaign_id}/characters"): lambda w: {"name": "Brom"},
    ("PATCH", "/api/campaigns/{campaign_id}/characters/{character_id}"): lambda w: {"level": 4},
    ("POST", "/api/campaigns/{campaign_id}/encounters"): lambda w: {"name": "Second"},
    ("POST", "/api/campaigns/{campaign_id}/encounters/import"): lambda w: w.export,
    ("POST", "/api/encounters/{encounter_id}/actions"): lambda w: {
        "type": "damage",
        "targets": [w.ids["combatant_id"]],
        "amount": 1,
    },
    ("POST", "/api/encounters/{encounter_id}/combatants"): lambda w: {"name": "Orc", "max_hp": 15},
    ("PATCH", "/api/encounters/{encounter_id}/combatants/{combatant_id}"): lambda w: {
        "notes": "ambusher"
    },
}

# Where an allowed caller's answer is not a 2xx in the world below: authorized, and
# told something about the game instead.
ALLOWED_OTHERWISE: dict[tuple[str, str], set[int]] = {
    ("GET", "/api/encounters/{encounter_id}/summary"): {409},  # only once combat has ended
    ("POST", "/api/auth/me/password"): {403},  # the wrong current password, on purpose
}

IDENTITIES = ("none", "expired", "bad_signature", "alg_none", "stranger", "removed", "co_dm")
FORGED = ("none", "expired", "bad_signature", "alg_none")


def _routes() -> list[tuple[str, str]]:
    from app.main import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings("sqlite://"))
    out = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            continue  # /static: files, no data
        path = context.path
        assert path is not None
        if isinstance(route, WebSocketRoute) or not getattr(route, "methods", None):
            out.append(("WS", path))
            continue
        out.extend((m, path) for m in sorted(route.methods) if m != "HEAD")  # type: ignore[attr-defined]
    return out


ROUTES = _routes()


def test_every_route_is_in_the_matrix() -> None:
    missing = [r for r in ROUTES if r not in ACCESS]
    assert not missing, f"routes without an access class in ACCESS: {missing}"
    gone = [r for r in ACCESS if r not in ROUTES]
    assert not gone, f"ACCESS names routes the app no longer has: {gone}"


# --- The world: one owner's campaign, and who tries it ---------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(owner_id: str) -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": owner_id, "iat": now, "exp": now + dt.timedelta(hours=1), "typ": "access"}
    expired = {**claims, "iat": now - dt.timedelta(hours=2), "exp": now - dt.timedelta(hours=1)}
    unsigned = {**claims, "iat": int(now.timestamp()), "exp": int(now.timestamp()) + 3600}
    return {
        "expired": jwt.encode(expired, TEST_SECRET, algorithm="HS256"),
        "bad_signature": jwt.encode(claims, "another-key-" + TEST_SECRET, algorithm="HS256"),
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(unsigned)}.",
    }


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    owner_id: str
    owner_email: str
    stranger_email: str
    co_dm_id: str
    ids: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    export: Json = field(default_factory=dict)


@pytest.fixture(scope="module")
async def people(app: Any) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=app, client=("10.252.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        headers = {name: await register(c) for name in ("owner", "stranger", "removed", "co_dm")}
        me = {
            name: (await c.get("/api/auth/me", headers=h)).json()["id"]
            for name, h in headers.items()
        }
    forged = forged_tokens(me["owner"])
    return {
        "headers": {
            "none": {},
            **{k: {"Authorization": f"Bearer {v}"} for k, v in forged.items()},
            **headers,
        },
        "ids": me,
    }


async def build_world(c: httpx.AsyncClient, people: dict[str, Any]) -> World:
    """A fresh campaign of the owner's, with everything in it, for one route."""
    owner = people["headers"]["owner"]
    mark = uuid.uuid4().hex[:8]

    async def post(url: str, body: Any = None, status: int = 201) -> Json:
        r = await c.post(url, json=body, headers=owner)
        assert r.status_code == status, r.text
        out: Json = r.json() if r.content else {}
        return out

    me = (await c.get("/api/auth/me", headers=owner)).json()
    names = {
        "campaign": f"Secret campaign {mark}",
        "character": f"Hidden Aria {mark}",
        "encounter": f"Secret ambush {mark}",
        "combatant": f"Lurking goblin {mark}",
        "statblock": f"Secret beast {mark}",
    }
    campaign = await post("/api/campaigns", {"name": names["campaign"], "description": mark})
    cid = campaign["id"]
    for who in ("removed", "co_dm"):
        email = (await c.get("/api/auth/me", headers=people["headers"][who])).json()["email"]
        invitation = await post(f"/api/campaigns/{cid}/members", {"email": email}, 202)
        r = await c.post(
            f"/api/invitations/{invitation['id']}/accept", headers=people["headers"][who]
        )
        assert r.status_code == 200, r.text
    # An invitation nobody here may answer (its email has no account).
    pending = await post(
        f"/api/campaigns/{cid}/members", {"email": f"invitee-{mark}@example.com"}, 202
    )
    r = await c.delete(f"/api/campaigns/{cid}/members/{people['ids']['removed']}", headers=owner)
    assert r.status_code == 204, r.text
    character = await post(f"/api/campaigns/{cid}/characters", {"name": names["character"]})
    encounter = await post(f"/api/campaigns/{cid}/encounters", {"name": names["encounter"]})
    eid = encounter["id"]
    statblock = await post(
        "/api/statblocks",
        {"name": names["statblock"], "size": "large", "type": "beast", "ac": 11, "hp": 30},
    )
    # Fielded from the owner's own homebrew, shared with the campaign so that its co-DMs
    # may see the block behind the combatant.
    r = await c.put(f"/api/campaigns/{cid}/statblocks/{statblock['id']}", headers=owner)
    assert r.status_code in (200, 201, 204), r.text
    added = await post(
        f"/api/encounters/{eid}/combatants",
        {"statblock_id": statblock["id"], "alias": names["combatant"]},
    )
    share = await post(f"/api/encounters/{eid}/share")
    export = (await c.get(f"/api/encounters/{eid}/export", headers=owner)).json()
    ids = {
        "campaign_id": cid,
        "character_id": character["id"],
        "encounter_id": eid,
        "combatant_id": added["state"]["combatants"][0]["id"],
        "statblock_id": statblock["id"],
        "user_id": people["ids"]["co_dm"],
        "token": share["token"],
        "invitation_id": pending["id"],
    }
    return World(
        headers=people["headers"],
        owner_id=me["id"],
        owner_email=me["email"],
        stranger_email=(await c.get("/api/auth/me", headers=people["headers"]["stranger"])).json()[
            "email"
        ],
        co_dm_id=people["ids"]["co_dm"],
        ids=ids,
        secrets=[*names.values(), f"notes {mark}", me["email"], me["id"]],
        export=export,
    )


def expected(access: str, identity: str, route: tuple[str, str]) -> set[int]:
    if access == PUBLIC:
        return set()  # the same as without credentials: checked apart
    if identity in FORGED or access == SCRAPER:
        return {401}
    allowed = {200, 201, 204} | ALLOWED_OTHERWISE.get(route, set())
    if access == SIGNED_IN:
        return allowed
    if identity in ("stranger", "removed"):
        return {404}
    if access in (AUTHOR, INVITEE):
        # The co-DM included: a homebrew is its author's, an invitation its invitee's.
        return {404}
    if access == OWNER:
        return {403}
    return allowed


def leaks(world: World, url: str, text: str) -> list[str]:
    """The owner's data found in ``text`` (ids that the URL itself carries excepted)."""
    secrets = [*world.secrets, *(v for k, v in world.ids.items() if k not in ("user_id", "token"))]
    return [s for s in secrets if s in text and s not in url]


# --- HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] != "WS"])
async def test_http_route(
    client: httpx.AsyncClient, people: dict[str, Any], method: str, path: str
) -> None:
    world = await build_world(client, people)
    access = ACCESS[(method, path)]
    url = path.format(**world.ids)
    body = BODIES.get((method, path))
    answers: dict[str, int] = {}
    for identity in IDENTITIES:  # the co-DM last: their DELETE may remove the thing
        if access == OWN_ACCOUNT and identity not in FORGED:
            continue
        content = body(world) if body else None
        r = await client.request(method, url, json=content, headers=world.headers[identity])
        answers[identity] = r.status_code
        want = expected(access, identity, (method, path))
        if want:
            assert r.status_code in want, (identity, r.status_code, r.text[:300])
        if r.status_code in (401, 403, 404):
            assert r.headers["content-type"].startswith("application/problem+json")
        if identity != "co_dm" and "{token}" not in path:
            assert not leaks(world, url, r.text), (identity, leaks(world, url, r.text))
    if access == PUBLIC:  # credentials change nothing
        assert len(set(answers.values())) == 1, answers


# --- WebSockets ------------------------------------------------------------------------


async def _first_messages(url: str, identity: str, world: World) -> tuple[list[Json], int | None]:
    """What the socket sends (besides pings) before it settles, and its close code."""
    header = world.headers[identity].get("Authorization", "")
    token = header.removeprefix("Bearer ")
    kwargs: dict[str, Any] = {"subprotocols": ["bearer", token]} if token else {}
    messages: list[Json] = []
    try:
        async with connect(url, open_timeout=10, **kwargs) as conn:
            if not token:
                await conn.send("{}")  # not an auth message
            try:
                while True:
                    message = json.loads(await asyncio.wait_for(conn.recv(), 2))
                    if message["type"] != "ping":
                        messages.append(message)
                        break  # the snapshot: served
            except (TimeoutError, ConnectionClosed):
                pass
            return messages, conn.close_code
    except InvalidStatus as refused:
        return messages, refused.response.status_code


@pytest.mark.parametrize("path", [p for m, p in ROUTES if m == "WS"])
async def test_websocket_route(
    client: httpx.AsyncClient,
    people: dict[str, Any],
    live: str,  # noqa: F811
    path: str,
) -> None:
    world = await build_world(client, people)
    access = ACCESS[("WS", path)]
    url = f"ws://{live}{path.format(**world.ids)}"
    for identity in IDENTITIES:
        messages, code = await _first_messages(url, identity, world)
        served = bool(messages) and messages[0]["type"] == "snapshot"
        if access == PUBLIC or identity == "co_dm":
            assert served, (identity, code, messages)
        else:
            assert not messages, (identity, messages)
            assert code in (403, 1008, 4401, 4403, 4404), (identity, code)
