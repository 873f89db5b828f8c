"""Announcing a committed change to every live subscriber.

Called inside the transaction that makes the change. On PostgreSQL it is a
``pg_notify`` on :data:`CHANNEL`, which PostgreSQL delivers to every listening worker
when the transaction commits and drops if it rolls back. On SQLite (one worker) the
session keeps the notice and hands it to the in-process hub after its commit, which
gives the same guarantee. With ``REDIS_URL`` the session keeps it too and, after its
commit, hands it to the Redis transport (:mod:`app.realtime.transport`), which publishes
it to every worker.

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
from sqlalchemy.orm import Session

CHANNEL = "encounter_changes"
HUB_KEY = "realtime.hub"
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


SENDER_KEY = "realtime.sender"


def in_transaction(session: AsyncSession) -> bool:
    """Whether notices travel inside the transaction (PostgreSQL NOTIFY): a writer may
    then put the ``pg_notify`` in its own statement (:func:`change_notice`)."""
    return SENDER_KEY not in session.info and session.get_bind().dialect.name == "postgresql"


def change_notice(encounter_id: str, version: int) -> tuple[str, str]:
    """(channel, payload) announcing a new version; for writers that send the
    ``pg_notify`` in the same statement as the change itself."""
    return CHANNEL, _dumps({"e": encounter_id, "v": version})


async def publish_change(session: AsyncSession, encounter_id: str, version: int) -> None:
    """The encounter reached ``version`` (delivered when the transaction commits)."""
    await _publish(session, {"e": encounter_id, "v": version})


async def publish_share_change(session: AsyncSession, encounter_id: str) -> None:
    """The encounter's player-view token was rotated or revoked: sockets opened with the
    old one are closed, in every worker."""
    await _publish(session, {"e": encounter_id, "s": 1})


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
    await _publish(session, payload)


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


async def _publish(session: AsyncSession, payload: dict[str, Any]) -> None:
    if in_transaction(session):
        await session.execute(select(func.pg_notify(CHANNEL, _dumps(payload))))
        return
    if HUB_KEY in session.info or SENDER_KEY in session.info:
        session.info.setdefault(_PENDING_KEY, []).append(payload)


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
) -> None:
    """Give every session of ``sessionmaker`` the hub that in-process notices go to, or
    the ``sender`` (Redis) that publishes them after commit for every worker."""
    info: dict[str, Any] = {HUB_KEY: hub}
    if sender is not None:
        info[SENDER_KEY] = sender
    sessionmaker.configure(info=info)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    sender: Sender | None = session.info.get(SENDER_KEY)
    if sender is not None:
        for payload in pending:
            sender.send(_dumps(payload))
        return
    hub: Notifiable | None = session.info.get(HUB_KEY)
    if hub is None:
        return
    for payload in pending:
        notice = decode(payload)
        if notice is not None:
            hub.deliver(notice)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
