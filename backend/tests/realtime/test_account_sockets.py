"""The account lifecycle closes the account's live DM sockets (4403), and its old
tokens open no new ones (4401)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from tests.api import new_encounter
from tests.conftest import register
from tests.realtime.helpers import Json, Stream, dm_stream

PASSWORD = "correct horse battery"


async def _open(live: str, eid: str, headers: Json) -> Stream:
    stream = await dm_stream(f"ws://{live}", eid, headers)
    assert (await stream.next())["type"] == "snapshot"
    return stream


async def _refused(live: str, eid: str, headers: Json) -> int | None:
    try:
        stream = await dm_stream(f"ws://{live}", eid, headers)
    except InvalidStatus:
        return 403
    return await stream.closed_with()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/auth/me/sign-out-everywhere", None),
        ("POST", "/api/auth/me/password", {"current_password": PASSWORD, "new_password": "x" * 12}),
        ("DELETE", "/api/auth/me", {"password": PASSWORD}),
    ],
)
async def test_lifecycle_closes_the_accounts_sockets(
    client: httpx.AsyncClient,
    dm: Json,
    campaign: Json,
    live: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    eid = (await new_encounter(client, dm, campaign))["id"]
    other = await register(client)
    other_campaign = (await client.post("/api/campaigns", json={"name": "B"}, headers=other)).json()
    other_eid = (await new_encounter(client, other, other_campaign))["id"]
    mine = [await _open(live, eid, dm) for _ in range(2)]
    theirs = await _open(live, other_eid, other)

    r = await client.request(method, path, json=body, headers=dm)
    assert r.status_code in (200, 204), r.text
    # Deleting the account deletes its only-DM campaign too (4404 beats 4403 then).
    expected = {4403, 4404} if method == "DELETE" else {4403}
    for stream in mine:
        assert await stream.closed_with() in expected
    assert await _refused(live, eid if method != "DELETE" else other_eid, dm) in (4401, 403)
    # Someone else's socket stays open and live.
    await client.post(
        f"/api/encounters/{other_eid}/actions",
        json={"type": "update_settings", "in_lair": True},
        headers=other,
    )
    assert (await theirs.next())["type"] != "closed"
    await theirs.close()
