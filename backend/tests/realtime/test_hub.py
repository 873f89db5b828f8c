"""The hub's parts on their own: a subscriber's sends, the reads, the worker class."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.realtime import repository as repo
from app.realtime.hub import CLOSE_TRY_AGAIN, Hub, Subscriber
from app.realtime.listener import NotConnected
from app.realtime.publish import Change, Notice, publish_share_change
from app.realtime.sharing import token_hash
from tests.api import add, new_encounter
from tests.realtime.helpers import Json, act, share

# --- a subscriber's sends ---------------------------------------------------------------


class FakeSocket:
    """Records what is sent; ``gate`` (when set) makes every send wait for it."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate: asyncio.Event | None = None
        self.fail = False
        self.closed_with: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the peer went away")
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)


def subscriber(socket: FakeSocket) -> Subscriber:
    sub = Subscriber(socket, "player")  # type: ignore[arg-type]
    sub.start()
    return sub


async def until(condition: Any, wait: float = 2.0) -> None:
    async with asyncio.timeout(wait):
        while not condition():  # noqa: ASYNC110  (a condition, not an event)
            await asyncio.sleep(0.001)


async def settle(turns: int = 50) -> None:
    """Let every ready task run: event-loop turns, not wall-clock time, so a check
    that something did NOT happen is about ordering and cannot flake on a slow machine."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def test_an_idle_socket_is_written_by_the_push_itself() -> None:
    socket = FakeSocket()
    sub = subscriber(socket)
    sub.push("a")
    sub.push("b")
    # No task had a chance to run: the broadcast wrote both itself.
    assert socket.sent == ["a", "b"]
    assert sub.sent == 2 and sub.backlog == 0 and sub.sending_since is None
    sub.kill(1001, "")


async def test_a_send_that_must_wait_is_finished_by_the_task_in_order() -> None:
    socket = FakeSocket()
    socket.gate = asyncio.Event()
    sub = subscriber(socket)
    sub.push("a")  # the socket's buffer is full: this send has to wait
    assert socket.sent == [] and sub.sending_since is not None
    sub.push("b")
    sub.push("c")
    assert sub.backlog == 2  # queued behind it, not sent past it
    await settle()
    assert socket.sent == []  # still waiting, and nobody else waited for it
    socket.gate.set()
    await until(lambda: len(socket.sent) == 3)
    assert socket.sent == ["a", "b", "c"]
    await until(lambda: sub.sending_since is None)
    assert sub.sent == 3 and sub.backlog == 0
    socket.gate = None
    sub.push("d")
    assert socket.sent[-1] == "d"  # idle again: written at once
    sub.kill(1001, "")


async def test_a_send_that_yields_once_is_finished_too() -> None:
    class Yielding(FakeSocket):
        async def send_text(self, text: str) -> None:
            await asyncio.sleep(0)  # a bare yield, not a future
            self.sent.append(text)

    socket = Yielding()
    sub = subscriber(socket)
    sub.push("a")
    sub.push("b")
    assert socket.sent == [] and sub.backlog == 1
    await until(lambda: len(socket.sent) == 2)
    assert socket.sent == ["a", "b"] and not sub.closed.is_set()
    sub.kill(1001, "")


async def test_messages_queued_before_start_go_first() -> None:
    socket = FakeSocket()
    sub = Subscriber(socket, "dm")  # type: ignore[arg-type]
    sub.push("snapshot")
    sub.start()
    sub.push("event")
    await until(lambda: len(socket.sent) == 2)
    assert socket.sent == ["snapshot", "event"]
    sub.kill(1001, "")


async def test_a_failed_send_marks_the_subscriber_closed() -> None:
    socket = FakeSocket()
    socket.fail = True
    sub = subscriber(socket)
    sub.push("a")
    assert sub.closed.is_set()
    sub.push("b")  # no error: it only queues now
    sub.kill(1001, "")

    waiting = FakeSocket()
    waiting.gate, waiting.fail = asyncio.Event(), True
    sub = subscriber(waiting)
    sub.push("a")
    waiting.gate.set()
    await until(sub.closed.is_set)
    sub.kill(1001, "")


async def test_killing_a_subscriber_with_a_send_waiting() -> None:
    socket = FakeSocket()
    socket.gate = asyncio.Event()
    sub = subscriber(socket)
    sub.push("a")
    sub.kill(CLOSE_TRY_AGAIN, "too slow")
    await until(lambda: socket.closed_with is not None)
    assert socket.closed_with == (CLOSE_TRY_AGAIN, "too slow")
    socket.gate.set()
    await settle()
    assert socket.sent == []  # abandoned, not finished behind the close

    socket = FakeSocket()
    socket.gate = asyncio.Event()
    sub = subscriber(socket)
    sub.push("a")
    await settle()  # the task has taken the waiting send over
    sub.kill(CLOSE_TRY_AGAIN, "too slow")
    await until(lambda: socket.closed_with is not None)
    socket.gate.set()
    await settle()
    assert socket.sent == []


# --- reads ------------------------------------------------------------------------------


async def _fight(client: httpx.AsyncClient, dm: Json, campaign: Json) -> str:
    eid: str = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Goblin", "max_hp": 7, "initiative": 12})
    goblin = added["state"]["combatants"][0]["id"]
    await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 2})
    return eid


def _plain(head: repo.Head | None) -> dict[str, Any] | None:
    if head is None:
        return None
    state = json.loads(head.state) if isinstance(head.state, str) else head.state
    return {
        "campaign_id": head.campaign_id,
        "version": head.version,
        "state": state,
        "share_token_hash": head.share_token_hash,
        "event": head.event,
    }


async def test_the_hub_reads_what_a_session_reads(
    app: Any, client: httpx.AsyncClient, dm: Json, campaign: Json
) -> None:
    eid = await _fight(client, dm, campaign)
    hub: Hub = app.state.hub
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with sessionmaker() as session:
        expected = await repo.head(session, eid)
        assert await repo.head(session, "no-such-encounter") is None
    assert expected is not None and expected.event is not None
    assert expected.event.type == "damage"
    assert _plain(await hub.head(eid)) == _plain(expected)
    assert await hub.head("no-such-encounter") is None
    if app.state.settings.is_sqlite:
        return
    # On PostgreSQL the read is plain SQL on the LISTEN connection: the same row.
    listener = hub._listener
    assert listener is not None
    on_listener = await listener.read(lambda conn: repo.heads_on(conn, [eid, "no-such"]))
    assert list(on_listener) == [eid]
    assert isinstance(on_listener[eid].state, str)
    assert _plain(on_listener[eid]) == _plain(expected)


async def test_the_hub_reads_what_many_channels_ask_for_at_once_in_one_query(
    app: Any, client: httpx.AsyncClient, dm: Json, campaign: Json, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy worker's channels refresh together: one round trip on the LISTEN
    connection serves them all (one at a time, its round trips limited the fan-out)."""
    hub: Hub = app.state.hub
    listener = hub._listener
    if listener is None:
        pytest.skip("PostgreSQL only: SQLite has no listener")
    eids = [await _fight(client, dm, campaign) for _ in range(3)]
    async with app.state.sessionmaker() as session:
        expected = [_plain(await repo.head(session, eid)) for eid in eids]
    queries: list[int] = []
    read = listener.read

    async def counted(query: Any) -> Any:
        queries.append(1)
        return await read(query)

    monkeypatch.setattr(listener, "read", counted)
    heads = await asyncio.gather(*(hub.head(e) for e in [*eids, eids[0], "no-such-encounter"]))
    assert [_plain(h) for h in heads] == [*expected, expected[0], None]
    assert len(queries) == 1
    # And the next one asks again.
    assert _plain(await hub.head(eids[1])) == expected[1]
    assert len(queries) == 2
    # Player joins look their links up the same way: a crowd joining, one round trip.
    hashes = [token_hash((await share(client, dm, eid))["token"]) for eid in eids[:2]]
    queries.clear()
    found = await asyncio.gather(*(hub.linked_encounter(h) for h in [*hashes, "0" * 64]))
    assert found == [*eids[:2], None]
    assert len(queries) == 1


