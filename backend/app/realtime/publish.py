"""Announcing a committed change to every live subscriber: one :class:`Publisher`.

Every announcement goes through the session's publisher (:func:`publisher`), called
inside the transaction that makes the change; none reaches anyone unless and until
that transaction commits. How it travels is the publisher's business alone:

- PostgreSQL without ``REDIS_URL``: a ``pg_notify`` on :data:`CHANNEL`, sent inside
  the transaction, which PostgreSQL delivers to every listening worker when it commits
  and drops if it rolls back. A writer may carry it in its own statement
  (:meth:`Publisher.notice`, :meth:`Publisher.driver_notice` for a writer on the
  driver's own connection: the action path's one round trip).
- ``REDIS_URL``: the session keeps the notice and, after its commit, hands it to the
  :class:`Sender` (the Redis transport, :mod:`app.realtime.transport`), which publishes
  it to every worker.
- SQLite (one worker): the session keeps the notice and hands it to the in-process hub
  after its commit.

:func:`install` gives a sessionmaker's sessions the hub's publisher; a session without
one (a script, a test's own sessionmaker) still notifies on PostgreSQL.

The payload is small JSON:

- ``{"e": encounter_id, "v": version}``: a new version;
- ``{"e": encounter_id, "s": 1}``: the player-view token changed (rotated or revoked);
- ``{"r": kind, ...}``: a revocation (:mod:`app.realtime.revocation`): ``"user"`` with
  ``"u"``, ``"member"`` with ``"c"`` and ``"u"``, ``"campaign"`` with ``"c"``,
  ``"encounter"`` with ``"e"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

CHANNEL = "encounter_changes"
_PENDING_KEY = "realtime.pending"

RevocationKind = Literal["user", "member", "campaign", "encounter"]
REVOCATION_KINDS: frozenset[str] = frozenset({"user", "member", "campaign", "encounter"})


@dataclass(frozen=True, slots=True)
class Change:
    """An encounter changed: ``version`` committed (None: its player-view link)."""

    encounter_id: str
    version: int | None


@dataclass(frozen=True, slots=True)
class Revocation:
    """Rights were taken away: the sockets they covered must close."""

    kind: RevocationKind
    user_id: str | None = None
    campaign_id: str | None = None
    encounter_id: str | None = None


Notice = Change | Revocation


class Notifiable(Protocol):
    def deliver(self, notice: Notice) -> None: ...


class Sender(Protocol):
    """A transport that publishes after commit (:mod:`app.realtime.transport`)."""

    def send(self, payload: str) -> None: ...


class Publisher:
    """The one way this process announces a change (see the module's docstring):
    ``sender`` publishes after commit (Redis), else ``hub`` takes notices in-process
    after commit (SQLite), else (PostgreSQL) ``pg_notify`` inside the transaction."""

    __slots__ = ("hub", "sender")

    def __init__(self, hub: Notifiable | None = None, sender: Sender | None = None) -> None:
        self.hub = hub
        self.sender = sender

    def _notifies(self, session: AsyncSession) -> bool:
        return self.sender is None and session.get_bind().dialect.name == "postgresql"

    def notice(self, session: AsyncSession, payload: dict[str, Any]) -> tuple[str, str] | None:
        """Announce ``payload``, for a writer that can send a ``pg_notify`` in its own
        statement: (channel, payload) when it must (NOTIFY), else None (the notice
        waits for the commit)."""
        if self._notifies(session):
            return CHANNEL, _dumps(payload)
        self._keep(session, payload)
        return None

    def driver_notice(self, payload: dict[str, Any]) -> tuple[str, str] | None:
        """:meth:`notice` for a writer on the driver's own connection (PostgreSQL, no
        session: app.db.Store.driver): (channel, payload) for its ``pg_notify``, or None
        when a sender publishes instead; the writer then hands the payload to
        :meth:`committed` once its transaction has committed, and drops it if not."""
        if self.sender is None:
            return CHANNEL, _dumps(payload)
        return None

    async def announce(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        """Announce ``payload`` (delivered when the transaction commits)."""
        if self._notifies(session):
            await session.execute(select(func.pg_notify(CHANNEL, _dumps(payload))))
        else:
            self._keep(session, payload)

    def _keep(self, session: AsyncSession, payload: dict[str, Any]) -> None:
        if self.sender is None and self.hub is None:
            return
        if not session.in_transaction():
            # Kept for a transaction of its own (no I/O until a statement runs), so
            # that a rollback before any statement still forgets it.
            session.sync_session.begin()
        session.info.setdefault(_PENDING_KEY, []).append(payload)

    def committed(self, pending: list[dict[str, Any]]) -> None:
        """Hand on what a committed transaction announced."""
        if self.sender is not None:
            for payload in pending:
                self.sender.send(_dumps(payload))
        elif self.hub is not None:
            for payload in pending:
                notice = decode(payload)
                if notice is not None:
                    self.hub.deliver(notice)


_PUBLISHER_KEY = "realtime.publisher"
_NOTIFY_ONLY = Publisher()


def publisher(session: AsyncSession) -> Publisher:
    """The session's publisher (:func:`install`); without one, NOTIFY on PostgreSQL."""
    found: Publisher | None = session.info.get(_PUBLISHER_KEY)
    return _NOTIFY_ONLY if found is None else found


