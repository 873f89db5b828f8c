from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    Text,
    bindparam,
    cast,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.auth.models import User
from app.campaigns.models import Campaign, CampaignMember
from app.db import utcnow
from app.encounters.models import Encounter, EncounterEvent
from app.encounters.projection import DM_VIEW_FORMAT
from app.realtime.publish import change_payload, publisher


def _member_filter(user_id: Any) -> Any:
    is_member = exists().where(
        CampaignMember.campaign_id == Campaign.id, CampaignMember.user_id == user_id
    )
    return or_(Campaign.owner_id == user_id, is_member)


def _for_member(user_id: str) -> Select[Encounter]:
    return (
        select(Encounter)
        .join(Campaign, Campaign.id == Encounter.campaign_id)
        .where(_member_filter(user_id))
    )


async def get_for_member(
    session: AsyncSession, encounter_id: str, user_id: str
) -> Encounter | None:
    """The encounter if the user DMs its campaign (actions lock it with
    :func:`lock_for_member` instead)."""
    stmt = _for_member(user_id).where(Encounter.id == encounter_id)
    return (await session.execute(stmt)).scalar_one_or_none()


# Built once, from Core columns (no ORM compile step): constructing a statement costs
# more than running it on the action path. Each also reads the caller's token
# generation (None: no such user), so the hot paths check the token in the statement
# that does their work (see app.encounters.service): no round trip of its own.
_e = Encounter.__table__.c
_c = Campaign.__table__.c
_m = CampaignMember.__table__.c
_u = User.__table__.c
_GENERATION = (
    select(_u.token_generation)
    .where(_u.id == bindparam("user_id"))
    .scalar_subquery()
    .label("generation")
)
_MEMBER_OF = or_(
    _c.owner_id == bindparam("user_id"),
    exists().where(_m.campaign_id == _c.id, _m.user_id == bindparam("user_id")),
)
_LOCK_FOR_MEMBER = (
    select(
        _e.id,
        _e.campaign_id,
        _e.version,
        cast(_e.state, Text).label("state"),
        _e.player_seq,
        _GENERATION,
    )
    .join(Campaign.__table__, _c.id == _e.campaign_id)
    .where(_e.id == bindparam("encounter_id"), _MEMBER_OF)
    .with_for_update(of=Encounter.__table__)
)


_READ_FOR_MEMBER = (
    select(
        _e.campaign_id,
        _e.version,
        cast(_e.state, Text).label("state"),
        _GENERATION,
        _e.dm_view,
        _e.dm_view_version,
        _e.dm_view_format,
    )
    .join(Campaign.__table__, _c.id == _e.campaign_id)
    .where(_e.id == bindparam("encounter_id"), _MEMBER_OF)
)


@dataclass(frozen=True, slots=True)
class View:
    """An encounter as read for a DM: its stored state reshaped (``document``, JSON)."""

    campaign_id: str
    version: int
    document: str
    generation: int | None  # the reader's token generation (None: no such user)


# The DM's read on PostgreSQL, run on the driver's connection (app.db.Store.driver): the
# view the last action stored with the state (``dm_view``), while it is of the current
# version and in the running code's format ($5); else the database reshapes the stored
# JSONB (less the hidden keys, $3, and each combatant less $4, plus the campaign id).
# Either way the finished document comes back as text, with the reader's token
# generation and the membership check in the same statement. (CASE evaluates only the
# branch it takes.)
_READ_VIEW_SQL = """
SELECT e.campaign_id, e.version,
       CASE WHEN e.dm_view_version = e.version AND e.dm_view_format = $5 THEN e.dm_view
       ELSE ((e.state - $3::text[]) || jsonb_build_object(
           'campaign_id', e.campaign_id,
           'combatants', COALESCE(
               (SELECT jsonb_agg(each.value - $4::text[] ORDER BY each.ordinality)
                FROM jsonb_array_elements(e.state -> 'combatants')
                     WITH ORDINALITY AS each (value, ordinality)),
               '[]'::jsonb)))::text END AS document,
       (SELECT u.token_generation FROM users AS u WHERE u.id = $2) AS generation
FROM encounters AS e
JOIN campaigns AS c ON c.id = e.campaign_id
WHERE e.id = $1
  AND (c.owner_id = $2 OR EXISTS (
      SELECT 1 FROM campaign_members AS m WHERE m.campaign_id = c.id AND m.user_id = $2))
"""
_GENERATION_SQL = "SELECT token_generation FROM users WHERE id = $1"


