"""The reads the live streams make: one row per change, the log only to fill gaps.

:func:`head` has two spellings: through a SQLAlchemy session (every database), and
:func:`heads_on`, the same query as plain SQL on an asyncpg connection for many
encounters at once (PostgreSQL: the worker's LISTEN connection, see
:mod:`app.realtime.listener`). Every worker runs it for every change; the plain one is
one round trip instead of three (BEGIN, the query, ROLLBACK), about a twentieth of the
CPU, serves every encounter that changed meanwhile in the same round trip, and hands the
state over as JSON text, which pydantic parses and validates in one step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from app.auth.models import User
from app.campaigns.models import Campaign, CampaignMember
from app.encounters.models import Encounter, EncounterEvent


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """What a stream tells the DM about one event."""

    seq: int
    type: str
    text: str
    reminders: list[str]
    undo_of: int | None
    player_seq: int | None = None  # set when the players saw this change

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "text": self.text,
            "reminders": self.reminders,
            "undo_of": self.undo_of,
        }


@dataclass(frozen=True, slots=True)
class Head:
    """An encounter's current state with the event that made it."""

    encounter_id: str
    campaign_id: str
    version: int
    state: dict[str, Any] | str  # the stored JSON, parsed or as text
    share_token_hash: str | None
    event: LoggedEvent | None
    player_seq: int = 0
    share_seq: int | None = None


def _logged(row: EncounterEvent) -> LoggedEvent:
    return LoggedEvent(
        seq=row.seq, type=row.type, text=row.text, reminders=list(row.reminders),
        undo_of=row.undo_of, player_seq=row.player_seq,
    )  # fmt: skip


async def head(session: AsyncSession, encounter_id: str) -> Head | None:
    """One query: the encounter's row joined with its latest event."""
    stmt = (
        select(
            Encounter.campaign_id,
            Encounter.version,
            Encounter.state,
            Encounter.share_token_hash,
            Encounter.player_seq,
            Encounter.share_seq,
            EncounterEvent.seq,
            EncounterEvent.type,
            EncounterEvent.text,
            EncounterEvent.reminders,
            EncounterEvent.undo_of,
            EncounterEvent.player_seq.label("event_player_seq"),
        )
        .outerjoin(
            EncounterEvent,
            and_(
                EncounterEvent.encounter_id == Encounter.id,
                EncounterEvent.seq == Encounter.version,
            ),
        )
        .where(Encounter.id == encounter_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else _head(encounter_id, row._mapping)


def _head(encounter_id: str, row: Mapping[Any, Any]) -> Head:
    """A :class:`Head` from a row of :func:`head`'s query, either spelling (the plain
    one hands ``reminders`` over as JSON text)."""
    event = None
    if row["seq"] is not None:
        reminders = row["reminders"]
        event = LoggedEvent(
            seq=row["seq"], type=row["type"], text=row["text"],
            reminders=json.loads(reminders) if isinstance(reminders, str) else list(reminders),
            undo_of=row["undo_of"], player_seq=row["event_player_seq"],
        )  # fmt: skip
    return Head(
        encounter_id=encounter_id,
        campaign_id=row["campaign_id"],
        version=row["version"],
        state=row["state"],
        share_token_hash=row["share_token_hash"],
        event=event,
        player_seq=row["player_seq"],
        share_seq=row["share_seq"],
    )


# head() as plain SQL for asyncpg, for many encounters at once (tests/realtime/
# test_repository.py and test_hub.py keep it equal to head()).
HEADS_SQL = """
SELECT e.id, e.campaign_id, e.version, e.state::text AS state, e.share_token_hash,
       e.player_seq, e.share_seq,
       v.seq, v.type, v.text, v.reminders::text AS reminders, v.undo_of,
       v.player_seq AS event_player_seq
FROM encounters AS e
LEFT OUTER JOIN encounter_events AS v ON v.encounter_id = e.id AND v.seq = e.version
WHERE e.id = ANY($1::varchar[])
"""


async def heads_on(conn: Any, encounter_ids: list[str]) -> dict[str, Head]:
    """:func:`head` of each of ``encounter_ids`` on an asyncpg connection, in one round
    trip, by id (an encounter that does not exist is missing); the states stay JSON
    text."""
    rows = await conn.fetch(HEADS_SQL, encounter_ids)
    return {row["id"]: _head(row["id"], row) for row in rows}


async def events_between(
    session: AsyncSession, encounter_id: str, *, after: int, upto: int
) -> list[tuple[LoggedEvent, dict[str, Any] | None]]:
    """Events ``after < seq <= upto`` in order, each with the state just before it
    (which is the state after the one before)."""
    rows = await session.execute(
        select(EncounterEvent)
        .where(
            EncounterEvent.encounter_id == encounter_id,
            EncounterEvent.seq > after,
            EncounterEvent.seq <= upto,
        )
        .order_by(EncounterEvent.seq)
        .options(undefer(EncounterEvent.state_before))
    )
    return [(_logged(e), e.state_before) for e in rows.scalars()]


async def by_share_hash(session: AsyncSession, token_hash: str) -> tuple[str, int] | None:
    """The encounter id and version a player-view token opens."""
    stmt = select(Encounter.id, Encounter.version).where(Encounter.share_token_hash == token_hash)
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row.id, row.version)


LINKS_SQL = """
SELECT share_token_hash, id FROM encounters WHERE share_token_hash = ANY($1::varchar[])
"""


async def links_on(conn: Any, token_hashes: list[str]) -> dict[str, str]:
    """:func:`by_share_hash`'s encounter id for each of ``token_hashes`` on an asyncpg
    connection, in one round trip (a hash no link has is missing)."""
    return {row[0]: row[1] for row in await conn.fetch(LINKS_SQL, token_hashes)}


async def set_share_hash(session: AsyncSession, encounter_id: str, token_hash: str | None) -> None:
    """Make (or, with None, revoke) the player-view link. Its sequence starts at the
    encounter's ``player_seq`` as the row is written, not as it was read: an action
    committed in between is before the link, never in its stream."""
    share_seq = Encounter.player_seq if token_hash is not None else None
    await session.execute(
        update(Encounter)
        .where(Encounter.id == encounter_id)
        .values(share_token_hash=token_hash, share_seq=share_seq)
    )


async def dm_ids(session: AsyncSession, campaign_id: str) -> set[str]:
    """The users who DM the campaign now: its owner and its co-DMs."""
    owner = select(Campaign.owner_id).where(Campaign.id == campaign_id)
    members = select(CampaignMember.user_id).where(CampaignMember.campaign_id == campaign_id)
    rows = await session.execute(owner.union(members))
    return {row[0] for row in rows}


async def token_generations(session: AsyncSession, user_ids: set[str]) -> dict[str, int]:
    """Each existing user's current token generation (a deleted user is absent)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User.id, User.token_generation).where(User.id.in_(user_ids))
    )
    return {row.id: row.token_generation for row in rows}
