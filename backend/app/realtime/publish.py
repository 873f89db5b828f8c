"""Announcing a committed change to every live subscriber.

Called inside the transaction that makes the change. On PostgreSQL it is a
``pg_notify`` on :data:`CHANNEL`, which PostgreSQL delivers to every listening worker
when the transaction commits and drops if it rolls back. On SQLite (one worker) the
session keeps the notice and hands it to the in-process hub after its commit, which
gives the same guarantee.

The payload is small JSON: ``{"e": encounter_id, "v": version}`` for a new version,
``{"e": encounter_id, "s": 1}`` when the player-view token changed (rotated or revoked).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

CHANNEL = "encounter_changes"
HUB_KEY = "realtime.hub"
_PENDING_KEY = "realtime.pending"


class Notifiable(Protocol):
    def notify(self, encounter_id: str, version: int | None) -> None: ...


def change_notice(encounter_id: str, version: int) -> tuple[str, str]:
    """(channel, payload) announcing a new version; for writers that send the
    ``pg_notify`` in the same statement as the change itself."""
    return CHANNEL, json.dumps({"e": encounter_id, "v": version}, separators=(",", ":"))


async def publish_change(session: AsyncSession, encounter_id: str, version: int) -> None:
    """The encounter reached ``version`` (delivered when the transaction commits)."""
    await _publish(session, {"e": encounter_id, "v": version})


async def publish_share_change(session: AsyncSession, encounter_id: str) -> None:
    """The encounter's player-view token was rotated or revoked: sockets opened with the
    old one are closed, in every worker."""
    await _publish(session, {"e": encounter_id, "s": 1})


async def _publish(session: AsyncSession, payload: dict[str, Any]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        text = json.dumps(payload, separators=(",", ":"))
        await session.execute(select(func.pg_notify(CHANNEL, text)))
        return
    if HUB_KEY in session.info:
        session.info.setdefault(_PENDING_KEY, []).append(payload)


def parse(payload: str) -> tuple[str, int | None] | None:
    """(encounter id, version or None for a token change), or None if malformed."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        return None
    version = data.get("v")
    return data["e"], version if isinstance(version, int) else None


def install(sessionmaker: async_sessionmaker[AsyncSession], hub: Notifiable) -> None:
    """Give every session of ``sessionmaker`` the hub that in-process notices go to."""
    sessionmaker.configure(info={HUB_KEY: hub})
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    pending: list[dict[str, Any]] | None = session.info.pop(_PENDING_KEY, None)
    hub: Notifiable | None = session.info.get(HUB_KEY)
    if not pending or hub is None:
        return
    for payload in pending:
        hub.notify(payload["e"], payload.get("v"))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
