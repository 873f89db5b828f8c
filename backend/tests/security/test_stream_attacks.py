"""Issue 9, findings 1 and 2, replayed as an attacker would, end to end: two server
processes (2 Gunicorn workers each) on one PostgreSQL database.

Finding 1: a scripted fight with hides, aliases, reveals and a link rotation; for each
link, every ``since`` from 0 to now, on both servers, over WebSocket and HTTP: no frame
carries anything hidden when it was current, nothing from before the link existed.

Finding 2: every revocation (co-DM removed, user revoked, link rotated, encounter and
campaign deleted, the account's own sign-out everywhere and deletion) closes the sockets
it covers on both servers within :data:`DEADLINE` seconds, with 4403 or 4404, and
nothing reaches them afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from websockets.exceptions import ConnectionClosed

from app.db import create_engine
from app.realtime import revocation
from tests.api import add_co_dm
from tests.conftest import register, unique_email
from tests.realtime.helpers import Json, Stream, bearer, dm_stream
from tests.servers import gunicorn

pytestmark = pytest.mark.slow

DEADLINE = 1.0  # seconds from the revoking response to the socket's close frame
PASSWORD = "correct horse battery"  # tests.conftest.register's


@pytest.fixture
def database(migrated_pg_database: str) -> str:
    return migrated_pg_database


@pytest.fixture
def servers(database: str) -> Iterator[tuple[str, str]]:
    with gunicorn(database, workers=2) as a, gunicorn(database, workers=2) as b:
        yield a, b


def ws(base: str) -> str:
    return base.replace("http://", "ws://")


# --- finding 1 ------------------------------------------------------------------------


@dataclass
class Link:
    token: str
    api_url: str
    # seq -> the public view at that seq, and what was secret at any moment it was current
    views: dict[int, Json] = field(default_factory=dict)
    secrets: dict[int, set[str]] = field(default_factory=dict)


def secrets_of(dm_state: Json) -> set[str]:
    """What the players must not see in this DM state: a hidden combatant's id, name
    and alias; a visible monster's real name behind its alias."""
    out: set[str] = set()
    for c in dm_state["combatants"]:
        if c["hidden"]:
            out |= {c["id"], c["name"]} | ({c["alias"]} if c.get("alias") else set())
        elif c.get("alias") and c["kind"] != "character":
            out.add(c["name"])
    return out


def found(raw: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s in raw)


class Fight:
    def __init__(self, http: httpx.AsyncClient, dm: Json, eid: str) -> None:
        self.http, self.dm, self.eid = http, dm, eid
        self.link: Link | None = None
        self.links: list[Link] = []
        self.ever_secret: set[str] = set()

    async def share(self) -> Link:
        r = await self.http.post(f"/api/encounters/{self.eid}/share", headers=self.dm)
        assert r.status_code in (200, 201), r.text
        self.link = Link(r.json()["token"], r.json()["api_url"])
        self.links.append(self.link)
        await self.observe(await self.dm_state())
        return self.link

    async def dm_state(self) -> Json:
        r = await self.http.get(f"/api/encounters/{self.eid}", headers=self.dm)
        state: Json = r.json()
        return state

    async def observe(self, dm_state: Json) -> None:
        secrets = secrets_of(dm_state)
        if self.link is None:
            return
        view = (await self.http.get(self.link.api_url)).json()
        seq = view["seq"]
        assert seq not in self.link.views or self.link.views[seq] == view
        self.link.views[seq] = view
        self.link.secrets.setdefault(seq, set()).update(secrets)
        assert not found(json.dumps(view), secrets), (found(json.dumps(view), secrets), view)

    async def act(self, body: Json) -> Json:
        r = await self.http.post(f"/api/encounters/{self.eid}/actions", json=body, headers=self.dm)
        assert r.status_code == 200, r.text
        result: Json = r.json()
        await self.observe(result["state"])
        return result

    async def add(self, body: Json) -> str:
        r = await self.http.post(
            f"/api/encounters/{self.eid}/combatants", json=body, headers=self.dm
        )
        assert r.status_code == 201, r.text
        await self.observe(r.json()["state"])
        ids: list[str] = [
            c["id"] for c in r.json()["state"]["combatants"] if c["name"] == body["name"]
        ]
        return ids[0]

    async def patch(self, cid: str, body: Json) -> None:
        url = f"/api/encounters/{self.eid}/combatants/{cid}"
        r = await self.http.patch(url, json=body, headers=self.dm)
        assert r.status_code == 200, r.text
        await self.observe(await self.dm_state())


