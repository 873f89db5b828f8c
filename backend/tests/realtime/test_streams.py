"""The live streams on a real Uvicorn (in the tests' loop), on every test database."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from app.realtime import hub
from tests.api import add, new_encounter
from tests.conftest import METRICS_HEADERS, assert_problem, register
from tests.realtime.helpers import Json, Stream, act, bearer, dm_stream, share


async def _goblin_fight(client: httpx.AsyncClient, dm: Json, campaign: Json) -> tuple[str, str]:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Goblin", "max_hp": 7, "initiative": 12})
    return eid, added["state"]["combatants"][0]["id"]


async def test_dm_stream_snapshot_then_every_change_in_order(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, goblin = await _goblin_fight(client, dm, campaign)
    stream = await dm_stream(f"ws://{live}", eid, dm)
    first = await stream.next()
    assert first["type"] == "snapshot" and first["version"] == 1
    assert first["state"] == (await client.get(f"/api/encounters/{eid}", headers=dm)).json()

    versions = [await act(client, dm, eid, {"type": "start_combat"})]
    for _ in range(5):
        hit = {"type": "damage", "targets": [goblin], "amount": 1}
        versions.append(await act(client, dm, eid, hit))
    messages = await stream.until(versions[-1]["version"])
    assert [m["version"] for m in messages] == list(range(2, 8))
    assert all(m["type"] == "event" for m in messages)
    for message, result in zip(messages, versions, strict=True):
        assert message["state"] == result["state"]
        assert message["event"]["seq"] == message["version"]
        assert message["event"]["text"] == result["events"][0]["text"]
    await stream.close()


async def test_dm_socket_authenticates_by_subprotocol_header_or_first_message(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, _ = await _goblin_fight(client, dm, campaign)
    url = f"ws://{live}/api/encounters/{eid}/ws"
    by_protocol = await Stream.open(url, subprotocols=["bearer", bearer(dm)])
    assert by_protocol.conn.subprotocol == "bearer"
    assert (await by_protocol.next())["type"] == "snapshot"
    await by_protocol.close()
    by_header = await Stream.open(url, additional_headers=dm)
    assert (await by_header.next())["type"] == "snapshot"
    await by_header.close()
    by_message = await Stream.open(url)
    await by_message.conn.send(json.dumps({"type": "auth", "token": bearer(dm)}))
    assert (await by_message.next())["type"] == "snapshot"
    await by_message.close()


async def test_no_token_in_urls_and_no_message_for_strangers(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    """Issue 9, finding 9: ``?access_token=`` (however spelt) is refused, even valid."""
    eid, _ = await _goblin_fight(client, dm, campaign)
    url = f"ws://{live}/api/encounters/{eid}/ws"
    stranger = await register(client)
    token = bearer(dm)
    for bad, protocols in (
        (f"{url}?access_token={token}", None),
        (f"{url}?access%5Ftoken={token}", None),
        (f"{url}?since=0&ACCESS_TOKEN={token}", None),
        (f"{url}?access_token={token}", ["bearer", token]),
        (url, ["bearer", "not-a-jwt"]),
        (url, ["bearer"]),
        (url, ["bearer", bearer(stranger)]),
        (f"ws://{live}/api/encounters/no-such-encounter/ws", ["bearer", token]),
    ):
        # Refused during the handshake: not one message, not even an accepted socket.
        with pytest.raises(InvalidStatus) as refused:
            await Stream.open(bad, subprotocols=protocols)
        assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        await Stream.open(url, additional_headers=stranger)
    # The first-message way: 4401 for a bad token, 4404 for someone else's encounter.
    for first, code in (
        ({"type": "auth", "token": "not-a-jwt"}, 4401),
        ({"type": "hello"}, 4401),
        ({"type": "auth", "token": token * 400}, 4401),
        ({"type": "auth", "token": bearer(stranger)}, 4404),
    ):
        stream = await Stream.open(url)
        await stream.conn.send(json.dumps(first))
        assert await stream.closed_with() == code
        assert stream.raw == []


async def test_reconnect_with_since_gets_exactly_what_it_missed(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, goblin = await _goblin_fight(client, dm, campaign)
    base = f"ws://{live}"
    stream = await dm_stream(base, eid, dm)
    other = await dm_stream(base, eid, dm)  # another console stays open meanwhile
    assert (await stream.next())["version"] == 1
    assert (await other.next())["version"] == 1
    await act(client, dm, eid, {"type": "start_combat"})
    assert (await stream.next())["version"] == 2
    await stream.close()

    for _ in range(3):
        await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 1})
    await act(client, dm, eid, {"type": "undo"})
    await other.until(6)
    back = await dm_stream(base, eid, dm, since=2)
    missed = await back.until(6)
    assert [(m["type"], m["version"]) for m in missed] == [("event", v) for v in (3, 4, 5, 6)]
    # The frames the worker sent meanwhile: 7 HP, then 6, 5, 4, then the undo back to 5.
    assert [m["state"]["combatants"][0]["hp"] for m in missed] == [6, 5, 4, 5]
    assert missed[-1]["event"]["type"] == "undo"
    await other.close()
    live_one = await act(client, dm, eid, {"type": "next_turn"})
    message = await back.next()
    assert message["version"] == 7 and message["state"] == live_one["state"]
    await back.close()

    # Up to date: nothing until the next change. Unknown (ahead): a snapshot.
    current = await dm_stream(base, eid, dm, since=7)
    await act(client, dm, eid, {"type": "next_turn"})
    assert (await current.next())["version"] == 8
    await current.close()
    ahead = await dm_stream(base, eid, dm, since=99)
    snapshot = await ahead.next()
    assert snapshot["type"] == "snapshot" and snapshot["version"] == 8
    await ahead.close()


async def test_a_replay_costlier_than_a_snapshot_gets_a_snapshot(
    client: httpx.AsyncClient,
    dm: Json,
    campaign: Json,
    live: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13, item 2: replays come from the worker's memory, never rebuilt from the
    log; what would cost more than a snapshot (frames nobody was sent, or beyond the
    memory) and what exceeds a link's replay budget gets the snapshot instead."""
    eid, goblin = await _goblin_fight(client, dm, campaign)
    base = f"ws://{live}"
    stream = await dm_stream(base, eid, dm)
    assert (await stream.next())["version"] == 1
    await stream.close()  # nobody watches: the next versions are serialised for no one
    for _ in range(4):
        last = await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 1})
    back = await dm_stream(base, eid, dm, since=1)
    snapshot = await back.next()
    assert snapshot["type"] == "snapshot" and snapshot["version"] == last["version"]
    assert snapshot["state"] == last["state"]

    # Within memory and already sent to someone: replayed, up to the budget per user.
    for _ in range(3):
        await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 1})
    version = (await back.until(last["version"] + 3))[-1]["version"]
    kinds = []
    monkeypatch.setattr(hub, "REPLAY_REFILL_SECONDS", 3600.0)
    for _ in range(hub.REPLAY_BURST + 2):
        again = await dm_stream(base, eid, dm, since=version - 2)
        kinds.append((await again.next())["type"])
        await again.close()
    assert kinds[: hub.REPLAY_BURST] == ["event"] * hub.REPLAY_BURST
    assert "snapshot" in kinds[hub.REPLAY_BURST :]
    await back.close()


