"""A table under load, for the fault tests: DMs acting on a few encounters, live DM
sockets that reconnect, and the checks that nothing acknowledged was lost or doubled.

Every action is ``set_concentration`` with a spell name of its own (a tag), so the log
says exactly which actions it holds: an action answered 2xx must be there once, at the
version it was answered with; an action that failed (503, connection lost) may be
there at most once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

Json = dict[str, Any]


@dataclass
class Table:
    headers: dict[str, str]
    encounters: list[str]
    combatants: dict[str, str]  # encounter -> the combatant that concentrates


async def set_table(base: str, encounters: int = 2) -> Table:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        email = f"fault-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": "correct horse battery"}
        assert (await c.post("/api/auth/register", json=body)).status_code == 202
        token = (await c.post("/api/auth/login", json=body)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        campaign = (await c.post("/api/campaigns", json={"name": "Faults"}, headers=headers)).json()
        ids, combatants = [], {}
        for n in range(encounters):
            r = await c.post(
                f"/api/campaigns/{campaign['id']}/encounters",
                json={"name": f"Fight {n}"},
                headers=headers,
            )
            eid = r.json()["id"]
            r = await c.post(
                f"/api/encounters/{eid}/combatants",
                json={"name": "Mage", "max_hp": 40},
                headers=headers,
            )
            assert r.status_code == 201, r.text
            ids.append(eid)
            combatants[eid] = r.json()["state"]["combatants"][0]["id"]
        return Table(headers, ids, combatants)


@dataclass
class Outcomes:
    acked: dict[str, tuple[str, int]] = field(default_factory=dict)  # tag -> (eid, version)
    failed: dict[str, str] = field(default_factory=dict)  # tag -> what happened
    statuses: list[int] = field(default_factory=list)


async def load(
    base: str,
    table: Table,
    *,
    clients: int = 4,
    actions: int = 75,
    outcomes: Outcomes,
    progress: asyncio.Event | None = None,
    pause: float = 0.0,
) -> Outcomes:
    """``clients`` DMs, each sending ``actions`` tagged actions to one of the table's
    encounters (so two or more share each), one at a time; ``progress`` is set once a
    third of all actions were acknowledged."""
    total = clients * actions

    async def client(n: int) -> None:
        eid = table.encounters[n % len(table.encounters)]
        combatant = table.combatants[eid]
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            for i in range(actions):
                tag = f"c{n}-a{i}-{uuid.uuid4().hex[:6]}"
                action = {"type": "set_concentration", "combatant_id": combatant, "spell": tag}
                try:
                    r = await c.post(
                        f"/api/encounters/{eid}/actions", json=action, headers=table.headers
                    )
                except httpx.HTTPError as exc:
                    outcomes.failed[tag] = type(exc).__name__
                    await asyncio.sleep(0.05)
                    continue
                outcomes.statuses.append(r.status_code)
                if r.status_code == 200:
                    outcomes.acked[tag] = (eid, r.json()["version"])
                    if progress is not None and len(outcomes.acked) >= total // 3:
                        progress.set()
                else:
                    assert r.status_code in (503, 502), r.text  # never a 500
                    outcomes.failed[tag] = str(r.status_code)
                    await asyncio.sleep(0.05)
                if pause:
                    await asyncio.sleep(pause)

    await asyncio.gather(*(client(n) for n in range(clients)))
    return outcomes


async def event_log(c: httpx.AsyncClient, headers: dict[str, str], eid: str) -> list[Json]:
    events: list[Json] = []
    while True:
        after = events[-1]["seq"] if events else 0
        r = await c.get(
            f"/api/encounters/{eid}/events",
            params={"after": after, "limit": 1000},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        page = r.json()["items"]
        if not page:
            return events
        events.extend(page)


async def assert_log_holds(c: httpx.AsyncClient, table: Table, outcomes: Outcomes) -> None:
    """Every acknowledged action is in the log once, at its version; none twice."""
    seen: dict[str, list[tuple[str, int]]] = {}
    for eid in table.encounters:
        events = await event_log(c, table.headers, eid)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "a gap in the log"
        for event in events:
            if event["type"] == "set_concentration":
                seen.setdefault(event["data"]["spell"], []).append((eid, event["seq"]))
    doubled = {tag: where for tag, where in seen.items() if len(where) > 1}
    assert not doubled, f"applied twice: {doubled}"
    missing = {tag: at for tag, at in outcomes.acked.items() if seen.get(tag) != [at]}
    assert not missing, f"acknowledged but not in the log as answered: {missing}"


class LiveDM:
    """A DM socket that reconnects with ``?since=`` whenever it is dropped, and
    remembers every version it was sent: each must come once, in order."""

    def __init__(self, ws_base: str, eid: str, token: str) -> None:
        self.url = f"{ws_base}/api/encounters/{eid}/ws"
        self.token = token
        self.version = 0
        self.versions: list[int] = []  # event versions, in the order received
        self.snapshots: list[int] = []
        self.reconnects = 0
        self.port = 0  # the client's port of the connection open now
        self.close_codes: list[int | None] = []
        self.state: Json | None = None
        self.problems: list[str] = []
        self.connected = asyncio.Event()
        self._stop = asyncio.Event()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._stop.is_set():
            url = self.url + (f"?since={self.version}" if self.version else "")
            try:
                async with connect(
                    url, subprotocols=["bearer", self.token], open_timeout=10, max_size=None
                ) as conn:
                    self.port = conn.local_address[1]
                    self.connected.set()
                    async for raw in conn:
                        self._take(json.loads(raw))
                    self.close_codes.append(conn.close_code)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
                self.close_codes.append(getattr(getattr(exc, "rcvd", None), "code", None))
            self.reconnects += 1
            await asyncio.sleep(0.1)

    def _take(self, message: Json) -> None:
        kind = message["type"]
        if kind == "ping":
            return
        version = message["version"]
        if kind == "snapshot":
            if version < self.version:
                self.problems.append(f"snapshot went back: {version} after {self.version}")
            self.snapshots.append(version)
        elif version != self.version + 1:
            self.problems.append(f"event {version} after {self.version}")
        else:
            self.versions.append(version)
        self.version = max(self.version, version)
        self.state = message["state"]
        self._changed.set()

    async def caught_up(self, version: int) -> None:
        """Wait until ``version`` arrived (the caller bounds the wait)."""
        while self.version < version:
            self._changed.clear()
            await self._changed.wait()
