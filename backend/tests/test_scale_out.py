"""Several instances behind a real load balancer: two Gunicorn masters on one PostgreSQL
behind nginx (round robin, WebSockets proxied). Player sockets on both instances see
every version in order while the DM acts through one; when an instance dies mid-fight its
sockets reconnect through nginx to the other and resume from their last version
(``?since=``): nothing missed, nothing twice, every acknowledged action in the log.

Player frames are numbered by the link's own ``seq``; here every hit is a change the
players see (exact hit points), so seq = version - 1."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.conftest import register
from tests.nginx import nginx
from tests.servers import gunicorn_instance

pytestmark = pytest.mark.slow

Json = dict[str, Any]
WAIT = 20.0
EXACT_HP = {"player_view": {"enemies": {"show_hp": "exact"}}}


@pytest.fixture
def database(migrated_pg_database: str) -> str:
    return migrated_pg_database


class Player:
    """A player screen that reconnects, through the balancer, from its last version."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.frames: list[tuple[str, int]] = []  # (type, seq) of every frame, in order
        self.hp: list[int] = []  # the monster's hit points after each frame
        self.upstreams: list[str] = []  # the instance each connection landed on
        self.conn: ClientConnection | None = None

    @property
    def last(self) -> int | None:
        return self.frames[-1][1] if self.frames else None

    async def connect(self) -> None:
        url = self.url if self.last is None else f"{self.url}?since={self.last}"
        deadline = asyncio.get_running_loop().time() + WAIT
        while True:
            try:
                self.conn = await connect(url, open_timeout=WAIT, max_size=None)
                break
            except (OSError, InvalidHandshake):
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)
        assert self.conn.response is not None
        # nginx lists every instance it tried ("dead, alive"): the last one served.
        self.upstreams.append(self.conn.response.headers["X-Upstream"].split(", ")[-1])

    async def read_until(self, seq: int) -> None:
        while self.last is None or self.last < seq:
            assert self.conn is not None
            try:
                raw = await asyncio.wait_for(self.conn.recv(), WAIT)
            except ConnectionClosed:
                await self.connect()  # the instance went away: resume elsewhere
                continue
            message: Json = json.loads(raw)
            if message["type"] == "ping":
                continue
            self.frames.append((message["type"], message["seq"]))
            self.hp.append(message["state"]["combatants"][0]["hp"])

    def check(self, last: int, max_hp: int) -> None:
        """Nothing twice, nothing missed: seqs only rise; an event is always the next
        one (a resumed socket may be sent a snapshot instead, which carries it all)."""
        assert self.frames[0] == ("snapshot", 0)
        for (_, before), (kind, seq) in zip(self.frames, self.frames[1:], strict=False):
            assert seq > before, self.frames
            if kind == "event":
                assert seq == before + 1, self.frames
        assert self.last == last
        assert self.hp[-1] == max_hp - last

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


async def test_two_instances_behind_nginx_one_killed_mid_fight(database: str) -> None:
    with (
        gunicorn_instance(database, workers=1) as a,
        gunicorn_instance(database, workers=1) as b,
        nginx([a.address, b.address]) as balancer,
    ):
        async with (
            httpx.AsyncClient(base_url=a.base, timeout=WAIT) as http,
            httpx.AsyncClient(base_url=balancer, timeout=WAIT) as lb,
        ):
            # Round robin: plain requests through nginx alternate between the two.
            served = {(await lb.get("/api/health")).headers["X-Upstream"] for _ in range(4)}
            assert served == {a.address, b.address}

            dm = await register(http)
            c = (await http.post("/api/campaigns", json={"name": "Barovia"}, headers=dm)).json()
            r = await http.post(
                f"/api/campaigns/{c['id']}/encounters",
                json={"name": "Castle", "settings": EXACT_HP},
                headers=dm,
            )
            eid = r.json()["id"]
            body = {"name": "Vampire spawn", "max_hp": 900, "initiative": 14}
            r = await http.post(f"/api/encounters/{eid}/combatants", json=body, headers=dm)
            spawn = r.json()["state"]["combatants"][0]["id"]
            link = (await http.post(f"/api/encounters/{eid}/share", headers=dm)).json()

            ws = balancer.replace("http://", "ws://")
            players = [Player(f"{ws}{link['api_url']}/ws") for _ in range(6)]
            for player in players:
                await player.connect()
            # The balancer spread the sockets over both instances.
            assert {p.upstreams[0] for p in players} == {a.address, b.address}
            on_b = [p for p in players if p.upstreams[0] == b.address]

            last = 80
            readers = [asyncio.create_task(p.read_until(last - 1)) for p in players]
            acknowledged: list[int] = []
            for i in range(2, last + 1):
                if i == 30:
                    b.kill()  # mid-fight, without a goodbye
                r = await http.post(
                    f"/api/encounters/{eid}/actions",
                    json={"type": "damage", "targets": [spawn], "amount": 1},
                    headers=dm,
                )
                assert r.status_code == 200, r.text
                acknowledged.append(r.json()["version"])
            await asyncio.wait_for(asyncio.gather(*readers), WAIT * 2)

            for player in players:
                player.check(last - 1, 900)
                await player.close()
            # The sockets that stayed were sent every frame once, as events.
            for player in players:
                if player not in on_b:
                    assert [s for _, s in player.frames] == list(range(last)), player.frames
            for player in on_b:
                assert player.upstreams == [b.address, a.address]

            # Every acknowledged action is in the log.
            r = await http.get(f"/api/encounters/{eid}/events", params={"limit": 200}, headers=dm)
            assert r.status_code == 200, r.text
            seqs = [e["seq"] for e in r.json()["items"]]
            assert set(acknowledged) <= set(seqs)
            assert acknowledged == list(range(2, last + 1))