async def check_every_since(servers: tuple[str, str], link: Link) -> int:
    """Open the link's stream with every ``since`` from 0 to now (and beyond) on both
    servers; check every frame; return how many frames were checked."""
    now = max(link.views)
    checked = 0
    for base in servers:
        streams: list[tuple[int, Stream]] = []
        for since in [*range(0, now + 1), now + 5]:
            url = f"{ws(base)}{link.api_url}/ws?since={since}"
            streams.append((since, await Stream.open(url)))
        for since, stream in streams:
            if since == now:
                continue  # up to date: nothing to send (checked by the sentinel below)
            messages = []
            while not messages or messages[-1]["seq"] < now:
                messages.append(await stream.next())
            if since > now or messages[0]["type"] == "snapshot":
                assert messages[0]["type"] == "snapshot" and messages[0]["seq"] == now
                assert len(messages) == 1
            else:
                assert [m["seq"] for m in messages] == list(range(since + 1, now + 1))
            for m in messages:
                assert m["state"] == link.views[m["seq"]]
            checked += len(messages)
        for _, stream in streams:
            for raw in stream.raw:
                message = json.loads(raw)
                if message["type"] == "ping":
                    continue
                leaked = found(raw, link.secrets[message["seq"]])
                assert not leaked, (leaked, raw)
            await stream.close()
    return checked


async def test_finding_1_no_frame_carries_what_was_hidden(servers: tuple[str, str]) -> None:
    a, b = servers
    async with httpx.AsyncClient(base_url=a, timeout=20) as http:
        dm = await register(http)
        campaign = (await http.post("/api/campaigns", json={"name": "Tomb"}, headers=dm)).json()
        r = await http.post(
            f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Crypt"}, headers=dm
        )
        fight = Fight(http, dm, r.json()["id"])
        # Before the link: the lich is added under his own name, then aliased and hidden.
        lich = await fight.add({"name": "Acererak the Lich", "max_hp": 90, "initiative": 20})
        aria = await fight.add({"name": "Aria", "kind": "npc", "max_hp": 24, "initiative": 15})
        await fight.patch(lich, {"alias": "Hooded figure", "hidden": True})
        mordak = await fight.add(
            {"name": "Mordak", "alias": "Cowled One", "hidden": True, "max_hp": 20}
        )
        vex = await fight.add({"name": "Vex the Assassin", "max_hp": 30, "initiative": 18})
        await fight.patch(vex, {"hidden": True})
        link_a = await fight.share()
        # The fight: hidden turns and hits, a reveal under an alias, a brief reveal.
        await fight.act({"type": "start_combat"})
        await fight.act({"type": "next_turn"})
        await fight.act({"type": "damage", "targets": [lich, mordak], "amount": 3})
        await fight.act({"type": "damage", "targets": [aria], "amount": 5})
        await fight.patch(lich, {"hidden": False})  # revealed, as "Hooded figure"
        await fight.act({"type": "damage", "targets": [lich], "amount": 50})
        await fight.patch(vex, {"hidden": False, "alias": "Stranger"})
        await fight.act({"type": "next_turn"})
        await fight.patch(vex, {"hidden": True})
        await fight.act({"type": "undo"})
        await fight.act({"type": "next_turn"})
        await fight.patch(lich, {"alias": "Bone King"})
        old = await Stream.open(f"{ws(b)}{link_a.api_url}/ws")
        await old.next()
        link_b = await fight.share()  # rotation: the old screen closes, the new link starts at 0
        assert await old.closed_with() == 4403
        assert (await http.get(link_a.api_url)).status_code == 404
        await fight.act({"type": "damage", "targets": [vex], "amount": 2})  # unseen
        await fight.patch(lich, {"hidden": True})
        await fight.act({"type": "next_turn"})
        await fight.patch(mordak, {"alias": "Grey Monk"})  # still hidden
        await fight.act({"type": "damage", "targets": [aria], "amount": 1})

        assert set(link_a.views) == set(range(max(link_a.views) + 1))
        assert min(link_b.views) == 0 and set(link_b.views) == set(range(max(link_b.views) + 1))
        # Never shown at all, on any link: the lich's name, Mordak, his aliases.
        never = {"Acererak the Lich", "Mordak", "Cowled One", "Grey Monk", mordak}
        for seq in link_b.secrets:
            link_b.secrets[seq] |= never
        # The old link is dead on both servers: no frame, no replay.
        for base in (a, b):
            with pytest.raises(Exception):  # noqa: B017  (refused at the handshake)
                await Stream.open(f"{ws(base)}{link_a.api_url}/ws?since=0")
        checked = await check_every_since((a, b), link_b)
        assert checked > 0
        # A sentinel change: every stream up to date gets exactly the next frame.
        now = max(link_b.views)
        current = [await Stream.open(f"{ws(s)}{link_b.api_url}/ws?since={now}") for s in (a, b)]
        await fight.act({"type": "damage", "targets": [aria], "amount": 10})  # now bloodied
        for stream in current:
            message = await stream.next()
            assert message["seq"] == now + 1 and message["type"] == "event"
            assert message["state"] == link_b.views[now + 1]
            await stream.close()


