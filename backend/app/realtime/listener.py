"""One dedicated PostgreSQL LISTEN connection per worker.

It is a plain asyncpg connection outside SQLAlchemy's pool (a pooled connection would
be handed to requests). If it drops, or stops answering the keep-alive probe, it is
replaced with exponential backoff; every (re)connection calls ``on_connected`` so the
hub can resync what it missed while deaf: notifications are not queued for a listener
that is not there.

The hub also reads through it (:meth:`Listener.read`): one short query per change, on a
connection that is open anyway, instead of a pooled session's three round trips. Reads
take turns (one query at a time on a connection) with the keep-alive probe, so the hub
batches them (:class:`Batched`): whatever is asked for while one query runs goes into
the next query, and the connection's round trip never limits how many changes a worker
can fan out per second (one at a time, 200 changes a second on a busy worker queued
for tens of seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import asyncpg  # type: ignore[import-untyped]

from app.observability.logging import get_logger
from app.realtime.publish import CHANNEL

log = get_logger("app.realtime")

PROBE_SECONDS = 10.0
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF = 10.0
READ_TIMEOUT = 5.0

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


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


class Batched(Generic[K, V]):
    """Reads by key on a :class:`Listener`'s connection, batched: ``query(connection,
    keys)`` answers many keys in one round trip (a key it leaves out is None). Every key
    asked for while a query runs waits for the next one, which asks for all of them."""

    def __init__(
        self, listener: Listener, query: Callable[[Any, list[K]], Awaitable[dict[K, V]]]
    ) -> None:
        self._listener = listener
        self._query = query
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._task: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        """``key``'s value, read with whatever else is asked for meanwhile. Raises what
        :meth:`Listener.read` raises."""
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="realtime-batched-read")
        return await future

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _of(self, keys: list[K]) -> Callable[[Any], Awaitable[dict[K, V]]]:
        return lambda conn: self._query(conn, keys)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                values = await self._listener.read(self._of(list(batch)))
            except asyncio.CancelledError:
                for futures in batch.values():
                    for future in futures:
                        future.cancel()
                raise
            except Exception as exc:
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():  # (its waiter may have been cancelled)
                        future.set_result(values.get(key))
