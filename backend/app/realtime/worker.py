"""The Gunicorn worker class (``gunicorn.conf.py``): Uvicorn's, without
permessage-deflate, with WebSocket messages capped at ``WS_MAX_MESSAGE_BYTES``, and
with connections shared out evenly between the workers.

**Compression.** Uvicorn offers the WebSocket compression extension by default and
browsers accept it; each socket then has its own compressor, so every frame of a
broadcast is compressed once per socket: the stream's "serialise once, send the same
bytes to everyone" becomes one deflate per socket per version, on both ends. The
messages are a few kilobytes of JSON at a human pace, so the bandwidth saved is not
worth that CPU. Uvicorn allows 16 MiB per WebSocket message: a client could make the
worker buffer that much; over the cap the server closes the socket with 1009.

**Even shares.** Gunicorn's workers all accept from one listening socket, and
whichever worker wakes first takes what is waiting: when many connections arrive at
once (a load balancer opening its pool, every player view reconnecting after a
deploy), one worker could take most of them. Connections here are long-lived
(keep-alive, WebSockets), so that worker then does most of the work on one core while
the others idle: measured with ``bench/http_bench.py`` (64 connections, 3 workers),
splits such as 56/4/4 and 40/14/10, and the action's p99 followed the largest share
(260 ms at 25/23/16, 671 ms at 40/14/10). Here each worker publishes how many
connections it holds in a small table shared by the workers of one Gunicorn master
(:class:`Shares`), and accepts one connection at a time, stepping back for a
moment while another live worker holds fewer (:class:`EvenAcceptor`). A worker that
keeps stepping back for :data:`MAX_STEPS_BACK` rounds accepts anyway, so a peer that
is stuck or slow to wake never leaves a connection waiting long.
"""

from __future__ import annotations

import asyncio
import logging
import mmap
import socket
import sys
import time
from array import array
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker as _UvicornWorker

from app.config import get_settings

log = logging.getLogger(__name__)

# A worker's slot is its Gunicorn age (a count of workers started) modulo SLOTS: two
# live workers share a slot only if 64 others were started in between, and then the
# shares are merely less even.
SLOTS = 64
# Each slot: the worker's connections, and when it last wrote them (monotonic ms, which
# every process on the machine reads from the same clock; 0: never, or cleared).
_FIELDS = 2
HEARTBEAT_S = 0.25  # how often a worker republishes its count
STALE_MS = 2_000  # a slot not written for this long is a worker that is gone
STEP_BACK_S = 0.002  # how long a worker ahead of the others leaves the socket alone
MAX_STEPS_BACK = 10  # then it accepts anyway: 20 ms at most per connection
SLACK = 1  # a worker may hold this many more than the fewest before stepping back


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class Shares:
    """Each worker's open connections, in an anonymous shared mapping made by the
    Gunicorn master before it forks: every worker sees the same table. A slot has one
    writer (its worker; the master only when it hands the slot out), so no locks."""

    def __init__(self) -> None:
        self._map = mmap.mmap(-1, SLOTS * _FIELDS * 8)
        self._table = memoryview(self._map).cast("q")

    def clear(self, slot: int) -> None:
        """The slot no longer counts: in the master, for the worker about to be forked
        into it (whatever a worker before it left there); in a worker, as it stops
        accepting."""
        base = slot * _FIELDS
        self._table[base : base + _FIELDS] = memoryview(array("q", [0] * _FIELDS))

    def publish(self, slot: int, connections: int) -> None:
        base = slot * _FIELDS
        self._table[base] = connections
        self._table[base + 1] = _now_ms()

    def _live(self, but: int | None = None) -> list[int]:
        """The connections of every worker that wrote its slot lately (but ``but``)."""
        now = _now_ms()
        table = self._table
        return [
            table[base]
            for slot, base in enumerate(range(0, SLOTS * _FIELDS, _FIELDS))
            if slot != but and now - table[base + 1] <= STALE_MS
        ]

    def fewest_elsewhere(self, slot: int) -> int | None:
        """The fewest connections any other live worker holds; None when it is alone."""
        return min(self._live(but=slot), default=None)

    def counts(self) -> list[int]:
        """Every live worker's connections (for tests and diagnostics)."""
        return self._live()