async def read_view(
    conn: Any,
    encounter_id: str,
    user_id: str,
    *,
    hidden: tuple[str, ...],
    hidden_in_combatants: tuple[str, ...],
) -> View | None:
    """PostgreSQL's :func:`read_view_for_member`, on an asyncpg connection: one
    statement, prepared once per connection, whose answer is the document as text."""
    row = await conn.fetchrow(
        _READ_VIEW_SQL,
        encounter_id,
        user_id,
        list(hidden),
        list(hidden_in_combatants),
        DM_VIEW_FORMAT,
    )
    return None if row is None else View(row[0], row[1], row[2], row[3])


async def token_generation(conn: Any, user_id: str) -> int | None:
    """The user's token generation (None: no such user), on an asyncpg connection."""
    generation: int | None = await conn.fetchval(_GENERATION_SQL, user_id)
    return generation


async def read_view_for_member(
    session: AsyncSession,
    encounter_id: str,
    user_id: str,
    *,
    hidden: tuple[str, ...],
    hidden_in_combatants: tuple[str, ...],
) -> View | None:
    """The encounter as its DM reads it, in one statement: the view stored with the
    state while it is of the current version and format, else the stored state without the
    ``hidden`` keys (nor ``hidden_in_combatants`` in each combatant) and with
    ``campaign_id``; never validated again; None if the user does not DM its campaign.
    Python reshapes the JSON (SQLite; PostgreSQL's read is :func:`read_view`)."""
    params = {"encounter_id": encounter_id, "user_id": user_id}
    found = (await session.execute(_READ_FOR_MEMBER, params)).one_or_none()
    if found is None:
        return None
    if (
        found.dm_view is not None
        and found.dm_view_version == found.version
        and found.dm_view_format == DM_VIEW_FORMAT
    ):
        return View(found.campaign_id, found.version, found.dm_view, found.generation)
    raw = json.loads(found.state)
    data = {k: v for k, v in raw.items() if k not in hidden}
    data["combatants"] = [
        {k: v for k, v in c.items() if k not in hidden_in_combatants} for c in raw["combatants"]
    ]
    data["campaign_id"] = found.campaign_id
    return View(found.campaign_id, found.version, _dumps(data), found.generation)


async def lock_for_member(
    session: AsyncSession, encounter_id: str, user_id: str
) -> Row[str, str, int, str, int, int | None] | None:
    """(id, campaign_id, version, state as JSON text, player_seq, the user's token
    generation) of the encounter if the user DMs its campaign, with the row lock that
    serialises actions on it (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
    writers)."""
    params = {"encounter_id": encounter_id, "user_id": user_id}
    row = (await session.execute(_LOCK_FOR_MEMBER, params)).one_or_none()
    return row


# The action's lock and write on PostgreSQL, run on the driver's connection in one
# transaction (app.db.Store.driver): the lock reads what the rules need and the
# reader's token generation; the write appends the event, stores the state and, with
# NOTIFY, announces it, in one statement.
_LOCK_SQL = """
SELECT e.campaign_id, e.version, e.state::text AS state, e.player_seq,
       (SELECT u.token_generation FROM users AS u WHERE u.id = $2) AS generation
FROM encounters AS e
JOIN campaigns AS c ON c.id = e.campaign_id
WHERE e.id = $1
  AND (c.owner_id = $2 OR EXISTS (
      SELECT 1 FROM campaign_members AS m WHERE m.campaign_id = c.id AND m.user_id = $2))
FOR UPDATE OF e
"""
_APPEND_CTE = """
WITH appended AS (
    INSERT INTO encounter_events
        (encounter_id, seq, type, data, text, reminders, actor_id, undo_of, created_at,
         state_before, player_seq)
    VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7, $8, $9, $10::jsonb, $11)
), saved AS (
    UPDATE encounters
    SET state = $12::jsonb, version = $2, status = $13, name = $14, ruleset = $15,
        updated_at = $9, player_seq = COALESCE($11, player_seq),
        dm_view = $16, dm_view_version = $2, dm_view_format = $17
    WHERE id = $1
)
"""
_APPEND_SQL = _APPEND_CTE + "SELECT pg_notify($18, $19)"
_APPEND_SQL_QUIET = _APPEND_CTE + "SELECT 1"


@dataclass(frozen=True, slots=True)
class Locked:
    """An encounter locked for an action (:func:`lock`)."""

    campaign_id: str
    version: int
    state: str  # as stored, JSON
    player_seq: int
    generation: int | None  # the actor's token generation (None: no such user)


async def lock(conn: Any, encounter_id: str, user_id: str) -> Locked | None:
    """PostgreSQL's :func:`lock_for_member`, on an asyncpg connection in a transaction:
    the encounter if the user DMs its campaign, its row locked until the transaction
    ends, and the user's token generation."""
    row = await conn.fetchrow(_LOCK_SQL, encounter_id, user_id)
    return None if row is None else Locked(row[0], row[1], row[2], row[3], row[4])


