from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import __version__
from app.config import Settings
from app.errors import NotFound, Unauthorized
from app.observability import metrics
from app.observability.logging import get_logger
from app.problems import responses as errs

router = APIRouter(prefix="/api", tags=["operations"])
log = get_logger("app.health")

HEALTH_TIMEOUT_SECONDS = 3.0
NO_STORE = {"Cache-Control": "no-store"}


async def database_answers(engine: AsyncEngine) -> bool:
    async def ping() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to answer is "unavailable"
        log.warning("database_unavailable", error=type(exc).__name__)
        return False
    return True


@router.get(
    "/health",
    summary="Liveness and database reachability",
    responses={503: {"description": "The database does not answer."}},
)
async def health(request: Request) -> JSONResponse:
    """200 when the database answers a trivial query, 503 when it does not.
    Unauthenticated and never cached; load balancers and the container's
    HEALTHCHECK call it."""
    ok = await database_answers(request.app.state.engine)
    body: dict[str, Any] = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if ok else "unavailable",
        "version": __version__,
        "environment": request.app.state.settings.environment,
    }
    return JSONResponse(body, status_code=200 if ok else 503, headers=NO_STORE)


async def require_scrape_token(request: Request) -> None:
    """The scraper's ``Authorization: Bearer <METRICS_TOKEN>``, compared in constant
    time. Without a configured token the endpoint does not exist (404)."""
    settings: Settings = request.app.state.settings
    expected = settings.metrics_token
    if expected is None:
        raise NotFound("Metrics are off: set METRICS_TOKEN to scrape them.")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credentials.strip().encode(), expected.encode()
    ):
        raise Unauthorized("Send the scrape token as 'Authorization: Bearer <METRICS_TOKEN>'.")


@router.get(
    "/metrics",
    summary="Prometheus metrics for every worker",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, **errs(Unauthorized, NotFound)},
    dependencies=[Depends(require_scrape_token)],
)
async def prometheus_metrics() -> Response:
    """Prometheus text for every worker. Scrapers authenticate with the bearer token
    of the ``METRICS_TOKEN`` setting (not a user's access token); unset, it is off."""
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type, headers=NO_STORE)