class EvenAcceptor:
    """Accepts from the shared listening sockets one connection at a time, handing
    each to Uvicorn's protocol, and steps back while this worker holds more than
    :data:`SLACK` connections over the fewest another live worker holds."""

    def __init__(
        self,
        server: Server,
        listeners: list[socket.socket],
        shares: Shares,
        slot: int,
    ) -> None:
        self.server = server
        self.listeners = listeners
        self.shares = shares
        self.slot = slot
        self.loop = asyncio.get_running_loop()
        self._opening = 0  # accepted, protocol not yet attached
        self._steps_back = 0
        self._watching = False
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._beat: asyncio.TimerHandle | None = None

    def held(self) -> int:
        return len(self.server.server_state.connections) + self._opening

    def start(self) -> None:
        for sock in self.listeners:
            sock.setblocking(False)  # a peer may take what woke us: never wait in accept
        self._watch()
        self._heartbeat()

    def close(self) -> None:
        """Stop accepting (the start of a graceful shutdown); the table forgets us, so
        that no peer leaves a connection for us."""
        self._closed = True
        self._unwatch()
        if self._beat is not None:
            self._beat.cancel()
        self.shares.clear(self.slot)

    def _heartbeat(self) -> None:
        self.shares.publish(self.slot, self.held())
        self._beat = self.loop.call_later(HEARTBEAT_S, self._heartbeat)

    def _watch(self) -> None:
        if self._closed or self._watching:
            return
        for sock in self.listeners:
            self.loop.add_reader(sock.fileno(), self._ready, sock)
        self._watching = True

    def _unwatch(self) -> None:
        if not self._watching:
            return
        for sock in self.listeners:
            self.loop.remove_reader(sock.fileno())
        self._watching = False

    def _ready(self, listener: socket.socket) -> None:
        held = self.held()
        fewest = self.shares.fewest_elsewhere(self.slot)
        if fewest is not None and held > fewest + SLACK and self._steps_back < MAX_STEPS_BACK:
            # Another worker holds fewer: leave this connection to it for a moment.
            self._steps_back += 1
            self._unwatch()
            self.loop.call_later(STEP_BACK_S, self._watch)
            return
        try:
            conn, _ = listener.accept()
        except (BlockingIOError, InterruptedError):
            self._steps_back = 0  # another worker took it: the stepping back worked
            return
        except OSError as exc:
            # Out of descriptors or memory: the connection stays queued; try again soon.
            log.warning("accept failed: %s", exc)
            self._unwatch()
            self.loop.call_later(0.1, self._watch)
            return
        self._steps_back = 0
        conn.setblocking(False)
        self._opening += 1
        self.shares.publish(self.slot, self.held())
        task = self.loop.create_task(self._open(conn))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open(self, conn: socket.socket) -> None:
        config = self.server.config
        try:
            await self.loop.connect_accepted_socket(self._protocol, conn, ssl=config.ssl)
        except OSError as exc:  # the client went away before it began (or the TLS handshake failed)
            log.debug("connection dropped while opening: %s", exc)
            conn.close()
        finally:
            self._opening -= 1

    def _protocol(self) -> asyncio.Protocol:
        # As uvicorn.Server.startup builds it for the sockets it listens on itself.
        config = self.server.config
        return config.http_protocol_class(  # type: ignore[call-arg]
            config=config,
            server_state=self.server.server_state,
            app_state=self.server.lifespan.state,
            _loop=self.loop,
        )


class EvenServer(Server):
    """Uvicorn's server, with the listening sockets accepted by :class:`EvenAcceptor`
    instead of ``loop.create_server``: the lifespan, the protocols, the connection and
    task bookkeeping and the graceful shutdown stay Uvicorn's."""

    def __init__(self, config: Any, shares: Shares, slot: int) -> None:
        super().__init__(config=config)
        self.shares = shares
        self.slot = slot
        self.acceptor: EvenAcceptor | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the lifespan; no listeners of its own
        if self.started and sockets:
            self.acceptor = EvenAcceptor(self, sockets, self.shares, self.slot)
            self.acceptor.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.acceptor is not None:
            self.acceptor.close()
        await super().shutdown(sockets=sockets)


class UvicornWorker(_UvicornWorker):  # type: ignore[misc]  # untyped base
    CONFIG_KWARGS: dict[str, Any] = {
        **_UvicornWorker.CONFIG_KWARGS,
        "ws_per_message_deflate": False,
    }
    # Made in the master with the first worker, before it forks: shared by all of them.
    shares: Shares | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # in the master, before the fork
        self.config.ws_max_size = get_settings().ws_max_message_bytes
        if UvicornWorker.shares is None:
            UvicornWorker.shares = Shares()
        self.slot = self.age % SLOTS
        UvicornWorker.shares.clear(self.slot)

    async def _serve(self) -> None:
        # uvicorn_worker's, with EvenServer for Server.
        assert self.shares is not None
        self.config.app = self.wsgi
        server = EvenServer(self.config, self.shares, self.slot)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
