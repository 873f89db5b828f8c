"""One dedicated PostgreSQL LISTEN connection per worker.

It is a plain asyncpg connection outside SQLAlchemy's pool (a pooled connection would
be handed to requests). If it drops, or stops answering the keep-alive probe, it is
replaced with exponential backoff; every (re)connection calls ``on_connected`` so the
hub can resync what it missed while deaf: notifications are not queued for a listener
that is not there.

The hub also reads through it (:meth:`Listener.read`): one short query per change, on a
connection that is open anyway, instead of a pooled session's three round trips. Reads
take turns (one query at a time on a connection) with the keep-alive probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from app.observability.logging import get_logger
from app.realtime.publish import CHANNEL

log = get_logger("app.realtime")

PROBE_SECONDS = 10.0
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF = 10.0
READ_TIMEOUT = 5.0

T = TypeVar("T")


class NotConnected(Exception):
    """The listener has no connection right now (it is reconnecting)."""


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()


class Listener:
    def __init__(
        self,
        dsn: str,
        *,
        on_payload: Callable[[str], None],
        on_connected: Callable[[], None],
    ) -> None:
        self._dsn = dsn
        self._on_payload = on_payload
        self._on_connected = on_connected
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None
        self._turn = asyncio.Lock()
        self.connected = asyncio.Event()

    async def read(self, query: Callable[[Any], Awaitable[T]]) -> T:
        """``query(connection)`` on the listening connection. Raises :class:`NotConnected`
        while there is none, and whatever the query raises (a lost connection too)."""
        conn = self._conn
        if conn is None:
            raise NotConnected
        async with self._turn:
            if conn.is_closed():
                raise NotConnected
            return await asyncio.wait_for(query(conn), READ_TIMEOUT)

    async def start(self, wait: float = CONNECT_TIMEOUT) -> None:
        """Start listening; wait a little for the first connection so a worker that
        starts serving already hears changes (it keeps trying in the background)."""
        self._task = asyncio.create_task(self._run(), name="realtime-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), wait)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _callback(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_payload(payload)

    async def _run(self) -> None:
        backoff = 0.25
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(CHANNEL, self._callback)
                self._conn = conn
                self.connected.set()
                backoff = 0.25
                log.info("realtime_listening", channel=CHANNEL)
                self._on_connected()
                while not lost.is_set():
                    try:
                        await asyncio.wait_for(lost.wait(), PROBE_SECONDS)
                    except TimeoutError:
                        # A half-open TCP connection hears nothing and says nothing.
                        async with self._turn:
                            await conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT)
                log.warning("realtime_listener_lost")
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("realtime_listener_error", error=f"{type(exc).__name__}: {exc}")
            finally:
                self.connected.clear()
                self._conn = None
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(backoff * (1 + random.random() / 2))
            backoff = min(backoff * 2, MAX_BACKOFF)