async def append(
    conn: Any,
    *,
    encounter_id: str,
    event: dict[str, Any],
    state_before: str,
    state: str,
    dm_view: str,
    summary: tuple[str, str, str],
    player_seq: int | None,
    notice: tuple[str, str] | None,
) -> None:
    """PostgreSQL's :func:`write_event`, on an asyncpg connection in the locking
    transaction: one statement appends the event, stores the state and the DM's view of
    it and, given a ``notice`` (channel, payload), sends it with ``pg_notify``
    (delivered at commit)."""
    status, name, ruleset = summary
    args = [
        encounter_id,
        event["seq"],
        event["type"],
        _dumps(event["data"]),
        event["text"],
        _dumps(event["reminders"]),
        event["actor_id"],
        event["undo_of"],
        event["created_at"],
        state_before,
        player_seq,
        state,
        status,
        name,
        ruleset,
        dm_view,
        DM_VIEW_FORMAT,
    ]
    if notice is None:
        await conn.execute(_APPEND_SQL_QUIET, *args)
    else:
        await conn.execute(_APPEND_SQL, *args, *notice)


async def get_by_share_hash(session: AsyncSession, token_hash: str) -> Encounter | None:
    stmt = select(Encounter).where(Encounter.share_token_hash == token_hash)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_for_campaign(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Encounter], int]:
    where = Encounter.campaign_id == campaign_id
    total = (await session.execute(select(func.count()).where(where))).scalar_one()
    rows = await session.execute(
        select(Encounter)
        .where(where)
        .order_by(Encounter.created_at.desc(), Encounter.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def add(session: AsyncSession, encounter: Encounter) -> Encounter:
    session.add(encounter)
    await session.flush()
    return encounter


async def remove(session: AsyncSession, encounter: Encounter) -> None:
    await session.delete(encounter)
    await session.flush()


async def save_state(
    session: AsyncSession,
    encounter_id: str,
    state: dict[str, Any],
    *,
    dm_view: str,
    player_seq: int | None = None,
) -> None:
    """Store the state and the DM's view of it (and ``player_seq``, when the players saw
    the change)."""
    values: dict[str, Any] = {
        "state": state,
        "version": state["version"],
        "status": state["status"],
        "name": state["name"],
        "ruleset": state["ruleset"],
        "updated_at": utcnow(),
        "dm_view": dm_view,
        "dm_view_version": state["version"],
        "dm_view_format": DM_VIEW_FORMAT,
    }
    if player_seq is not None:
        values["player_seq"] = player_seq
    await session.execute(
        update(Encounter)
        .where(Encounter.id == encounter_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


_WRITE_EVENT_CTE = """
    WITH appended AS (
        INSERT INTO encounter_events
            (encounter_id, seq, type, data, text, reminders, actor_id, undo_of, created_at,
             state_before, player_seq)
        VALUES
            (:encounter_id, :seq, :type, CAST(:data AS jsonb), :text, CAST(:reminders AS jsonb),
             :actor_id, :undo_of, :created_at, CAST(:state_before AS jsonb), :player_seq)
    ), saved AS (
        UPDATE encounters
        SET state = CAST(:state AS jsonb), version = :seq, status = :status, name = :name,
            ruleset = :ruleset, updated_at = :created_at,
            player_seq = COALESCE(:player_seq, player_seq),
            dm_view = :dm_view, dm_view_version = :seq, dm_view_format = :dm_view_format
        WHERE id = :encounter_id
    )
"""
_WRITE_EVENT_PG = text(_WRITE_EVENT_CTE + "SELECT pg_notify(:channel, :payload)")
_WRITE_EVENT_PG_QUIET = text(_WRITE_EVENT_CTE + "SELECT 1")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


async def write_event(
    session: AsyncSession,
    *,
    encounter_id: str,
    event: dict[str, Any],
    state_before: str,
    state: str,
    dm_view: str,
    summary: tuple[str, str, str],
    player_seq: int | None = None,
) -> None:
    """Append the event, store the new state (JSON text; ``dm_view`` the DM's view of
    it, as GET answers it; ``summary`` is its status, name and ruleset, which have
    columns of their own; ``player_seq`` the encounter's
    new one if the players saw the change) and announce the new version through the
    session's publisher (:mod:`app.realtime.publish`), delivered at commit. With NOTIFY
    the ``pg_notify`` rides in the same statement: one statement, one round trip."""
    status, name, ruleset = summary
    notice = publisher(session).notice(session, change_payload(encounter_id, event["seq"]))
    if session.get_bind().dialect.name == "postgresql":
        channel, payload = notice or ("", "")
        await session.execute(
            _WRITE_EVENT_PG if notice is not None else _WRITE_EVENT_PG_QUIET,
            {
                "encounter_id": encounter_id,
                "seq": event["seq"],
                "type": event["type"],
                "data": _dumps(event["data"]),
                "text": event["text"],
                "reminders": _dumps(event["reminders"]),
                "actor_id": event["actor_id"],
                "undo_of": event["undo_of"],
                "created_at": event["created_at"],
                "state_before": state_before,
                "state": state,
                "dm_view": dm_view,
                "dm_view_format": DM_VIEW_FORMAT,
                "status": status,
                "name": name,
                "ruleset": ruleset,
                "player_seq": player_seq,
                **({"channel": channel, "payload": payload} if notice is not None else {}),
            },
        )
        return
    # Off PostgreSQL there is no NOTIFY: the notice waits for the commit.
    await append_event(
        session,
        encounter_id=encounter_id,
        event={**event, "player_seq": player_seq},
        state_before=json.loads(state_before),
    )
    await save_state(
        session, encounter_id, json.loads(state), player_seq=player_seq, dm_view=dm_view
    )


async def append_event(
    session: AsyncSession,
    *,
    encounter_id: str,
    event: dict[str, Any],
    state_before: dict[str, Any] | None,
) -> None:
    """Core inserts, not the unit of work: the action path stays a few round trips."""
    await session.execute(
        insert(EncounterEvent).values(encounter_id=encounter_id, state_before=state_before, **event)
    )


async def events_after(
    session: AsyncSession, encounter_id: str, after: int, limit: int
) -> list[EncounterEvent]:
    rows = await session.execute(
        select(EncounterEvent)
        .where(EncounterEvent.encounter_id == encounter_id, EncounterEvent.seq > after)
        .order_by(EncounterEvent.seq)
        .limit(limit)
    )
    return list(rows.scalars())


async def latest_undoable(session: AsyncSession, encounter_id: str) -> EncounterEvent | None:
    """The newest event that is neither an undo nor already undone, with its
    ``state_before`` loaded: what the next ``undo`` takes back."""
    undo = aliased(EncounterEvent)
    already_undone = exists().where(
        undo.encounter_id == EncounterEvent.encounter_id, undo.undo_of == EncounterEvent.seq
    )
    stmt = (
        select(EncounterEvent)
        .where(
            EncounterEvent.encounter_id == encounter_id,
            EncounterEvent.undo_of.is_(None),
            ~already_undone,
        )
        .order_by(EncounterEvent.seq.desc())
        .limit(1)
        .options(undefer_state())
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def redo_target(session: AsyncSession, encounter_id: str) -> EncounterEvent | None:
    """The event the next ``redo`` re-applies: the one the newest undo not yet redone
    took back, as long as no new action came after that undo (None otherwise)."""
    newest_action = (
        select(func.coalesce(func.max(EncounterEvent.seq), 0))
        .where(
            EncounterEvent.encounter_id == encounter_id,
            EncounterEvent.type.not_in(("undo", "redo")),
        )
        .scalar_subquery()
    )
    tail = await session.execute(
        select(EncounterEvent.type, EncounterEvent.undo_of)
        .where(EncounterEvent.encounter_id == encounter_id, EncounterEvent.seq > newest_action)
        .order_by(EncounterEvent.seq.desc())
    )
    redone = 0
    for kind, undo_of in tail:
        if kind == "redo":
            redone += 1
        elif redone:
            redone -= 1  # this undo was redone already
        else:
            stmt = select(EncounterEvent).where(
                EncounterEvent.encounter_id == encounter_id, EncounterEvent.seq == undo_of
            )
            return (await session.execute(stmt)).scalar_one_or_none()
    return None


def undefer_state() -> Any:
    from sqlalchemy.orm import undefer

    return undefer(EncounterEvent.state_before)


async def all_for_campaign(session: AsyncSession, campaign_id: str) -> list[Encounter]:
    rows = await session.execute(
        select(Encounter)
        .where(Encounter.campaign_id == campaign_id)
        .order_by(Encounter.created_at, Encounter.id)
    )
    return list(rows.scalars())


async def all_events(session: AsyncSession, encounter_id: str) -> list[EncounterEvent]:
    rows = await session.execute(
        select(EncounterEvent)
        .where(EncounterEvent.encounter_id == encounter_id)
        .order_by(EncounterEvent.seq)
    )
    return list(rows.scalars())
