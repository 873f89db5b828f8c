"""The Redis pub/sub fan-out (``REDIS_URL``), instead of PostgreSQL NOTIFY.

NOTIFY is sent inside the writing transaction and costs a cluster-wide lock at every
commit; past a few hundred actions a second that lock is what limits the write rate.
With ``REDIS_URL`` set, notices are published to Redis *after* the transaction commits
(never for one that rolled back) and every worker subscribes to the same channel.

The guarantees stay those of NOTIFY, because the notice is only a wake-up: each worker's
channel reads the encounter's row and fills any gap from the log
(:meth:`app.realtime.hub.Channel.refresh`), so a reordered notice, two coalesced into one,
or one lost (a publish that failed, a subscriber that was reconnecting) is noticed by
version at the next notice and read from the database; and after every (re)subscription
the hub rereads every channel it serves, as after the LISTEN connection reconnects.

A worker publishes from one task, in commit order, through one connection; a publish that
fails is retried with backoff (the queue is bounded: past it a notice is dropped, which
the next one repairs).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from app.observability.logging import get_logger

log = get_logger("app.realtime")

CHANNEL = "initiative:encounter_changes"
CONNECT_TIMEOUT = 5.0
MAX_BACKOFF = 10.0
MAX_QUEUED = 10_000
POLL_SECONDS = 1.0
HEALTH_CHECK_SECONDS = 10


class RedisFanout:
    """Publishes notices after commit and delivers those of every worker to ``on_payload``."""

    def __init__(
        self,
        url: str,
        *,
        on_payload: Callable[[str], None],
        on_connected: Callable[[], None],
        channel: str = CHANNEL,
    ) -> None:
        self._url = url
        self._channel = channel
        self._on_payload = on_payload
        self._on_connected = on_connected
        self._queue: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()

    def _client(self) -> Any:
        return redis.Redis.from_url(
            self._url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            health_check_interval=HEALTH_CHECK_SECONDS,
            decode_responses=True,
        )

    async def start(self, wait: float = CONNECT_TIMEOUT) -> None:
        """Subscribe (waiting a little for the first subscription, so a worker that starts
        serving already hears changes) and start the publisher."""
        self._tasks = [
            asyncio.create_task(self._subscribe(), name="realtime-redis-subscriber"),
            asyncio.create_task(self._publish(), name="realtime-redis-publisher"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), wait)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def send(self, payload: str) -> None:
        """Publish ``payload`` (call after the transaction committed); never waits."""
        if len(self._queue) >= MAX_QUEUED:
            self._queue.popleft()  # the next notice's version reveals the gap
        self._queue.append(payload)
        self._wakeup.set()

    async def _publish(self) -> None:
        backoff = 0.1
        client = self._client()
        try:
            while True:
                if not self._queue:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                try:
                    while self._queue:
                        await client.publish(self._channel, self._queue[0])
                        self._queue.popleft()
                    backoff = 0.1
                except (RedisError, OSError) as exc:
                    log.warning("realtime_publish_failed", error=f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(backoff * (1 + random.random() / 2))
                    backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            with contextlib.suppress(Exception):
                await client.aclose()

    async def _subscribe(self) -> None:
        backoff = 0.25
        while True:
            client = self._client()
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                # From the server's confirmation on, nothing published is missed.
                while True:
                    message = await pubsub.get_message(timeout=CONNECT_TIMEOUT)
                    if message is None:
                        raise TimeoutError("no confirmation of the subscription")
                    if message["type"] == "subscribe":
                        break
                self.subscribed.set()
                backoff = 0.25
                log.info("realtime_subscribed", channel=self._channel)
                self._on_connected()
                while True:
                    message = await pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None and message.get("type") == "message":
                        self._on_payload(message["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning("realtime_subscriber_error", error=f"{type(exc).__name__}: {exc}")
            finally:
                self.subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff * (1 + random.random() / 2))
            backoff = min(backoff * 2, MAX_BACKOFF)
