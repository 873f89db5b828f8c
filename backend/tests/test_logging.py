"""Logs are JSON lines with the request id; secrets never reach them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import unique_email


async def test_access_log_lines_and_no_secrets(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    email = unique_email()
    password = "Sup3r-Secret-Passphrase!"
    await client.post("/api/auth/register", json={"email": email, "password": password})
    r = await client.post("/api/auth/login", json={"email": email, "password": password})
    token = r.json()["access_token"]
    await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    await client.post("/api/auth/login", json={"email": email, "password": password + "x"})
    await client.get("/api/auth/me", headers={"Authorization": "Bearer " + token[:-3] + "abc"})

    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request"]
    assert len(access) >= 5
    for line in access:
        assert {"request_id", "method", "route", "status", "duration_ms"} <= set(line)
    assert any(line["route"] == "/api/auth/login" and line["status"] == 401 for line in access)
    assert password not in out
    assert token not in out
    assert token.split(".")[2] not in out


def test_mask_secret_keys() -> None:
    from app.observability.logging import _mask_secrets

    event = {"event": "x", "password": "p", "access_token": "t", "Authorization": "a", "n": 1}
    assert _mask_secrets(None, "", event) == {
        "event": "x",
        "password": "***",
        "access_token": "***",
        "Authorization": "***",
        "n": 1,
    }


def test_url_tokens_never_reach_a_real_servers_log(tmp_path: Path) -> None:
    """Uvicorn logs WebSocket paths; the player token and access token in them are scrubbed."""
    import asyncio

    import websockets

    from tests.conftest import migrate
    from tests.servers import gunicorn

    url = f"sqlite:///{tmp_path}/logs.db"
    asyncio.run(migrate(url))
    log_path = tmp_path / "server.log"
    with gunicorn(url, workers=1, log_path=log_path) as base:
        with httpx.Client(base_url=base) as c:
            email = unique_email()
            c.post("/api/auth/register", json={"email": email, "password": "a long password"})
            token = c.post(
                "/api/auth/login", json={"email": email, "password": "a long password"}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            campaign = c.post("/api/campaigns", json={"name": "Logs"}, headers=auth).json()
            enc = c.post(
                f"/api/campaigns/{campaign['id']}/encounters", json={"name": "L"}, headers=auth
            ).json()
            share = c.post(f"/api/encounters/{enc['id']}/share", headers=auth).json()["token"]
            assert c.get(f"/api/public/encounters/{share}").status_code == 200
            assert c.get(f"/play/{share}").status_code == 200

        async def sockets() -> None:
            ws_base = base.replace("http://", "ws://")
            async with websockets.connect(f"{ws_base}/api/public/encounters/{share}/ws") as ws:
                assert '"snapshot"' in str(await ws.recv())
            dm_url = f"{ws_base}/api/encounters/{enc['id']}/ws"
            async with websockets.connect(dm_url, subprotocols=["bearer", token]) as ws:
                assert '"snapshot"' in str(await ws.recv())
            # A token in the URL is refused, however spelt, and still not logged.
            for query in (f"access_token={token}", f"access%5Ftoken={token}"):
                with pytest.raises(websockets.InvalidStatus):
                    await websockets.connect(f"{dm_url}?{query}")

        asyncio.run(sockets())
    text = log_path.read_text()
    assert "/api/public/encounters/{token}/ws" in text  # logged, scrubbed
    assert share not in text
    assert token not in text
    assert token.split(".")[2] not in text