def installed(sessionmaker: async_sessionmaker[AsyncSession]) -> Publisher:
    """The publisher :func:`install` gave ``sessionmaker``'s sessions (without one,
    NOTIFY on PostgreSQL), for writers that use no session."""
    found: Publisher | None = sessionmaker.kw.get("info", {}).get(_PUBLISHER_KEY)
    return _NOTIFY_ONLY if found is None else found


def change_payload(encounter_id: str, version: int) -> dict[str, Any]:
    """The notice that the encounter reached ``version``."""
    return {"e": encounter_id, "v": version}


async def publish_share_change(session: AsyncSession, encounter_id: str) -> None:
    """The encounter's player-view token was rotated or revoked: sockets opened with the
    old one are closed, in every worker."""
    await publisher(session).announce(session, {"e": encounter_id, "s": 1})


async def publish_revocation(session: AsyncSession, revocation: Revocation) -> None:
    """Announce ``revocation`` (delivered when the transaction commits)."""
    payload: dict[str, Any] = {"r": revocation.kind}
    for key, value in (
        ("u", revocation.user_id),
        ("c", revocation.campaign_id),
        ("e", revocation.encounter_id),
    ):
        if value is not None:
            payload[key] = value
    await publisher(session).announce(session, payload)


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def decode(data: Any) -> Notice | None:
    """The notice in a parsed payload, or None if it is malformed."""
    if not isinstance(data, dict):
        return None
    kind = data.get("r")
    if kind is not None:
        if kind not in REVOCATION_KINDS:
            return None
        return Revocation(
            kind=kind, user_id=_str(data, "u"), campaign_id=_str(data, "c"),
            encounter_id=_str(data, "e"),
        )  # fmt: skip
    encounter_id = _str(data, "e")
    if encounter_id is None:
        return None
    version = data.get("v")
    return Change(encounter_id, version if isinstance(version, int) else None)


def parse(payload: str) -> Notice | None:
    """The notice in a ``pg_notify`` payload, or None if it is malformed."""
    try:
        return decode(json.loads(payload))
    except ValueError:
        return None


def install(
    sessionmaker: async_sessionmaker[AsyncSession], hub: Notifiable, sender: Sender | None = None
) -> Publisher:
    """Give every session of ``sessionmaker`` one publisher: notices go to ``hub``
    in-process, or to ``sender`` (Redis), which publishes them after commit for every
    worker, or (PostgreSQL without a sender) out with ``pg_notify``."""
    made = Publisher(hub, sender)
    sessionmaker.configure(info={_PUBLISHER_KEY: made})
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
    return made


def _after_commit(session: Session) -> None:
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING_KEY, None)
    found: Publisher | None = session.info.get(_PUBLISHER_KEY)
    if pending and found is not None:
        found.committed(pending)


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    # Every rollback of the whole transaction (a savepoint's keeps what came before it),
    # the ones that had nothing to roll back in the database too.
    if previous.parent is None:
        session.info.pop(_PENDING_KEY, None)