async def test_the_hub_finds_a_links_encounter_as_a_session_does(
    app: Any, client: httpx.AsyncClient, dm: Json, campaign: Json
) -> None:
    eid = await _fight(client, dm, campaign)
    token = (await share(client, dm, eid))["token"]
    hub: Hub = app.state.hub
    assert await hub.linked_encounter(token_hash(token)) == eid
    assert await hub.linked_encounter(token_hash("not a link")) is None
    await share(client, dm, eid)  # rotated: the old token opens nothing
    assert await hub.linked_encounter(token_hash(token)) is None


async def test_the_hub_reads_through_a_session_while_the_listener_is_down(
    app: Any, client: httpx.AsyncClient, dm: Json, campaign: Json, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub: Hub = app.state.hub
    if hub._listener is None:
        pytest.skip("PostgreSQL only: SQLite has no listener")
    eid = await _fight(client, dm, campaign)
    expected = _plain(await hub.head(eid))
    for error in (NotConnected(), OSError("connection reset"), TimeoutError()):

        async def broken(_query: Any, error: Exception = error) -> Any:
            raise error

        monkeypatch.setattr(hub._listener, "read", broken)
        assert _plain(await hub.head(eid)) == expected


# --- the publisher ----------------------------------------------------------------------


async def test_a_change_is_announced_once_committed_and_never_if_rolled_back(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever carries it (NOTIFY, or the in-process hub after commit), the session's
    publisher hands a notice on only when its transaction commits."""
    hub: Hub = app.state.hub
    heard: list[Notice] = []
    monkeypatch.setattr(hub, "deliver", heard.append)
    sessionmaker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    rolled_back, committed = f"rolled-back-{uuid.uuid4()}", f"committed-{uuid.uuid4()}"
    async with sessionmaker() as session:
        await publish_share_change(session, rolled_back)
        await session.rollback()
        await publish_share_change(session, committed)
        await asyncio.sleep(0.2)
        assert Change(committed, None) not in heard  # not before the commit
        await session.commit()
    for _ in range(100):
        if Change(committed, None) in heard:
            break
        await asyncio.sleep(0.05)
    assert Change(committed, None) in heard
    assert Change(rolled_back, None) not in heard


# --- the worker -------------------------------------------------------------------------


def test_the_gunicorn_worker_does_not_offer_compression() -> None:
    from uvicorn_worker import UvicornWorker as Upstream

    from app.realtime.worker import UvicornWorker

    assert UvicornWorker.CONFIG_KWARGS["ws_per_message_deflate"] is False
    # Everything else as upstream's worker (its event loop and HTTP parser choices).
    rest = {k: v for k, v in UvicornWorker.CONFIG_KWARGS.items() if k != "ws_per_message_deflate"}
    assert rest == Upstream.CONFIG_KWARGS
    assert issubclass(UvicornWorker, Upstream)
