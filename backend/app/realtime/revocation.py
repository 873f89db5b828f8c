"""Revocations: rights taken away close the live sockets they covered, everywhere.

Call one of these inside the transaction that takes the rights away (after, or beside,
the change itself). Like a change (:mod:`app.realtime.publish`) it is a ``pg_notify``
on PostgreSQL, delivered to every worker of every instance when the transaction
commits and never if it rolls back; on SQLite it reaches the in-process hub after the
commit. Each worker then closes the matching sockets at once (well within a second of
the commit), whatever they were doing:

=====================================  ======================================  =====
call                                   sockets closed                          code
=====================================  ======================================  =====
``revoke_user(s, user_id)``            every DM socket of the user (signed     4403
                                       out everywhere, password changed,
                                       account deleted)
``revoke_membership(s, cid, user_id)`` the user's DM sockets on the            4403
                                       campaign's encounters (co-DM removed)
``campaign_deleted(s, campaign_id)``   every socket, DM and player, on the     4404
                                       campaign's encounters
``encounter_deleted(s, encounter_id)`` every socket, DM and player, on it      4404
=====================================  ======================================  =====

A rotated or revoked player-view link closes the player sockets opened with the old
token (4403) through :func:`app.realtime.publish.publish_share_change`, which
:mod:`app.realtime.sharing` calls.

A socket being opened while a revocation commits cannot slip through: each worker keeps
the revocations it heard in the last minute, and a socket whose rights were checked
before one that matches it arrived is refused (see
:meth:`app.realtime.hub.Hub.subscribe`). A worker whose LISTEN connection dropped
rechecks every DM socket's membership when it reconnects.

Import this module from services (realtime itself never imports services).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.realtime.publish import Revocation, publish_revocation

CLOSE_UNAUTHENTICATED = 4401
CLOSE_RIGHTS_LOST = 4403
CLOSE_GONE = 4404


async def revoke_user(session: AsyncSession, user_id: str) -> None:
    """Close every DM socket of ``user_id`` (4403), in every worker."""
    await publish_revocation(session, Revocation("user", user_id=user_id))


async def revoke_membership(session: AsyncSession, campaign_id: str, user_id: str) -> None:
    """Close ``user_id``'s DM sockets on the encounters of ``campaign_id`` (4403)."""
    await publish_revocation(
        session, Revocation("member", user_id=user_id, campaign_id=campaign_id)
    )


async def campaign_deleted(session: AsyncSession, campaign_id: str) -> None:
    """Close every socket, DM and player, on the campaign's encounters (4404)."""
    await publish_revocation(session, Revocation("campaign", campaign_id=campaign_id))


async def encounter_deleted(session: AsyncSession, encounter_id: str) -> None:
    """Close every socket, DM and player, on the encounter (4404)."""
    await publish_revocation(session, Revocation("encounter", encounter_id=encounter_id))