# --- finding 2 ------------------------------------------------------------------------


async def closed_within(stream: Stream, started: float) -> tuple[int | None, float]:
    """The close code and the seconds from ``started`` to the close frame."""
    try:
        while True:
            await asyncio.wait_for(stream.conn.recv(), 10)
    except ConnectionClosed:
        pass
    return stream.conn.close_code, time.monotonic() - started


async def test_finding_2_every_revocation_closes_sockets_everywhere(
    servers: tuple[str, str], database: str
) -> None:
    a, b = servers
    async with httpx.AsyncClient(base_url=a, timeout=20) as http:
        owner = await register(http)
        email = unique_email()
        co_dm = await register(http, email)
        campaign = (await http.post("/api/campaigns", json={"name": "Keep"}, headers=owner)).json()
        co_dm_id = await add_co_dm(http, owner, campaign, email)

        async def encounter(name: str) -> tuple[str, str]:
            r = await http.post(
                f"/api/campaigns/{campaign['id']}/encounters", json={"name": name}, headers=owner
            )
            eid = r.json()["id"]
            body = {"name": "Spy", "hidden": True, "max_hp": 9, "notes": "the secret door"}
            r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=owner)
            return eid, r.json()["state"]["combatants"][0]["id"]

        eid, spy = await encounter("Gate")
        # The co-DM watches on both servers (several sockets per server, so several workers).
        theirs = [await dm_stream(ws(s), eid, co_dm) for s in (a, b, a, b)]
        mine = [await dm_stream(ws(s), eid, owner) for s in (a, b)]
        for stream in theirs + mine:
            assert (await stream.next())["type"] == "snapshot"
        r = await http.delete(f"/api/campaigns/{campaign['id']}/members/{co_dm_id}", headers=owner)
        assert r.status_code == 204
        removed = time.monotonic()
        closes = [await closed_within(s, removed) for s in theirs]
        assert all(code == 4403 for code, _ in closes), closes
        assert max(t for _, t in closes) < DEADLINE, closes
        # What the owner does next never reaches the removed co-DM; the owner's go on.
        hit = {"type": "damage", "targets": [spy], "amount": 1}
        r = await http.post(f"/api/encounters/{eid}/actions", json=hit, headers=owner)
        version = r.json()["version"]
        for stream in mine:
            assert (await stream.next())["version"] == version
        assert not any("the secret door" in raw for s in theirs for raw in s.raw[1:])
        # Reconnecting is refused, on both servers.
        for base in (a, b):
            with pytest.raises(Exception):  # noqa: B017  (refused at the handshake)
                await dm_stream(ws(base), eid, co_dm)

        # A user-level revocation (sign out everywhere, account deletion) as the account
        # code announces it: in its own transaction, from any process.
        engine = create_engine(database)
        sessions = [await dm_stream(ws(s), eid, owner) for s in (a, b)]
        for stream in sessions:
            await stream.next()
        async with engine.connect() as conn, AsyncSession(bind=conn) as session:
            await revocation.revoke_user(session, str(_user_id(owner)))
            await session.commit()
        revoked = time.monotonic()
        closes = [await closed_within(s, revoked) for s in [*mine, *sessions]]
        assert all(code == 4403 for code, _ in closes), closes
        assert max(t for _, t in closes) < DEADLINE, closes
        await engine.dispose()

        # Link rotated; encounter deleted; campaign deleted: both servers, both audiences.
        link = (await http.post(f"/api/encounters/{eid}/share", headers=owner)).json()
        players = [await Stream.open(f"{ws(s)}{link['api_url']}/ws") for s in (a, b, a, b)]
        for stream in players:
            await stream.next()
        r = await http.post(f"/api/encounters/{eid}/share", headers=owner)
        rotated = time.monotonic()
        closes = [await closed_within(s, rotated) for s in players]
        assert all(code == 4403 for code, _ in closes) and max(t for _, t in closes) < DEADLINE
        link = r.json()
        players = [await Stream.open(f"{ws(s)}{link['api_url']}/ws") for s in (a, b)]
        dms = [await dm_stream(ws(s), eid, owner) for s in (a, b)]
        for stream in players + dms:
            await stream.next()
        assert (await http.delete(f"/api/encounters/{eid}", headers=owner)).status_code == 204
        deleted = time.monotonic()
        closes = [await closed_within(s, deleted) for s in players + dms]
        assert all(code == 4404 for code, _ in closes) and max(t for _, t in closes) < DEADLINE

        other, _ = await encounter("Bridge")
        link = (await http.post(f"/api/encounters/{other}/share", headers=owner)).json()
        players = [await Stream.open(f"{ws(s)}{link['api_url']}/ws") for s in (a, b)]
        dms = [await dm_stream(ws(s), other, owner) for s in (a, b)]
        for stream in players + dms:
            await stream.next()
        r = await http.delete(f"/api/campaigns/{campaign['id']}", headers=owner)
        assert r.status_code == 204
        deleted = time.monotonic()
        closes = [await closed_within(s, deleted) for s in players + dms]
        assert all(code == 4404 for code, _ in closes) and max(t for _, t in closes) < DEADLINE

        # The account's own endpoints, through one server: signing out everywhere, then
        # deleting the account (and its only campaign) close its sockets on both.
        email = unique_email()
        leaver = await register(http, email)
        r = await http.post("/api/campaigns", json={"name": "Lair"}, headers=leaver)
        r = await http.post(
            f"/api/campaigns/{r.json()['id']}/encounters", json={"name": "Den"}, headers=leaver
        )
        den = r.json()["id"]
        for method, path, body, codes in (
            ("POST", "/api/auth/me/sign-out-everywhere", None, {4403}),
            ("DELETE", "/api/auth/me", {"password": PASSWORD}, {4403, 4404}),
        ):
            sockets = [await dm_stream(ws(s), den, leaver) for s in (a, b, a, b)]
            for stream in sockets:
                assert (await stream.next())["type"] == "snapshot"
            r = await http.request(method, path, json=body, headers=leaver)
            assert r.status_code == 204, r.text
            revoked = time.monotonic()
            closes = [await closed_within(s, revoked) for s in sockets]
            assert all(code in codes for code, _ in closes), closes
            assert max(t for _, t in closes) < DEADLINE, closes
            r = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            leaver = {"Authorization": f"Bearer {r.json().get('access_token')}"}
        assert r.status_code == 401  # the account is gone


def _user_id(headers: Json) -> Any:
    """The user id in an access token (its subject)."""
    import base64

    payload = bearer(headers).split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
