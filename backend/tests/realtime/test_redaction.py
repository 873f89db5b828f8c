"""A whole fight through HTTP, with every player-view message and public read recorded:
nothing of a hidden creature may leak, not even the fact that it is taking its turn
(issue 9, finding 3: a frame only when what the players see changed, numbered by the
link's own gap-free ``seq``)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import httpx

from tests.api import add, new_encounter
from tests.realtime.helpers import Json, Stream, act, share

HIDDEN = {"Assassin Vex", "Shadowy Figure", "Mordak the Priest", "Cowled One"}


def leaks(raw: str, hidden_ids: set[str]) -> list[str]:
    found = [s for s in HIDDEN | hidden_ids | {"Orc Warlord"} if s in raw]
    state = json.loads(raw).get("state", json.loads(raw))
    for c in state.get("combatants", []):
        if c["side"] != "players":
            found += [k for k in ("hp", "max_hp", "temp_hp", "ac", "notes") if k in c]
        found += [k for k in ("ac", "notes", "initiative_bonus", "group") if k in c]
    return found


async def test_hidden_creatures_never_reach_the_players(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/characters",
        json={"name": "Aria", "level": 3, "ac": 16, "max_hp": 24},
        headers=dm,
    )
    aria_character = r.json()["id"]
    eid = (await new_encounter(client, dm, campaign))["id"]
    link = await share(client, dm, eid)
    player = await Stream.open(f"ws://{live}{link['api_url']}/ws")
    public: list[str] = [(await client.get(link["api_url"])).text]
    dm_states: dict[int, Json] = {}
    after: dict[int, Json] = {}  # the public view after each version

    async def step(kind: str, body: Json) -> Json:
        result = await (add(client, dm, eid, body) if kind == "add" else act(client, dm, eid, body))
        dm_states[result["version"]] = result["state"]
        public.append((await client.get(link["api_url"])).text)
        after[result["version"]] = json.loads(public[-1])
        return result

    await step("add", {"character_id": aria_character})
    aria = dm_states[1]["combatants"][0]["id"]
    vex_body = {"name": "Assassin Vex", "alias": "Shadowy Figure", "hidden": True,
                "max_hp": 40, "ac": 17, "initiative": 25, "notes": "poison blade"}  # fmt: skip
    await step("add", vex_body)
    orc_body = {"name": "Orc Warlord", "alias": "Brute", "max_hp": 30, "ac": 13,
                "initiative": 15, "notes": "flees at 5 hp"}  # fmt: skip
    await step("add", orc_body)
    mordak_body = {"name": "Mordak the Priest", "alias": "Cowled One", "hidden": True,
                   "max_hp": 22, "initiative": 10, "group": "coven"}  # fmt: skip
    await step("add", mordak_body)
    added = await step("add", {"name": "Cultist", "max_hp": 9, "group": "coven"})
    ids = {c["name"]: c["id"] for c in added["state"]["combatants"]}
    vex, orc = ids["Assassin Vex"], ids["Orc Warlord"]
    mordak, cultist = ids["Mordak the Priest"], ids["Cultist"]
    hidden_ids = {vex, mordak}
    await step("act", {"type": "set_initiative", "combatant_id": aria, "initiative": 18})

    expected: dict[int, tuple[str | None, int]] = {}

    async def expect(body: Json, turn: str | None, round_: int) -> None:
        result = await step("act", body)
        expected[result["version"]] = (turn, round_)

    await expect({"type": "start_combat"}, None, 1)  # Vex opens round 1, unseen
    assert dm_states[max(dm_states)]["turn"] == vex
    await expect({"type": "next_turn"}, aria, 1)
    await expect({"type": "damage", "targets": [orc], "amount": 16}, aria, 1)
    frightened = {"type": "add_condition", "targets": [aria], "condition": "frightened",
                  "duration": {"rounds": 1, "ends": "end", "of": vex},
                  "save": {"ability": "wis", "dc": 15}, "source": "Assassin Vex"}  # fmt: skip
    await expect(frightened, aria, 1)
    await expect({"type": "add_condition", "targets": [orc], "condition": "poisoned"}, aria, 1)
    await expect({"type": "damage", "targets": [vex, mordak], "amount": 5}, aria, 1)
    await expect({"type": "next_turn"}, orc, 1)
    await expect({"type": "next_turn"}, cultist, 1)  # the coven's turn, led by Mordak
    assert dm_states[max(dm_states)]["turn"] == mordak
    await expect({"type": "next_turn"}, cultist, 1)  # round 2 opens with Vex, unseen
    assert dm_states[max(dm_states)]["round"] == 2
    await expect({"type": "damage", "targets": [orc], "amount": 20}, cultist, 1)
    await expect({"type": "next_turn"}, aria, 2)  # Vex's turn ends: frightened drops
    await expect({"type": "undo"}, cultist, 1)
    await expect({"type": "previous_turn"}, cultist, 1)
    await expect({"type": "set_hidden", "combatant_id": mordak, "hidden": True}, cultist, 1)
    await expect({"type": "end_combat"}, None, 2)

    views = [json.loads(p) for p in public]
    last = views[-1]["seq"]
    messages = []
    while not messages or messages[-1]["seq"] < last:
        messages.append(await player.next())
    # One more change the players see: the very next frame is its, nothing in between.
    await step("act", {"type": "set_hidden", "combatant_id": cultist, "hidden": True})
    extra = await player.next()
    await player.close()
    assert extra["seq"] == last + 1 == json.loads(public[-1])["seq"]
    for raw in player.raw + public:
        assert not leaks(raw, hidden_ids), (leaks(raw, hidden_ids), raw)
        assert '"version"' not in raw  # its gaps would count the hidden changes
    # The link's own sequence: 0 when shared, one per change the players could see,
    # and a frame for exactly those changes: never two frames with the same view.
    assert [m["seq"] for m in messages] == list(range(0, last + 1))
    assert messages[0]["type"] == "snapshot"
    assert all(m["type"] == "event" and set(m) == {"type", "seq", "state"} for m in messages[1:])
    assert all(m["state"]["seq"] == m["seq"] for m in messages)
    pairs = list(itertools.pairwise(messages))
    assert all(b["state"] != {**a["state"], "seq": b["seq"]} for a, b in pairs)
    changes = [views[0]] + [v for prev, v in itertools.pairwise(views) if v != prev]
    assert [m["state"] for m in messages] == changes
    assert len(messages) < len(dm_states)  # the hidden turns and hits sent nothing
    for version, (turn, round_) in expected.items():
        state = after[version]
        if state["status"] == "active":
            assert (state["turn"], state["round"]) == (turn, round_), version
    orc_seen = next(c for c in after[9]["combatants"] if c["id"] == orc)
    assert orc_seen["name"] == "Brute" and orc_seen["status"] == "bloodied"
    aria_seen: Any = next(c for c in after[10]["combatants"] if c["id"] == aria)
    assert aria_seen["conditions"] == [{"name": "frightened"}]


async def test_since_0_replays_nothing_from_before_the_link(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    """Issue 9, finding 1, as reported (failed before the fix: version 1 was replayed
    with the real name and id); the whole attack: tests/security/."""
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Acererak the Lich", "max_hp": 90})
    lich = added["state"]["combatants"][0]["id"]
    r = await client.patch(
        f"/api/encounters/{eid}/combatants/{lich}",
        json={"alias": "Hooded figure", "hidden": True},
        headers=dm,
    )
    assert r.status_code == 200, r.text
    link = await share(client, dm, eid)
    # since=0 is the link's first seq: up to date, so the next frame is the next change.
    players = [
        await Stream.open(f"ws://{live}{link['api_url']}/ws?since={since}") for since in (0, 1, 2)
    ]
    await add(client, dm, eid, {"name": "Goblin", "max_hp": 7})
    for player, first in zip(players, ("event", "snapshot", "snapshot"), strict=True):
        message = await player.next()
        if first == "snapshot":
            assert message["type"] == "snapshot" and message["seq"] in (0, 1)
            message = message if message["seq"] == 1 else await player.next()
        assert message["seq"] == 1 and [c["name"] for c in message["state"]["combatants"]] == [
            "Goblin"
        ]
        await player.close()
        assert not any("Acererak" in raw or lich in raw for raw in player.raw), player.raw
