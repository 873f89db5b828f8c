"""Limits on what a client sends: request bodies (413 before the body is read) and
WebSocket messages (size and rate)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.body_limit import IMPORT_ROUTES, BodyLimitMiddleware
from app.realtime.inbound import InboundLimit
from tests.api import new_encounter
from tests.conftest import (
    PG_URL,
    assert_problem,
    create_pg_database,
    drop_pg_database,
    migrate,
    register,
)
from tests.realtime.helpers import share
from tests.servers import gunicorn

LIMIT = 64 * 1024  # the defaults (Settings)
IMPORT_LIMIT = 2 * 1024 * 1024

Json = dict[str, Any]


class Upload:
    """A raw ASGI request whose body is produced on demand, counting what was read."""

    def __init__(self, headers: list[tuple[bytes, bytes]], chunk: int, chunks: int) -> None:
        self.headers = headers
        self.chunk = b"x" * chunk
        self.left = chunks
        self.read = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if self.left <= 0:
            await asyncio.Event().wait()  # a client that stopped sending
        self.left -= 1
        self.read += len(self.chunk)
        return {"type": "http.request", "body": self.chunk, "more_body": self.left > 0}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def post(self, app: Any, path: str) -> tuple[int, dict[bytes, bytes], Json]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"t"), (b"content-type", b"application/json"), *self.headers],
            "client": ("10.9.9.9", 1),
            "server": ("t", 80),
        }
        await asyncio.wait_for(app(scope, self.receive, self.send), 10)
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")
        return start["status"], dict(start["headers"]), json.loads(body)


def _assert_413(status: int, headers: dict[bytes, bytes], body: Json, limit: int) -> None:
    assert status == 413
    assert headers[b"content-type"].startswith(b"application/problem+json")
    assert headers[b"connection"] == b"close"
    assert body["type"].endswith("/payload-too-large")
    assert str(limit) in body["detail"]


async def test_a_declared_length_over_the_limit_is_refused_unread(app: Any) -> None:
    """50 MB declared to /api/dice/roll (no sign-in needed): 413 without one byte read.
    It used to be read whole and parsed (seconds, and over a gigabyte per worker)."""
    upload = Upload([(b"content-length", str(50 * 1024 * 1024).encode())], 1024, 51200)
    _assert_413(*await upload.post(app, "/api/dice/roll"), LIMIT)
    assert upload.read == 0


async def test_a_chunked_body_is_refused_once_past_the_limit(app: Any) -> None:
    """No length declared: counted as it is read, refused at the first chunk over."""
    upload = Upload([(b"transfer-encoding", b"chunked")], 16 * 1024, 3200)
    _assert_413(*await upload.post(app, "/api/dice/roll"), LIMIT)
    assert LIMIT < upload.read <= LIMIT + 16 * 1024


async def test_a_chunked_body_within_the_limit_is_served(app: Any) -> None:
    body = json.dumps({"expression": "1d20+5"}).encode()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    upload = Upload([(b"transfer-encoding", b"chunked")], 0, 0)
    upload.receive = receive  # type: ignore[method-assign]
    status, _, answer = await upload.post(app, "/api/dice/roll")
    assert status == 200, answer
    assert 6 <= answer["total"] <= 25


async def test_the_limit_is_the_bodys_size_exactly(client: httpx.AsyncClient) -> None:
    def padded(size: int) -> bytes:
        prefix = b'{"expression": "1d20", "pad": "'
        return prefix + b"x" * (size - len(prefix) - 2) + b'"}'

    headers = {"Content-Type": "application/json"}
    at_limit = await client.post("/api/dice/roll", content=padded(LIMIT), headers=headers)
    assert_problem(at_limit, 422)  # read and judged: an unknown field
    over = await client.post("/api/dice/roll", content=padded(LIMIT + 1), headers=headers)
    assert_problem(over, 413)
    assert over.headers["connection"] == "close"


@pytest.mark.parametrize(
    "path", ["/api/statblocks/import", "/api/campaigns/{campaign}/encounters/import"]
)
async def test_the_import_routes_take_larger_bodies(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: Json, path: str
) -> None:
    url = path.format(campaign=campaign["id"])
    headers = {**dm, "Content-Type": "application/json"}
    document = {"name": "Big", "notes": "x" * (LIMIT * 4)}
    r = await client.post(url, content=json.dumps(document).encode(), headers=headers)
    assert r.status_code != 413, r.text  # over the default, under the import limit
    document["notes"] = "x" * IMPORT_LIMIT
    assert_problem(await client.post(url, json=document, headers=headers), 413)


def test_only_the_import_routes_get_the_larger_limit() -> None:
    limits = BodyLimitMiddleware(None, limit=1, import_limit=2)  # type: ignore[arg-type]
    assert limits.limit_for("/api/statblocks/import") == 2
    assert limits.limit_for("/api/campaigns/c-1/encounters/import") == 2
    assert limits.limit_for("/api/campaigns/c-1/x/encounters/import") == 1
    assert limits.limit_for("/api/campaigns/import") == 1
    assert limits.limit_for("/api/dice/roll") == 1


async def test_openapi_documents_the_413(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {f"{p}" for p in IMPORT_ROUTES} <= set(spec["paths"]), "update IMPORT_ROUTES"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)


# --- WebSocket messages ---------------------------------------------------------------


def test_inbound_messages_are_rated_by_a_token_bucket() -> None:
    now = [0.0]
    limit = InboundLimit(max_bytes=100, per_second=2, burst=3, clock=lambda: now[0])
    text = {"type": "websocket.receive", "text": "hi"}
    assert [limit.admit(text) for _ in range(3)] == [None, None, None]
    assert limit.admit(text) == (1008, "too many messages")
    now[0] = 0.5  # one more token
    assert limit.admit(text) is None
    assert limit.admit(text) == (1008, "too many messages")
    now[0] = 100.0  # refills to the burst, no more
    assert [limit.admit(text) for _ in range(4)] == [None, None, None, (1008, "too many messages")]


def test_inbound_messages_are_bounded_in_bytes() -> None:
    limit = InboundLimit(max_bytes=100, per_second=1, burst=10)
    assert limit.admit({"type": "websocket.receive", "text": "x" * 100}) is None
    assert limit.admit({"type": "websocket.receive", "text": "é" * 51}) == (1009, "message too big")
    assert limit.admit({"type": "websocket.receive", "bytes": b"x" * 101}) == (
        1009,
        "message too big",
    )


# --- The real server ------------------------------------------------------------------


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[str]:
    """Gunicorn with 2 workers on PostgreSQL, as in production."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI always sets it)")
    url = await create_pg_database()
    try:
        await migrate(url)
        with gunicorn(url, workers=2) as base:
            yield base
    finally:
        await drop_pg_database(url)


