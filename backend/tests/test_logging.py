"""Logs are JSON lines with the request id; secrets never reach them."""

from __future__ import annotations

import json

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
