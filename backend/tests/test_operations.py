"""Health, metrics, request ids, CORS, security headers and error bodies."""

from __future__ import annotations

import gc
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from app.main import GC_THRESHOLD, create_app
from tests.conftest import METRICS_HEADERS, METRICS_TOKEN, assert_problem, make_settings
from tests.servers import free_port


async def test_health_ok_and_not_cached(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "ok"
    assert r.headers["cache-control"] == "no-store"


async def test_health_503_when_database_unreachable() -> None:
    # A PostgreSQL URL on a closed port: the database does not answer.
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:9/none"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/api/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable"


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/api/campaigns/abc")  # 401, templated route
    text = (await client.get("/api/metrics", headers=METRICS_HEADERS)).text
    assert (
        'http_requests_total{method="GET",route="/api/campaigns/{campaign_id}",status="401"}'
        in text
    )
    assert "http_request_duration_seconds_bucket" in text
    assert "http_requests_in_flight" in text
    assert "encounter_actions_applied_total" in text.replace("# HELP ", "")
    assert "process_cpu_seconds_total" in text or "python_info" in text


async def test_metrics_need_the_scrape_token(client: httpx.AsyncClient) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {METRICS_TOKEN}"},
        {"Authorization": f"Bearer {METRICS_TOKEN}x"},
    ):
        r = await client.get("/api/metrics", headers=headers)
        assert_problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer"
        assert "http_requests_total" not in r.text
    # A user's access token is not a scrape token.
    r = await client.get("/api/metrics", headers={"Authorization": "Bearer " + "a" * 40})
    assert_problem(r, 401)
    assert (await client.get("/api/metrics", headers=METRICS_HEADERS)).status_code == 200


async def test_metrics_are_off_without_a_token(database_url: str) -> None:
    app = create_app(make_settings(database_url, metrics_token=None))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/api/metrics", headers=METRICS_HEADERS)
    assert_problem(r, 404)


def test_production_refuses_a_short_metrics_token(database_url: str) -> None:
    from app.config import ConfigError

    settings = make_settings(
        database_url, environment="production", web_concurrency=1, metrics_token="short"
    )
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        settings.check_production()


async def test_request_id_generated_or_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert len(r.headers["x-request-id"]) >= 16
    r = await client.get("/api/health", headers={"X-Request-ID": "table-42.abc"})
    assert r.headers["x-request-id"] == "table-42.abc"
    # Header injection attempts are replaced, not echoed.
    r = await client.get("/api/health", headers={"X-Request-ID": "a b<script>"})
    assert r.headers["x-request-id"] != "a b<script>"


async def test_security_headers_everywhere(client: httpx.AsyncClient) -> None:
    for path in ("/api/health", "/api/nope", "/api/auth/me"):
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in r.headers  # only in production


async def test_cors_allows_exactly_the_configured_origins(client: httpx.AsyncClient) -> None:
    pre = await client.options(
        "/api/campaigns",
        headers={
            "Origin": "https://table.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "https://table.example"
    evil = await client.options(
        "/api/campaigns",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in evil.headers
    simple = await client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    simple = await client.get("/api/health", headers={"Origin": "https://table.example"})
    assert simple.headers["access-control-allow-origin"] == "https://table.example"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/nope", 404), ("DELETE", "/api/health", 405), ("GET", "/api/campaigns", 401)],
)
async def test_errors_are_problem_json(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    body = assert_problem(await client.request(method, path), status)
    assert body["request_id"]


async def test_500_hides_the_trace_outside_development(database_url: str) -> None:
    for environment, shows in (("test", False), ("development", True)):
        app = create_app(make_settings(database_url, environment=environment))

        @app.get("/api/boom")
        async def boom() -> None:
            raise RuntimeError("secret internals")

        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.get("/api/boom")
        body = assert_problem(r, 500)
        assert ("secret internals" in body["detail"]) is shows
        assert "Traceback" not in r.text
        assert r.headers["x-request-id"] == body["request_id"]


async def test_hsts_in_production(database_url: str) -> None:
    settings = make_settings(database_url, environment="production", web_concurrency=1)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/api/health")
    assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_openapi_documents_problem_responses(client: httpx.AsyncClient) -> None:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    responses = spec["paths"]["/api/campaigns/{campaign_id}"]["get"]["responses"]
    assert "application/problem+json" in responses["404"]["content"]


async def test_openapi_carries_the_srd_attribution(client: httpx.AsyncClient) -> None:
    description = (await client.get("/openapi.json")).json()["info"]["description"]
    assert 'System Reference Document 5.1 ("SRD 5.1") by Wizards of the Coast LLC' in description
    assert "Creative Commons Attribution 4.0" in description


async def test_a_database_that_refuses_connections_is_a_503_not_a_500() -> None:
    """PostgreSQL stopped: opening a connection raises ConnectionRefusedError (not a
    DBAPIError), which was a 500 (found by tests/faults)."""
    port = free_port()  # nothing listens there
    app = create_app(make_settings(f"postgresql://postgres@127.0.0.1:{port}/gone"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
            assert (await c.get("/api/health")).status_code == 503
    problem = assert_problem(r, 503)
    assert r.headers["retry-after"] == "1"
    assert problem["type"].endswith("/service-unavailable")


@pytest.mark.parametrize("sqlstate", ["57P01", "57P03", "08006"])
async def test_a_database_shutting_down_or_starting_up_is_a_503(sqlstate: str) -> None:
    """PostgreSQL stopping ("terminating connection due to administrator command",
    57P01) or starting ("the database system is starting up", 57P03): asyncpg's errors
    of class 57 reach the app as a plain DBAPIError, which was a 500 (tests/faults)."""

    class DriverError(Exception):
        pass

    error = DriverError("terminating connection due to administrator command")
    error.sqlstate = sqlstate  # type: ignore[attr-defined]  # (as SQLAlchemy's adapter sets it)
    app = create_app(make_settings("sqlite://"))

    @app.get("/api/down")
    async def down() -> None:
        raise DBAPIError("SELECT 1", {}, error)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/api/down")
    assert_problem(r, 503)


async def test_a_started_app_settles_the_garbage_collector(database_url: str) -> None:
    # What was alive at start-up is out of later collections, and the first generation
    # waits for 50,000 allocations, not Python's 700 (README, Benchmarks: the collector
    # was a quarter of a worker's CPU and the live streams' tail). Shut down, the app
    # gives the collector back as it found it.
    before = gc.get_threshold()
    app = create_app(make_settings(database_url))
    async with app.router.lifespan_context(app):
        assert gc.get_threshold() == GC_THRESHOLD
        assert GC_THRESHOLD[0] >= 10_000
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
