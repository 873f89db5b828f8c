from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import __version__
from app.observability import metrics
from app.observability.logging import get_logger

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


@router.get(
    "/metrics",
    summary="Prometheus metrics for every worker",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def prometheus_metrics() -> Response:
    payload, content_type = metrics.render()
    return Response(payload, media_type=content_type, headers=NO_STORE)