async def test_a_worker_keeps_its_replay_buffers_within_its_budget(
    client: httpx.AsyncClient,
    dm: Json,
    campaign: Json,
    live: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 14 (memory flat): past ``REPLAY_BUDGET`` the oldest frames a worker keeps
    for replays leave, whichever encounter they belong to; a replay that needs one gets
    a snapshot, and each encounter's newest frame stays."""
    base = f"ws://{live}"
    (a, goblin_a), (b, goblin_b) = [await _goblin_fight(client, dm, campaign) for _ in "ab"]
    watching = {eid: await dm_stream(base, eid, dm) for eid in (a, b)}
    for stream in watching.values():
        await stream.next()

    async def hit(eid: str, goblin: str) -> int:
        version: int = (
            await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 1})
        )["version"]
        await watching[eid].until(version)  # the worker has kept it
        return version

    async def first_after(since: int) -> Json:
        stream = await dm_stream(base, a, dm, since=since)
        message = await stream.next()
        await stream.close()
        return message

    for _ in range(3):
        version = await hit(a, goblin_a)
    # Within the budget: two versions back is a replay.
    assert (await first_after(version - 2))["type"] == "event"

    monkeypatch.setattr(hub, "REPLAY_BUDGET", 1)
    await hit(b, goblin_b)  # what the worker keeps now goes past the budget: A's frames go
    snapshot = await first_after(version - 2)
    assert (snapshot["type"], snapshot["version"]) == ("snapshot", version)
    newest = await first_after(version - 1)
    assert (newest["type"], newest["version"]) == ("event", version)
    for stream in watching.values():
        await stream.close()


