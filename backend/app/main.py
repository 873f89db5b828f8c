"""The application factory: settings, database, middleware, routers, errors."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.auth.router import router as auth_router
from app.body_limit import BodyLimitMiddleware
from app.campaigns.router import invitations_router
from app.campaigns.router import router as campaigns_router
from app.characters.router import router as characters_router
from app.config import Settings, get_settings
from app.db import Store, create_engine, read_engine, session_factory
from app.deps import reject_nul_characters
from app.dice_router import router as dice_router
from app.encounters.difficulty_router import router as difficulty_router
from app.encounters.exchange_router import campaign_router as encounter_import_router
from app.encounters.exchange_router import router as encounter_export_router
from app.encounters.router import campaign_router as campaign_encounters_router
from app.encounters.router import router as encounters_router
from app.observability.logging import configure_logging, get_logger
from app.observability.middleware import ObservabilityMiddleware
from app.observability.router import router as operations_router
from app.problems import document_problems, install_handlers
from app.realtime.hub import Hub, remember_abort
from app.realtime.router import router as realtime_router
from app.statblocks.router import campaign_router as campaign_statblocks_router
from app.statblocks.router import combatant_router as combatant_statblock_router
from app.statblocks.router import router as statblocks_router
from app.statblocks.srd import srd_attribution
from app.web.router import router as web_router

DESCRIPTION = """
Run Dungeons & Dragons 5e combat: campaigns, characters, monsters, encounters
and a live player view.

Errors are `application/problem+json` (RFC 9457) with a stable `type`.
Send the token from `POST /api/auth/login` as `Authorization: Bearer <token>`.
"""


# The cyclic garbage collector's first-generation threshold (Python's default: 700).
# A request allocates thousands of container objects (a state's models, the JSON's
# dicts), so at 700 the collector ran several times per request: a quarter of a
# worker's CPU under the action load (py-spy --native). Most of those objects die with
# their request, which reference counting frees without the collector's help.
GC_THRESHOLD = (50_000, 20, 20)


def settle_garbage_collector() -> tuple[int, int, int]:
    """Once the app has started: what is garbage now is collected, and everything still
    alive (modules, routes, schemas, the SRD index...) lives as long as the process, so
    :func:`gc.freeze` takes it out of every later collection; then the threshold above.
    Returns the threshold it replaced (:func:`unsettle_garbage_collector`)."""
    previous = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    return previous


def unsettle_garbage_collector(previous: tuple[int, int, int]) -> None:
    """At shutdown (a process that starts the app again, a test run, starts afresh)."""
    gc.unfreeze()
    gc.set_threshold(*previous)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings.log_level)
    log = get_logger("app")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = settings.database
        engine = create_engine(database)
        app.state.engine = engine
        app.state.sessionmaker = session_factory(engine)
        app.state.read_sessionmaker = session_factory(
            read_engine(engine, transaction_pooler=database.transaction_pooler)
        )
        app.state.store = Store(
            engine,
            app.state.sessionmaker,
            app.state.read_sessionmaker,
            transaction_pooler=database.transaction_pooler,
        )
        hub = app.state.hub = Hub(app.state.sessionmaker, database, settings.redis_url)
        await hub.start()
        threshold = settle_garbage_collector()
        log.info(
            "startup", environment=settings.environment, database=engine.url.get_backend_name()
        )
        try:
            yield
        finally:
            unsettle_garbage_collector(threshold)
            await hub.stop()
            await engine.dispose()
            log.info("shutdown")

    app = FastAPI(
        title="Initiative Tracker",
        version=__version__,
        description=DESCRIPTION + "\n\n## Monster data\n\n" + srd_attribution(),
        lifespan=lifespan,
        debug=False,
        dependencies=[Depends(reject_nul_characters)],
    )
    app.state.settings = settings
    install_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_body_bytes,
        import_limit=settings.max_import_body_bytes,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-ID"],
        expose_headers=["X-Request-ID", "ETag"],
        max_age=600,
    )
    # Outermost of ours (remember_abort needs the server's own send). Each layer costs
    # every request a call: the pure-ASGI ones are as few as their jobs allow.
    app.add_middleware(
        ObservabilityMiddleware,
        hsts=settings.is_production,
        debug=settings.environment == "development",
        on_websocket=remember_abort,
    )
    # FastAPI tries the routes in this order, at a few microseconds each: the hot
    # ones (an encounter's actions and reads) come first. No path of the others is
    # also one of theirs, so the order changes no answer (tests/test_routing.py).
    for router in (
        encounters_router,
        operations_router,
        auth_router,
        campaigns_router,
        invitations_router,
        campaign_statblocks_router,
        characters_router,
        campaign_encounters_router,
        statblocks_router,
        combatant_statblock_router,
        dice_router,
        difficulty_router,
        encounter_import_router,
        encounter_export_router,
        realtime_router,
    ):
        app.include_router(router)
    app.include_router(web_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
