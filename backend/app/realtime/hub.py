"""Each worker's fan-out: encounters with live subscribers, and their sockets.

A :class:`Channel` per encounter that has subscribers in this worker remembers the
last version it delivered. A notification only wakes it (so a burst is coalesced);
its task then reads the encounter once, under the channel's lock, and if the row is
more than one version ahead (notifications reordered or coalesced across workers, or
missed while the listener reconnected) fills the gap from the log (at most
:data:`GAP_FILL` versions; further behind, everyone gets a snapshot), so every
subscriber gets every version once, in order. Each version is serialised once per
audience (:class:`Frame`) and the same string is queued on every socket of that
audience. The players get only the versions whose change they saw, numbered by their
link's own sequence (:mod:`app.realtime.frames`).

Joining never waits for the lock, except on a channel's very first load: the catch-up
and the registration happen in one step of the event loop, with no ``await`` between,
so nothing the channel broadcasts can fall between them. The catch-up is a snapshot,
or a replay of the versions after ``since`` taken from the channel's memory of its
last :data:`REPLAY_FRAMES` frames (no more than :data:`REPLAY_BYTES` of them, and the
worker's channels together no more than :data:`REPLAY_BUDGET`: past it the oldest go,
whichever encounter they belong to), never rebuilt from the log. A replay is served only
if it costs no more than a snapshot: every frame it needs is in memory and at most one
of them still has to be serialised for the audience (a snapshot costs one); and only
:data:`REPLAY_BURST` replays per link (players) or user (DMs) in a row, refilled one
per :data:`REPLAY_REFILL_SECONDS`, per worker. Anything else gets the snapshot.

Each :class:`Subscriber` has a bounded queue drained by its own sender task; nobody ever
waits for a slow socket. While a socket keeps up, its queue is empty and a message is
written to it directly by the broadcast (one pass over the sockets, no task woken per
socket); only a send that finds the socket's buffer full is left to its task. A socket
whose queue fills (:data:`SEND_QUEUE` messages or :data:`MAX_BACKLOG_BYTES`) is resynced
(queue cleared, a fresh snapshot queued); if it sent nothing since its last resync, or
one send has not finished after :data:`STALL_SECONDS`, its connection is aborted (no
close frame queued behind the data it is not reading), its queue freed.

Metrics: ``websocket_connections_open{audience}`` counts open sockets;
``encounter_events_broadcast_total{audience}`` counts messages queued to sockets
(one per socket per frame, snapshots of resyncs included);
``websocket_dropped_total{audience,reason}`` counts sockets aborted for being stalled
(``stalled``: a send stuck; ``backlog``: its queue overflowed twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.websockets import WebSocket

from app.config import Database
from app.observability import metrics
from app.observability.logging import get_logger
from app.realtime import publish
from app.realtime import repository as repo
from app.realtime.frames import AUDIENCES, PING, Audience, Frame
from app.realtime.listener import Batched, Listener, NotConnected
from app.realtime.publish import Change, Notice, Revocation
from app.realtime.transport import RedisFanout

log = get_logger("app.realtime")
T = TypeVar("T")

SEND_QUEUE = 100  # messages queued on one socket before it is resynced
MAX_BACKLOG_BYTES = 4 * 1024 * 1024  # bytes queued on one socket, likewise
STALL_SECONDS = 10.0  # one send unfinished this long: the connection is aborted
GAP_FILL = 64  # versions a channel rebuilds from the log to fill a gap
REPLAY_FRAMES = 64  # frames a channel keeps in memory for replays, at most ...
REPLAY_BYTES = 4 * 1024 * 1024  # ... and no more than this much text beyond the newest
REPLAY_BUDGET = 32 * 1024 * 1024  # text all of a worker's replay buffers hold, at most
REPLAY_BURST = 5  # replays per link or user in a row (per worker) ...
REPLAY_REFILL_SECONDS = 2.0  # ... then one more per this many seconds
PING_SECONDS = 20.0
SEND_TIMEOUT = 10.0  # a close handshake gets this long
WATCH_SECONDS = 2.0
REVOCATION_MEMORY = 60.0  # seconds a worker remembers a revocation for joining sockets

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN = 1013
CLOSE_TOKEN_REVOKED = 4403
CLOSE_GONE = 4404


class Rejected(Exception):
    """A socket the hub will not serve; ``code`` is its WebSocket close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Subscriber:
    """One open socket: a bounded queue of pre-serialised messages and a sender task.

    A message pushed while the socket is idle (nothing queued, no send in flight) is
    sent on the spot, in the pusher's own step: a send only waits when the socket's
    write buffer is full, so for a client that keeps up this is a plain write, without
    waking a task per socket per version. If the send does have to wait, it is handed,
    half done, to the sender task, which finishes it and then drains the queue, so the
    pusher (the channel, broadcasting to everyone) never waits for one socket.
    """

    def __init__(
        self,
        websocket: WebSocket,
        audience: Audience,
        *,
        token_hash: str | None = None,
        user_id: str | None = None,
        generation: int | None = None,
        authorized_at: float | None = None,
    ) -> None:
        self.websocket = websocket
        self.audience: Audience = audience
        self.token_hash = token_hash  # players: the link's
        self.user_id = user_id  # DMs: whose socket it is
        self.generation = generation  # DMs: their token generation when it opened
        # When its rights were checked (the event loop's clock): a revocation heard
        # after that and before it joined still applies to it.
        self.authorized_at = (
            asyncio.get_running_loop().time() if authorized_at is None else authorized_at
        )
        self.version = -1  # the last version queued
        self.limit = SEND_QUEUE
        self.sent = 0
        self.sent_at_resync = -1
        self.sending_since: float | None = None
        self.closed = asyncio.Event()
        self._pending: deque[str] = deque()
        self._pending_bytes = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._sending = False  # a send is in flight (the task's, or a waiting direct one)
        self._waiting: tuple[Coroutine[Any, Any, None], Any] | None = None

    @property
    def backlog(self) -> int:
        return len(self._pending)

    @property
    def backlog_bytes(self) -> int:
        return self._pending_bytes

    def full(self) -> bool:
        return len(self._pending) >= self.limit or self._pending_bytes >= MAX_BACKLOG_BYTES

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def push(self, text: str) -> None:
        if self._pending or self._sending or self._task is None or self.closed.is_set():
            self._pending.append(text)
            self._pending_bytes += len(text)
            self._wakeup.set()
            return
        send = self.websocket.send_text(text)
        try:
            waiting = send.send(None)
        except StopIteration:
            self.sent += 1
            return
        except Exception:  # the peer went away; the endpoint cleans up
            self.closed.set()
            return
        # The socket's buffer is full: the sender task finishes this send.
        self._waiting = (send, waiting)
        self._sending = True
        self.sending_since = asyncio.get_running_loop().time()
        self._wakeup.set()

    def replace(self, text: str) -> None:
        self._pending.clear()
        self._pending_bytes = 0
        self.push(text)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        pending, wakeup, send = self._pending, self._wakeup, self.websocket.send_text
        try:
            while True:
                if self._waiting is not None:
                    coro, waiting = self._waiting
                    self._waiting = None
                    await _finish(coro, waiting)
                elif pending:
                    text = pending.popleft()
                    self._pending_bytes -= len(text)
                    self._sending = True
                    self.sending_since = loop.time()
                    await send(text)
                else:
                    wakeup.clear()
                    await wakeup.wait()
                    continue
                self._sending = False
                self.sending_since = None
                self.sent += 1
                if self.limit > SEND_QUEUE and len(pending) < SEND_QUEUE:
                    self.limit = SEND_QUEUE
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away mid-send; the endpoint cleans up
            self.closed.set()

    def kill(self, code: int, reason: str, *, abort: bool = False) -> None:
        """Stop sending and close the socket, without waiting for the peer: with a
        close frame, or (``abort``, for a peer that does not read) by dropping the
        connection at once, whatever is still buffered for it."""
        if self.closed.is_set() and self._task is None:
            return
        self.closed.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._waiting is not None:
            self._waiting[0].close()
            self._waiting = None
        self._pending.clear()
        self._pending_bytes = 0
        self.sending_since = None
        if abort and abort_connection(self.websocket):
            return
        _background(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(self.websocket.close(code, reason), SEND_TIMEOUT)
        except TimeoutError:
            # The close frame is stuck behind data the peer does not read.
            abort_connection(self.websocket)
        except Exception:  # noqa: S110  (already gone)
            pass


ABORT_KEY = "realtime.abort"


def remember_abort(scope: Any, send: Any) -> None:
    """Keep, in a WebSocket's scope, the way to abort its connection, which
    :func:`abort_connection` uses. Called by the outermost middleware
    (:class:`app.observability.middleware.ObservabilityMiddleware`).

    ASGI can only close a socket with a close frame, which is queued behind the data a
    stalled peer is not reading, so it never leaves. The server's ``send`` as it reaches
    the outermost middleware is bound to its connection (Uvicorn's protocol object); its
    transport is what :func:`abort_connection` aborts."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        scope[ABORT_KEY] = transport.abort


def abort_connection(websocket: WebSocket) -> bool:
    """Drop the socket's connection at once; False if the server gave no way to."""
    abort = websocket.scope.get(ABORT_KEY)
    if abort is None:
        return False
    with contextlib.suppress(Exception):
        abort()
    return True


async def _finish(coro: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Run ``coro``, stepped once by hand and now waiting on ``waiting`` (a future, or
    None for a bare yield), to its end in the calling task: what a task of its own would
    do (Python 3.12's eager tasks, by hand). Cancelling the caller cancels it.

    The future is waited for with :func:`asyncio.wait`, not awaited: awaiting it again
    would be a second ``await`` of a future its own coroutine is already suspended on."""
    while True:
        error: BaseException | None = None
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait((waiting,))
        except BaseException as exc:  # cancelled: the coroutine decides
            error = exc
        try:
            waiting = coro.send(None) if error is None else coro.throw(error)
        except StopIteration:
            return


_tasks: set[asyncio.Task[None]] = set()


def _background(coro: Any) -> None:
    task: asyncio.Task[None] = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


class Channel:
    """One encounter's subscribers in this worker and the last version they were sent."""

    def __init__(self, hub: Hub, encounter_id: str) -> None:
        self.hub = hub
        self.encounter_id = encounter_id
        self.frame: Frame | None = None
        self.campaign_id: str | None = None
        self.share_hash: str | None = None
        self.share_seq: int | None = None
        # The last frames delivered, consecutive versions up to ``frame``: replays.
        self.recent: deque[Frame] = deque(maxlen=REPLAY_FRAMES)
        self.subscribers: dict[Audience, set[Subscriber]] = {a: set() for a in AUDIENCES}
        self.lock = asyncio.Lock()
        self.joining = 0
        self._dirty = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"channel-{encounter_id}")

    def __len__(self) -> int:
        return sum(len(s) for s in self.subscribers.values())

    def poke(self, version: int | None) -> None:
        """A notification: ``version`` committed (None: something else changed)."""
        if version is not None and self.frame is not None and version <= self.frame.version:
            return
        self._dirty.set()

    def stop(self) -> None:
        self._task.cancel()

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                async with self.lock:
                    await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("realtime_refresh_failed", encounter_id=self.encounter_id)
                await asyncio.sleep(1.0)
                self._dirty.set()

    def link_seq(self, frame: Frame) -> int:
        """``frame``'s number in the current player-view link's own sequence."""
        return frame.player_seq - (self.share_seq or 0)

    async def refresh(self) -> None:
        """Bring every subscriber up to the stored version (call under ``lock``)."""
        head = await self.hub.head(self.encounter_id)
        if head is None:
            self.close_all(CLOSE_GONE, "encounter deleted")
            return
        self.campaign_id = head.campaign_id
        newest = Frame(
            version=head.version,
            state=head.state,
            campaign_id=head.campaign_id,
            event=head.event,
            player_seq=head.player_seq,
        )
        frames: list[Frame] = []
        current = self.frame
        if current is None or head.version - current.version > GAP_FILL:
            pass  # first load, or too far behind: a snapshot for everyone below
        elif head.version == current.version + 1:
            frames = [newest]
        elif head.version > current.version:
            async with self.hub.sessionmaker() as session:
                frames = await self._frames(session, current, newest)
        # Nothing awaits below: the sockets see the link change and the new frames at once.
        self._check_share(head.share_token_hash, head.share_seq)
        if current is not None and head.version < current.version:
            return
        if current is None or (not frames and head.version != current.version):
            self.frame = newest
            self.recent.clear()
            self.recent.append(newest)
            if current is not None:
                self._resync_all()
            return
        for frame in frames:
            self._broadcast(frame, newest)
            self.recent.append(frame)
        if frames:
            self.frame = newest
            # Only the newest frame keeps its parsed state (snapshots are made from it).
            older = [current, *frames[:-1]]
            for frame in older:
                frame.compact()
            self.hub.keep(self, older)
            self._trim_recent()

    def _trim_recent(self) -> None:
        """Forget the oldest frames beyond :data:`REPLAY_BYTES` (the newest stays)."""
        held = sum(f.size() for f in self.recent)
        while len(self.recent) > 1 and held > REPLAY_BYTES:
            held -= self.recent.popleft().size()

    async def _frames(self, session: AsyncSession, current: Frame, newest: Frame) -> list[Frame]:
        """Versions after ``current`` up to ``newest`` rebuilt from the log: the state
        after event k is the ``state_before`` of event k+1 (the newest's is the row's).
        Empty if the log does not have them all."""
        after = current.version
        rows = await repo.events_between(
            session, self.encounter_id, after=after, upto=newest.version
        )
        if [e.seq for e, _ in rows] != list(range(after + 1, newest.version + 1)):
            return []
        frames = []
        player_seq = current.player_seq
        for i, (event, _before) in enumerate(rows[:-1]):
            state = rows[i + 1][1]
            if state is None:
                return []
            if event.player_seq is not None:
                player_seq = event.player_seq
            frames.append(
                Frame(
                    version=event.seq,
                    state=state,
                    campaign_id=newest.campaign_id,
                    event=event,
                    player_seq=player_seq,
                )
            )
        frames.append(newest)
        return frames

    def _broadcast(self, frame: Frame, newest: Frame) -> None:
        for audience in AUDIENCES:
            subscribers = self.subscribers[audience]
            if not subscribers:
                continue
            if audience == "dm":
                text = frame.event_message("dm")
            elif frame.seen and self.share_seq is not None and frame.player_seq > self.share_seq:
                text = frame.event_message("player", self.link_seq(frame))
            else:
                # The players saw no change: no frame, nothing to count or time.
                for sub in subscribers:
                    sub.version = max(sub.version, frame.version)
                continue
            version = frame.version
            sent = 0
            for sub in list(subscribers):
                if version <= sub.version:
                    continue  # it joined with this one already
                if sub.full():
                    self._resync(sub, newest)
                    continue
                sub.push(text)
                sub.version = version
                sent += 1
            metrics.EVENTS_BROADCAST.labels(audience=audience).inc(sent)

    def snapshot(self, audience: Audience) -> str:
        assert self.frame is not None
        if audience == "dm":
            return self.frame.snapshot("dm")
        return self.frame.snapshot("player", self.link_seq(self.frame))

    def _resync(self, sub: Subscriber, newest: Frame) -> None:
        if sub.sent == sub.sent_at_resync:
            self.drop(sub, CLOSE_TRY_AGAIN, "too slow", abort="backlog")
            return
        sub.sent_at_resync = sub.sent
        sub.replace(_snapshot(self, newest, sub.audience))
        sub.version = newest.version
        metrics.EVENTS_BROADCAST.labels(audience=sub.audience).inc()

    def _resync_all(self) -> None:
        for audience in AUDIENCES:
            for sub in list(self.subscribers[audience]):
                sub.replace(self.snapshot(audience))
                sub.version = -1 if self.frame is None else self.frame.version
                metrics.EVENTS_BROADCAST.labels(audience=audience).inc()

    def _check_share(self, share_hash: str | None, share_seq: int | None) -> None:
        if share_hash == self.share_hash and share_seq == self.share_seq:
            return
        self.share_hash = share_hash
        self.share_seq = share_seq
        for sub in list(self.subscribers["player"]):
            if sub.token_hash != share_hash:
                self.drop(sub, CLOSE_TOKEN_REVOKED, "player view link revoked")

    def drop(self, sub: Subscriber, code: int, reason: str, *, abort: str | None = None) -> None:
        """Close ``sub``; ``abort`` (the reason counted) drops its connection instead."""
        self.subscribers[sub.audience].discard(sub)
        if abort is not None:
            metrics.WEBSOCKETS_DROPPED.labels(audience=sub.audience, reason=abort).inc()
        sub.kill(code, reason, abort=abort is not None)

    def close_all(self, code: int, reason: str) -> None:
        for audience in AUDIENCES:
            for sub in list(self.subscribers[audience]):
                self.drop(sub, code, reason)

    def revoke(self, revocation: Revocation) -> None:
        """Close the sockets ``revocation`` covers."""
        for audience in AUDIENCES:
            for sub in list(self.subscribers[audience]):
                closed = _closed_by(revocation, self, sub)
                if closed is not None:
                    self.drop(sub, *closed)

    def catch_up(self, sub: Subscriber, since: int | None) -> list[str]:
        """What a joining socket is sent first (synchronous: see the module docstring).
        ``since`` is a version for the DM, the link's ``seq`` for the players."""
        assert self.frame is not None
        frame, audience = self.frame, sub.audience
        position = frame.version if audience == "dm" else self.link_seq(frame)
        if since is None or since < 0 or since > position:
            return [self.snapshot(audience)]
        if since == position:
            return []
        first = self.recent[0]
        if audience == "dm":
            wanted = [f for f in self.recent if f.version > since]
            covered = first.version <= since + 1
        else:
            # Only frames after the link was made: their player_seq is past its start.
            floor = (self.share_seq or 0) + since
            wanted = [f for f in self.recent if f.seen and f.player_seq > floor]
            covered = first.player_seq - int(first.seen) <= floor
        key = f"{audience}:{sub.token_hash if audience == 'player' else sub.user_id}"
        if not covered or not self.hub.replay_allowed(key, self._replay_cost(wanted, audience)):
            return [self.snapshot(audience)]
        if audience == "dm":
            return [f.event_message("dm") for f in wanted]
        return [f.event_message("player", self.link_seq(f)) for f in wanted]

    def _replay_cost(self, frames: list[Frame], audience: Audience) -> int:
        """Serialisations a replay of ``frames`` needs (a snapshot needs one at most);
        more than any budget allows if a frame can no longer make its message."""
        needed = [(f, 0 if audience == "dm" else self.link_seq(f)) for f in frames]
        if not all(f.renders(audience, seq) for f, seq in needed):
            return sys.maxsize
        return sum(not f.cached(audience, seq) for f, seq in needed)


def _snapshot(channel: Channel, frame: Frame, audience: Audience) -> str:
    if audience == "dm":
        return frame.snapshot("dm")
    return frame.snapshot("player", channel.link_seq(frame))


def _closed_by(revocation: Revocation, channel: Channel, sub: Subscriber) -> tuple[int, str] | None:
    """(close code, reason) if ``revocation`` covers ``sub`` on ``channel``, else None."""
    kind = revocation.kind
    if kind == "encounter":
        if revocation.encounter_id == channel.encounter_id:
            return CLOSE_GONE, "encounter deleted"
    elif kind == "campaign":
        if revocation.campaign_id is not None and revocation.campaign_id == channel.campaign_id:
            return CLOSE_GONE, "campaign deleted"
    elif sub.audience == "dm" and sub.user_id is not None and sub.user_id == revocation.user_id:
        if kind == "user":
            return CLOSE_TOKEN_REVOKED, "signed out"
        if revocation.campaign_id is not None and revocation.campaign_id == channel.campaign_id:
            return CLOSE_TOKEN_REVOKED, "no longer a DM of this campaign"
    return None


def _stale_for(channel: Channel, sub: Subscriber) -> bool:
    """Whether ``channel`` must reread its encounter before ``sub`` joins: never loaded,
    or (players) a link other than the one it knows, or a frame older than its link."""
    if channel.frame is None:
        return True
    if sub.audience != "player":
        return False
    return sub.token_hash != channel.share_hash or channel.link_seq(channel.frame) < 0


def _nothing() -> None:
    pass


async def _linked(session: AsyncSession, token_hash: str) -> str | None:
    found = await repo.by_share_hash(session, token_hash)
    return None if found is None else found[0]


def _ignore(_payload: str) -> None:
    pass


class Hub:
    """This worker's channels, its LISTEN connection (PostgreSQL) and its watchdog.

    With ``redis_url`` the notices travel over Redis pub/sub instead of NOTIFY
    (:mod:`app.realtime.transport`); the direct connection is still opened on PostgreSQL,
    for the hub's reads."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        database: Database,
        redis_url: str | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.database = database
        self.redis_url = redis_url
        self.channels: dict[str, Channel] = {}
        self._revocations: deque[tuple[float, Revocation]] = deque()
        self._replays: dict[str, tuple[float, float]] = {}  # key: (tokens, as of)
        # Frames kept for replays, oldest first, with their size: REPLAY_BUDGET in all.
        self._kept: deque[tuple[Channel, Frame, int]] = deque()
        self._kept_bytes = 0
        self._listener: Listener | None = None
        self._heads: Batched[str, repo.Head] | None = None
        self._links: Batched[str, str] | None = None
        self._fanout: RedisFanout | None = None
        self._watchdog: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.redis_url:
            self._fanout = RedisFanout(
                self.redis_url, on_payload=self._on_payload, on_connected=self._reconnected
            )
        publish.install(self.sessionmaker, self, sender=self._fanout)
        if self.database.listen_dsn is not None:  # PostgreSQL
            notify = self._fanout is None  # else the connection only reads
            self._listener = Listener(
                self.database.listen_dsn,
                on_payload=self._on_payload if notify else _ignore,
                on_connected=self._reconnected if notify else _nothing,
            )
            self._heads = Batched(self._listener, repo.heads_on)
            self._links = Batched(self._listener, repo.links_on)
            await self._listener.start()
        if self._fanout is not None:
            await self._fanout.start()
        self._watchdog = asyncio.create_task(self._watch(), name="realtime-watchdog")

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        for batched in (self._heads, self._links):
            if batched is not None:
                batched.stop()
        if self._listener is not None:
            await self._listener.stop()
        if self._fanout is not None:
            await self._fanout.stop()
        for channel in list(self.channels.values()):
            channel.stop()
            channel.close_all(CLOSE_GOING_AWAY, "server shutting down")
        self.channels.clear()
        if _tasks:
            await asyncio.wait(set(_tasks), timeout=2)

    # --- notifications ------------------------------------------------------------------

    async def head(self, encounter_id: str) -> repo.Head | None:
        """The encounter's current row: on the LISTEN connection when there is one
        (PostgreSQL, see :func:`app.realtime.repository.heads_on`), in one query with every
        other encounter asked for meanwhile, else (SQLite, or the listener reconnecting)
        through a session."""
        return await self._read(
            self._heads, encounter_id, partial(repo.head, encounter_id=encounter_id)
        )

    async def linked_encounter(self, token_hash: str) -> str | None:
        """The encounter a player-view link opens (by its token's hash), read as
        :meth:`head` reads. Every player join asks, so a crowd joining costs a shared
        round trip, not a session each."""
        return await self._read(self._links, token_hash, partial(_linked, token_hash=token_hash))

    async def _read(
        self,
        batched: Batched[str, T] | None,
        key: str,
        through_session: Callable[[AsyncSession], Awaitable[T | None]],
    ) -> T | None:
        if batched is not None:
            try:
                return await batched.get(key)
            except NotConnected:
                pass
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("realtime_read_failed", error=f"{type(exc).__name__}: {exc}")
        async with self.sessionmaker() as session:
            return await through_session(session)

    def _on_payload(self, payload: str) -> None:
        notice = publish.parse(payload)
        if notice is not None:
            self.deliver(notice)

    def deliver(self, notice: Notice) -> None:
        """A notice from the LISTEN connection or (SQLite) from a committed session."""
        if isinstance(notice, Change):
            self.notify(notice.encounter_id, notice.version)
        else:
            self.revoke(notice)

    def revoke(self, revocation: Revocation) -> None:
        """Close every socket of this worker that ``revocation`` covers, and remember it
        a while for sockets that are joining (their rights may predate it)."""
        now = asyncio.get_running_loop().time()
        self._revocations.append((now, revocation))
        while self._revocations and now - self._revocations[0][0] > REVOCATION_MEMORY:
            self._revocations.popleft()
        for channel in list(self.channels.values()):
            channel.revoke(revocation)

    def notify(self, encounter_id: str, version: int | None) -> None:
        channel = self.channels.get(encounter_id)
        if channel is not None:
            channel.poke(version)

    def resync(self) -> None:
        """After the listener was deaf: every channel rereads its encounter."""
        for channel in self.channels.values():
            channel.poke(None)

    def _reconnected(self) -> None:
        """The listener (re)connected: what it missed while deaf is reread, the
        encounters (:meth:`resync`) and the DMs' rights (revocations are not queued)."""
        self.resync()
        if any(channel.subscribers["dm"] for channel in self.channels.values()):
            _background(self.recheck_rights())

    async def recheck_rights(self) -> None:
        """Close every DM socket whose user no longer DMs the encounter's campaign, or
        whose tokens were revoked (signed out everywhere, account deleted)."""
        for channel in list(self.channels.values()):
            dms = list(channel.subscribers["dm"])
            if not dms or channel.campaign_id is None:
                continue
            async with self.sessionmaker() as session:
                allowed = await repo.dm_ids(session, channel.campaign_id)
                generations = await repo.token_generations(
                    session, {s.user_id for s in dms if s.user_id is not None}
                )
            for sub in dms:
                if sub.user_id not in allowed:
                    channel.drop(sub, CLOSE_TOKEN_REVOKED, "no longer a DM of this campaign")
                elif sub.generation is not None and (
                    generations.get(sub.user_id or "") != sub.generation
                ):
                    channel.drop(sub, CLOSE_TOKEN_REVOKED, "signed out")

    def keep(self, channel: Channel, frames: list[Frame]) -> None:
        """Count ``frames`` (no longer the newest: kept by ``channel`` for replays, as
        text) against :data:`REPLAY_BUDGET`. Past it, this worker's oldest kept frames
        leave their channels' buffers, whichever encounters they belong to, so its
        memory levels off however many encounters it serves (a replay that would need
        a frame gone gets a snapshot)."""
        for frame in frames:
            size = frame.size()
            self._kept.append((channel, frame, size))
            self._kept_bytes += size
        while self._kept_bytes > REPLAY_BUDGET and self._kept:
            owner, frame, size = self._kept.popleft()
            self._kept_bytes -= size
            recent = owner.recent
            if len(recent) > 1 and recent[0] is frame:  # (else it left already)
                recent.popleft()

    # --- sockets ------------------------------------------------------------------------

    def replay_allowed(self, key: str, cost: int) -> bool:
        """Whether a replay costing ``cost`` serialisations may be served to ``key`` (a
        link or a user): no more than a snapshot's one, and within the key's budget of
        :data:`REPLAY_BURST`, refilled one per :data:`REPLAY_REFILL_SECONDS`."""
        if cost > 1:
            return False
        now = asyncio.get_running_loop().time()
        tokens, at = self._replays.get(key, (float(REPLAY_BURST), now))
        tokens = min(float(REPLAY_BURST), tokens + (now - at) / REPLAY_REFILL_SECONDS)
        if tokens < 1:
            self._replays[key] = (tokens, now)
            return False
        if len(self._replays) > 10_000:  # forget the full buckets (they are the default)
            horizon = REPLAY_BURST * REPLAY_REFILL_SECONDS
            self._replays = {k: v for k, v in self._replays.items() if now - v[1] < horizon}
        self._replays[key] = (tokens - 1, now)
        return True

    async def subscribe(
        self, encounter_id: str, subscriber: Subscriber, *, since: int | None
    ) -> None:
        """Start streaming to an accepted socket: its catch-up, then every change.
        Raises :class:`Rejected` (the socket should be closed with its code)."""
        channel = self.channels.get(encounter_id)
        if channel is None:
            channel = self.channels[encounter_id] = Channel(self, encounter_id)
        channel.joining += 1
        try:
            if _stale_for(channel, subscriber):
                # First load, or a link this channel has not heard of yet.
                async with channel.lock:
                    if _stale_for(channel, subscriber):
                        await channel.refresh()
            # From here to the end, nothing awaits: no frame can slip past the join.
            if channel.frame is None:
                raise Rejected(CLOSE_GONE, "encounter deleted")
            if subscriber.audience == "player" and subscriber.token_hash != channel.share_hash:
                raise Rejected(CLOSE_TOKEN_REVOKED, "player view link revoked")
            for heard, revocation in self._revocations:
                closed = _closed_by(revocation, channel, subscriber)
                if heard >= subscriber.authorized_at and closed is not None:
                    raise Rejected(*closed)
            first = channel.catch_up(subscriber, since)
            for text in first:
                subscriber.push(text)
            subscriber.limit = SEND_QUEUE + len(first)
            subscriber.version = channel.frame.version
            channel.subscribers[subscriber.audience].add(subscriber)
            subscriber.start()
            metrics.EVENTS_BROADCAST.labels(audience=subscriber.audience).inc(len(first))
        finally:
            channel.joining -= 1
            self._forget_if_idle(channel)

    def unsubscribe(self, encounter_id: str, subscriber: Subscriber) -> None:
        subscriber.kill(CLOSE_GOING_AWAY, "")
        channel = self.channels.get(encounter_id)
        if channel is not None:
            channel.subscribers[subscriber.audience].discard(subscriber)
            self._forget_if_idle(channel)

    def _forget_if_idle(self, channel: Channel) -> None:
        if not len(channel) and not channel.joining:
            channel.stop()
            if self.channels.get(channel.encounter_id) is channel:
                del self.channels[channel.encounter_id]

    async def _watch(self) -> None:
        """Abort sockets stuck in one send; ping quiet ones so dead peers surface."""
        loop = asyncio.get_running_loop()
        last_ping = loop.time()
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            now = loop.time()
            ping = now - last_ping >= PING_SECONDS
            if ping:
                last_ping = now
            for channel in list(self.channels.values()):
                for audience in AUDIENCES:
                    for sub in list(channel.subscribers[audience]):
                        if (
                            sub.sending_since is not None
                            and now - sub.sending_since > STALL_SECONDS
                        ):
                            channel.drop(sub, CLOSE_TRY_AGAIN, "stalled", abort="stalled")
                        elif ping and not sub.backlog:
                            sub.push(PING)
