"""Every revocation closes the sockets it covers at once (issue 9, finding 2): a removed
co-DM, a deleted encounter or campaign, a user signed out, and nothing else is touched.
(Across processes and instances: tests/security/test_stream_attacks.py.)"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import delete, update

from app.auth.models import User
from app.campaigns.models import CampaignMember
from app.realtime import revocation
from tests.api import add, add_co_dm, new_encounter
from tests.conftest import register, unique_email
from tests.realtime.helpers import Json, Stream, act, share


async def _fight(client: httpx.AsyncClient, dm: Json, campaign: Json) -> tuple[str, str]:
    eid = (await new_encounter(client, dm, campaign))["id"]
    added = await add(client, dm, eid, {"name": "Goblin", "max_hp": 7, "initiative": 12})
    return eid, added["state"]["combatants"][0]["id"]


async def _dm_stream(live: str, eid: str, headers: Json) -> Stream:
    stream = await Stream.open(f"ws://{live}/api/encounters/{eid}/ws", additional_headers=headers)
    assert (await stream.next())["type"] == "snapshot"
    return stream


async def test_a_removed_co_dm_loses_the_stream_at_once(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    email = unique_email()
    co_dm = await register(client, email)
    co_dm_id = await add_co_dm(client, dm, campaign, email)
    eid, goblin = await _fight(client, dm, campaign)
    other = (await new_encounter(client, dm, campaign))["id"]
    theirs = await _dm_stream(live, eid, co_dm)
    theirs_too = await _dm_stream(live, other, co_dm)
    mine = await _dm_stream(live, eid, dm)

    r = await client.delete(f"/api/campaigns/{campaign['id']}/members/{co_dm_id}", headers=dm)
    assert r.status_code == 204
    assert await theirs.closed_with() == 4403
    assert await theirs_too.closed_with() == 4403
    # Nothing after the removal reached them; the owner's stream goes on.
    hit = await act(client, dm, eid, {"type": "damage", "targets": [goblin], "amount": 2})
    assert (await mine.next())["version"] == hit["version"]
    assert not any(f'"version":{hit["version"]}' in raw for raw in theirs.raw)
    await mine.close()


async def test_deleting_an_encounter_or_a_campaign_closes_its_sockets_with_4404(
    client: httpx.AsyncClient, dm: Json, campaign: Json, live: str
) -> None:
    eid, _ = await _fight(client, dm, campaign)
    link = await share(client, dm, eid)
    dm_stream = await _dm_stream(live, eid, dm)
    player = await Stream.open(f"ws://{live}{link['api_url']}/ws")
    await player.next()
    assert (await client.delete(f"/api/encounters/{eid}", headers=dm)).status_code == 204
    assert await dm_stream.closed_with() == 4404
    assert await player.closed_with() == 4404

    r = await client.post("/api/campaigns", json={"name": "Tomb"}, headers=dm)
    tomb = r.json()
    first, _ = await _fight(client, dm, tomb)
    second, _ = await _fight(client, dm, tomb)
    link = await share(client, dm, second)
    streams = [await _dm_stream(live, first, dm), await _dm_stream(live, second, dm)]
    player = await Stream.open(f"ws://{live}{link['api_url']}/ws")
    await player.next()
    elsewhere = await _dm_stream(live, (await _fight(client, dm, campaign))[0], dm)
    assert (await client.delete(f"/api/campaigns/{tomb['id']}", headers=dm)).status_code == 204
    for stream in [*streams, player]:
        assert await stream.closed_with() == 4404
    assert elsewhere.conn.close_code is None
    await elsewhere.close()


async def test_revoking_a_user_closes_every_socket_of_theirs_and_only_theirs(
    client: httpx.AsyncClient, app: Any, dm: Json, campaign: Json, live: str
) -> None:
    """The mechanism the account lifecycle calls (sign out everywhere, deletion)."""
    email = unique_email()
    co_dm = await register(client, email)
    co_dm_id = await add_co_dm(client, dm, campaign, email)
    eid, _ = await _fight(client, dm, campaign)
    theirs = [await _dm_stream(live, eid, co_dm) for _ in range(2)]
    mine = await _dm_stream(live, eid, dm)
    async with app.state.sessionmaker() as session:
        await revocation.revoke_user(session, co_dm_id)
        await session.commit()
    for stream in theirs:
        assert await stream.closed_with() == 4403
    assert mine.conn.close_code is None
    await mine.close()


async def test_a_worker_that_missed_revocations_rechecks_its_dm_sockets(
    client: httpx.AsyncClient, app: Any, dm: Json, campaign: Json, live: str
) -> None:
    """After its LISTEN connection drops, a worker cannot know what it missed: it
    rechecks every DM socket's membership and token generation (app.realtime.hub)."""
    email = unique_email()
    co_dm = await register(client, email)
    co_dm_id = await add_co_dm(client, dm, campaign, email)
    eid, _ = await _fight(client, dm, campaign)
    removed = await _dm_stream(live, eid, co_dm)
    signed_out = await _dm_stream(live, eid, dm)
    owner_id = (await client.get("/api/auth/me", headers=dm)).json()["id"]
    # Both changes without their announcements, as if this worker had been deaf.
    async with app.state.sessionmaker() as session:
        await session.execute(
            delete(CampaignMember).where(
                CampaignMember.campaign_id == campaign["id"], CampaignMember.user_id == co_dm_id
            )
        )
        await session.execute(
            update(User)
            .where(User.id == owner_id)
            .values(token_generation=User.token_generation + 1)
        )
        await session.commit()
    await app.state.hub.recheck_rights()
    assert await removed.closed_with() == 4403
    assert await signed_out.closed_with() == 4403