async def test_player_replays_are_rate_limited_and_never_wait_for_the_lock(
    client: httpx.AsyncClient,
    app: Any,
    dm: Json,
    campaign: Json,
    live: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 13, item 2, for the players: a ``?since=`` join is served from memory while
    the encounter's broadcast lock is held (a replay neither waits for it nor takes it),
    and a link's joins get :data:`hub.REPLAY_BURST` replays in a row, then snapshots,
    while the DM's replays (a budget of their own) are still served."""
    eid, goblin = await _goblin_fight(client, dm, campaign)
    link = await share(client, dm, eid)
    url = f"ws://{live}{link['api_url']}/ws"
    watcher = await Stream.open(url)  # keeps the channel, and its frames, in memory
    assert (await watcher.next())["seq"] == 0
    for amount in (2, 2, 3):  # healthy -> bloodied, then down: each one a player frame
        await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": amount})
    seen = [await watcher.next() for _ in range(2)]
    assert [m["seq"] for m in seen] == [1, 2]
    dm_watcher = await dm_stream(f"ws://{live}", eid, dm)
    version = (await dm_watcher.next())["version"]

    monkeypatch.setattr(hub, "REPLAY_REFILL_SECONDS", 3600.0)
    channel = app.state.hub.channels[eid]
    kinds = []
    async with channel.lock:  # as a broadcast holding it for as long as it likes
        for _ in range(hub.REPLAY_BURST + 2):
            again = await Stream.open(f"{url}?since=0")
            first = await again.next(wait=5)
            kinds.append(first["type"])
            if first["type"] == "event":
                assert [first["seq"], (await again.next(wait=5))["seq"]] == [1, 2]
            else:
                assert first["seq"] == 2
            await again.close()
        # The link's budget is spent; the DM's is its own.
        replay = await dm_stream(f"ws://{live}", eid, dm, since=version - 1)
        assert (await replay.next(wait=5))["type"] == "event"
        await replay.close()
    assert kinds[: hub.REPLAY_BURST] == ["event"] * hub.REPLAY_BURST
    assert kinds[hub.REPLAY_BURST :] == ["snapshot", "snapshot"]
    await watcher.close()
    await dm_watcher.close()


async def test_player_stream_and_link_rotation(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, goblin = await _goblin_fight(client, dm, campaign)
    r = await client.post(f"/api/encounters/{eid}/share", headers=dm)
    assert r.status_code == 201
    link = r.json()
    token = link["token"]
    assert len(token) >= 43 and link["url"] == f"/play/{token}"
    assert link["api_url"] == f"/api/public/encounters/{token}"
    public = await client.get(link["api_url"])
    assert public.status_code == 200 and public.headers["cache-control"] == "no-store"
    assert public.json()["combatants"][0]["status"] == "healthy"

    player = await Stream.open(f"ws://{live}{link['api_url']}/ws")
    snapshot = await player.next()
    assert snapshot == {"type": "snapshot", "seq": 0, "state": public.json()}
    assert public.json()["seq"] == 0 and public.headers["etag"] == '"0"'
    await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 1})  # unseen
    await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 3})
    event = await player.next()
    assert event["type"] == "event" and event["seq"] == 1 and "event" not in event
    assert event["state"]["combatants"][0]["status"] == "bloodied"

    # Rotation: the old link is dead at once, and so is the screen opened with it.
    r = await client.post(f"/api/encounters/{eid}/share", headers=dm)
    assert r.status_code == 200
    new = r.json()
    assert new["token"] != token
    assert await player.closed_with() == 4403
    assert_problem(await client.get(link["api_url"]), 404)
    with pytest.raises(InvalidStatus):
        await Stream.open(f"ws://{live}{link['api_url']}/ws")
    fresh = await Stream.open(f"ws://{live}{new['api_url']}/ws")
    assert (await fresh.next())["seq"] == 0  # a new link starts its own sequence

    stranger = await register(client)
    assert_problem(await client.post(f"/api/encounters/{eid}/share", headers=stranger), 404)
    assert_problem(await client.delete(f"/api/encounters/{eid}/share", headers=stranger), 404)
    assert (await client.delete(f"/api/encounters/{eid}/share", headers=dm)).status_code == 204
    assert await fresh.closed_with() == 4403
    assert_problem(await client.get(new["api_url"]), 404)
    assert_problem(await client.get("/api/public/encounters/" + "x" * 500), 404)


async def test_metrics_count_sockets_and_messages(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, goblin = await _goblin_fight(client, dm, campaign)
    link = await share(client, dm, eid)

    def sample(text: str, name: str, audience: str) -> float:
        for line in text.splitlines():
            if line.startswith(f'{name}{{audience="{audience}"}}'):
                return float(line.split()[-1])
        return 0.0

    before = (await client.get("/api/metrics", headers=METRICS_HEADERS)).text
    player = await Stream.open(f"ws://{live}{link['api_url']}/ws")
    await player.next()
    await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 4})
    await player.next()
    after = (await client.get("/api/metrics", headers=METRICS_HEADERS)).text
    opened = "websocket_connections_open"
    sent = "encounter_events_broadcast_total"
    assert sample(after, opened, "player") == sample(before, opened, "player") + 1
    assert sample(after, sent, "player") >= sample(before, sent, "player") + 2
    await player.close()