def _raw_post(base: str, head: bytes, body_prefix: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body_prefix)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk  # the server closes after its 413
        return answer


@pytest.mark.slow
async def test_the_server_refuses_a_50_mb_body_before_it_is_sent(served: str) -> None:
    head = (
        b"POST /api/dice/roll HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 52428800\r\n\r\n"
    )
    answer = await asyncio.to_thread(_raw_post, served, head, b"[" + b"1," * 1000)
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line, answer[:300]
    assert b"application/problem+json" in rest
    assert b"connection: close" in rest.lower()


@pytest.mark.slow
async def test_the_server_refuses_a_chunked_body_past_the_limit(served: str) -> None:
    head = (
        b"POST /api/dice/roll HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"4000\r\n" + b"1" * 0x4000 + b"\r\n"  # 16 KiB, and the body goes on
    answer = await asyncio.to_thread(_raw_post, served, head, chunk * 5)
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line, answer[:300]
    assert b"application/problem+json" in rest
    async with httpx.AsyncClient(base_url=served) as c:
        assert (await c.get("/api/health")).status_code == 200


@pytest.mark.slow
async def test_the_server_caps_websocket_messages(served: str) -> None:
    async with httpx.AsyncClient(base_url=served) as c:
        dm = await register(c)
        campaign = (await c.post("/api/campaigns", json={"name": "C"}, headers=dm)).json()
        encounter = await new_encounter(c, dm, campaign)
        token = (await share(c, dm, encounter["id"]))["token"]
    ws_url = served.replace("http://", "ws://") + f"/api/public/encounters/{token}/ws"
    async with connect(ws_url, max_size=None) as conn:
        assert json.loads(await conn.recv())["type"] == "snapshot"
        await conn.send("x" * 1024 * 1024)  # refused by the server while reading
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(conn.recv(), 10)
        assert conn.close_code == 1009
        assert conn.close_reason != "message too big"  # not the app's own check
