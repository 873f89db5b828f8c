"""Who may watch an encounter live: its DMs (:func:`dm_may_watch`), and whoever holds
its player-view link, an unguessable token whose SHA-256 alone is stored.

A link has its own sequence of what the players saw change (``seq``,
:mod:`app.encounters.projection`), starting at 0 when it is made: nothing the players
are sent, live or replayed, predates the link.

Rotating or revoking a link takes effect at once: the old token stops opening the
public state, and sockets already open with it are closed in every worker (the change
is published like an encounter change, see :mod:`app.realtime.publish`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.encounters import repository as encounters
from app.encounters.models import Encounter
from app.encounters.projection import player_view
from app.encounters.state import EncounterState
from app.errors import NotFound
from app.realtime import repository
from app.realtime.publish import publish_share_change

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_LENGTH = 128


class PlayerViewNotFound(NotFound):
    type = "player-view-not-found"
    title = "Player view not found"


@dataclass(frozen=True, slots=True)
class Share:
    token: str
    created: bool  # False: an earlier token was replaced


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def share(session: AsyncSession, encounter: Encounter) -> Share:
    """Make the encounter's player-view token, or replace the one it has."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    created = encounter.share_token_hash is None
    await repository.set_share_hash(session, encounter.id, token_hash(token))
    await publish_share_change(session, encounter.id)
    return Share(token=token, created=created)


async def revoke(session: AsyncSession, encounter: Encounter) -> None:
    await repository.set_share_hash(session, encounter.id, None)
    await publish_share_change(session, encounter.id)


async def shared_encounter(session: AsyncSession, token: str) -> Encounter:
    """The encounter a token opens. Looked up by the token's hash, so the time taken
    says nothing about how close a guess was."""
    encounter = None
    if 0 < len(token) <= MAX_TOKEN_LENGTH:
        encounter = await encounters.get_by_share_hash(session, token_hash(token))
    if encounter is None:
        raise PlayerViewNotFound("No player view at this address; ask the DM for a new link.")
    return encounter


async def public_state(session: AsyncSession, token: str) -> dict[str, Any]:
    """The player view now, at the link's own sequence number."""
    encounter = await shared_encounter(session, token)
    return player_view(
        EncounterState.model_validate(encounter.state),
        link_seq(encounter.player_seq, encounter.share_seq),
    )


def link_seq(player_seq: int, share_seq: int | None) -> int:
    """The player-view link's own count of changes the players saw since it was made."""
    return player_seq - (share_seq or 0)


async def dm_may_watch(session: AsyncSession, encounter_id: str, user_id: str) -> bool:
    """Whether the user DMs the encounter's campaign (the DM stream's check; the
    players' is :func:`link_hash`)."""
    return await encounters.get_for_member(session, encounter_id, user_id) is not None


def link_hash(token: str) -> str | None:
    """The hash a player-view token is looked up by (:meth:`app.realtime.hub.Hub.
    linked_encounter`, the player stream's check); None for a token no link can have."""
    if not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return None
    return token_hash(token)
