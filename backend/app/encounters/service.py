"""Running encounters: every change is an action turned into one event by the
rules, written with the new state in the request's transaction.

The encounter row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` serialises writers), so actions on one encounter
apply one after another: no lost update, no half-applied action.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.security import TokenClaims
from app.auth.service import check_generation, require_generation
from app.campaigns.models import Campaign
from app.characters import repository as characters
from app.db import Store, utcnow
from app.dice import Roller
from app.encounters import exchange, repository, rules
from app.encounters.actions import Action, EndCombat, Redo, RenameEncounter, Undo
from app.encounters.combatants import new_id, new_tiebreak
from app.encounters.models import Encounter, EncounterEvent
from app.encounters.projection import (
    INTERNAL_COMBATANT_KEYS,
    INTERNAL_STATE_KEYS,
    dm_json,
    public_marker,
    sees_change,
)
from app.encounters.rules.events import Draft
from app.encounters.schemas import (
    EncounterCreate,
    EventOut,
)
from app.encounters.state import Combatant, DeathSaves, EncounterState
from app.errors import NotFound, PreconditionFailed, RuleViolation
from app.observability import metrics
from app.realtime import publish, revocation


class EncounterNotFound(NotFound):
    type = "encounter-not-found"
    title = "Encounter not found"


class NothingToUndo(RuleViolation):
    type = "nothing-to-undo"
    title = "Nothing to undo"


class NothingToRedo(RuleViolation):
    type = "nothing-to-redo"
    title = "Nothing to redo"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action left behind: the new state (model and stored JSON) and the
    event(s) it appended, shaped as the API answers them."""

    campaign_id: str
    state: EncounterState
    view_json: str  # the DM's view of it (GET /api/encounters/{id}), serialised
    events: list[EventOut]


def state_of(encounter: Encounter) -> EncounterState:
    return EncounterState.model_validate(encounter.state)


async def get_for_member(session: AsyncSession, encounter_id: str, user_id: str) -> Encounter:
    encounter = await repository.get_for_member(session, encounter_id, user_id)
    if encounter is None:
        raise EncounterNotFound(f"No encounter {encounter_id}.")
    return encounter


async def list_for_campaign(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Encounter], int]:
    """A page of the campaign's encounters, newest first, and how many it has."""
    return await repository.list_for_campaign(session, campaign_id, limit=limit, offset=offset)


async def events_after(
    session: AsyncSession, encounter_id: str, after: int, limit: int
) -> list[EncounterEvent]:
    """The encounter's log after ``after``, in order, at most ``limit`` events."""
    return await repository.events_after(session, encounter_id, after, limit)


async def create(session: AsyncSession, campaign: Campaign, data: EncounterCreate) -> Encounter:
    encounter_id = str(uuid.uuid4())
    state = EncounterState(id=encounter_id, name=data.name, ruleset=data.ruleset)
    if data.settings is not None:
        state.settings = data.settings
    return await repository.add(
        session,
        Encounter(
            id=encounter_id,
            campaign_id=campaign.id,
            name=data.name,
            ruleset=data.ruleset,
            status=state.status,
            version=0,
            state=state.model_dump(mode="json"),
        ),
    )


async def delete(session: AsyncSession, encounter: Encounter) -> None:
    """The encounter and its log go; every socket open on it closes (4404)."""
    encounter_id = encounter.id
    await repository.remove(session, encounter)
    await revocation.encounter_deleted(session, encounter_id)


async def _not_found(session: AsyncSession, encounter_id: str, caller: TokenClaims) -> NotFound:
    """No row for the caller: a token no longer good is a 401 (as it would have been
    before the lookup), anything else a 404."""
    await check_generation(session, caller)
    return EncounterNotFound(f"No encounter {encounter_id}.")


async def read_json(store: Store, encounter_id: str, caller: TokenClaims) -> tuple[str, int]:
    """The DM's view of the encounter as JSON, and its version: one statement, which
    also checks the caller's token generation. The stored state is not validated
    again (it was when it was written): it is reshaped as it is, on PostgreSQL by the
    database, on the driver's connection (no session)."""
    hidden, in_combatants = INTERNAL_STATE_KEYS, INTERNAL_COMBATANT_KEYS
    if store.driver_ready:
        async with store.driver(transaction=False) as conn:
            view = await repository.read_view(
                conn,
                encounter_id,
                caller.user_id,
                hidden=hidden,
                hidden_in_combatants=in_combatants,
            )
            if view is None:
                # No row for the caller: a token no longer good is a 401, else a 404.
                require_generation(await repository.token_generation(conn, caller.user_id), caller)
                raise EncounterNotFound(f"No encounter {encounter_id}.")
    else:
        async with store.unit(read=True) as session:
            view = await repository.read_view_for_member(
                session, encounter_id, caller.user_id,
                hidden=hidden, hidden_in_combatants=in_combatants,
            )  # fmt: skip
            if view is None:
                raise await _not_found(session, encounter_id, caller)
    require_generation(view.generation, caller)
    return view.document, view.version


async def act(
    store: Store,
    *,
    encounter_id: str,
    caller: TokenClaims,
    action: Action,
    roller: Roller,
    if_match: int | None = None,
) -> Outcome:
    """:func:`perform` in a transaction of its own: POST .../actions. On PostgreSQL a
    combat action runs on the driver's connection (:func:`_act_on_driver`); undo and
    redo (which read the log) and ending combat (which writes the characters' hit
    points back) run in a session, as every action does on SQLite."""
    if store.driver_ready and not isinstance(action, Undo | Redo | EndCombat):
        return await _act_on_driver(
            store, encounter_id=encounter_id, caller=caller, action=action, roller=roller,
            if_match=if_match,
        )  # fmt: skip
    async with store.unit() as session:
        return await perform(
            session, encounter_id=encounter_id, caller=caller, action=action, roller=roller,
            if_match=if_match,
        )  # fmt: skip


async def _act_on_driver(
    store: Store,
    *,
    encounter_id: str,
    caller: TokenClaims,
    action: Action,
    roller: Roller,
    if_match: int | None,
) -> Outcome:
    """:func:`perform` for a combat action on PostgreSQL, without a session: one
    transaction on the driver's connection, three exchanges in it (the lock, which also
    reads the caller's token generation; the rules, in Python; one statement that
    appends the event, stores the state and its DM view and, with NOTIFY, announces it),
    then the commit. With a sender (Redis) the notice goes out once the commit has
    succeeded.

    (Optimistically, without the lock and with a write conditional on the version, an
    action would be two round trips instead of four; measured with bench/http_bench.py,
    64 clients on 100 encounters, the actions that lost and started again cost more CPU
    than the round trips saved: 1.39 ms per action against 1.20 ms, p99 278 against 169
    ms.)"""
    user_id = caller.user_id
    announcer = publish.installed(store.sessionmaker)
    async with store.driver(transaction=True) as conn:
        locked = await repository.lock(conn, encounter_id, user_id)
        if locked is None:
            # No row for the caller: a token no longer good is a 401, else a 404.
            require_generation(await repository.token_generation(conn, user_id), caller)
            raise EncounterNotFound(f"No encounter {encounter_id}.")
        require_generation(locked.generation, caller)
        if if_match is not None and if_match != locked.version:
            raise _stale(locked.version, if_match)
        before = EncounterState.model_validate_json(locked.state)
        scratch = EncounterState.model_validate_json(locked.state)
        event, after = rules.resolve(before, action, roller, scratch)
        stamp_turn(before, after, utcnow())
        entry = _entry(
            before, after, event, campaign_id=locked.campaign_id,
            version_before=locked.version, player_seq_before=locked.player_seq,
            actor_id=user_id, undo_of=None,
        )  # fmt: skip
        payload = publish.change_payload(encounter_id, entry.row.seq)
        notice = announcer.driver_notice(payload)
        await repository.append(
            conn,
            encounter_id=encounter_id,
            event=entry.row.model_dump(),
            state_before=locked.state,
            state=entry.state_json,
            dm_view=entry.view_json,
            summary=(after.status, after.name, after.ruleset),
            player_seq=entry.player_seq,
            notice=notice,
        )
    if notice is None:
        announcer.committed([payload])
    metrics.ACTIONS_APPLIED.labels(type=action.type).inc()
    return entry.outcome(after, [entry.row])


async def perform(
    session: AsyncSession,
    *,
    encounter_id: str,
    caller: TokenClaims,
    action: Action | rules.Internal,
    roller: Roller,
    if_match: int | None = None,
) -> Outcome:
    """Apply one action as one event, atomically, under the encounter's lock. The
    locking statement also checks the caller's token generation (a revoked token is
    refused before anything is written)."""
    user_id = caller.user_id
    locked = await repository.lock_for_member(session, encounter_id, user_id)
    if locked is None:
        raise await _not_found(session, encounter_id, caller)
    require_generation(locked.generation, caller)
    if if_match is not None and if_match != locked.version:
        raise _stale(locked.version, if_match)
    before = EncounterState.model_validate_json(locked.state)
    if isinstance(action, RenameEncounter) and action.name.strip() == before.name:
        # Renaming to the name it has changes nothing: no event (PATCH is idempotent).
        return Outcome(
            campaign_id=locked.campaign_id,
            state=before,
            view_json=dm_json(before, locked.campaign_id),
            events=[],
        )
    undo_of: int | None = None
    if isinstance(action, Undo):
        target = await repository.latest_undoable(session, encounter_id)
        if target is None or target.state_before is None:
            raise NothingToUndo("There is nothing left to undo in this encounter.")
        event = rules.Event(
            type="undo",
            data={"undone_seq": target.seq, "undone_type": target.type},
            text=f"Undo: {target.text}",
        )
        after = EncounterState.model_validate(target.state_before)
        undo_of = target.seq
        await _replay_write_back(session, locked.campaign_id, target.data, "before", event)
    elif isinstance(action, Redo):
        redone = await repository.redo_target(session, encounter_id)
        if redone is None:
            raise NothingToRedo(
                "There is nothing to redo: nothing was undone since the last action."
            )
        # The undone event's patch, replayed on the state it was undone back to.
        original = rules.Event(type=redone.type, data=redone.data, text=redone.text)
        after = rules.apply(before, original)
        event = rules.Event(
            type="redo",
            data={
                "redone_seq": redone.seq,
                "redone_type": redone.data.get("redone_type", redone.type),
                "patch": redone.data.get("patch", {}),
            },
            text=f"Redo: {redone.text.removeprefix('Redo: ')}",
            reminders=list(redone.reminders),
        )
        await _replay_write_back(session, locked.campaign_id, redone.data, "after", event)
        stamp_turn(before, after, utcnow())
    else:
        scratch = EncounterState.model_validate_json(locked.state)
        event, after = rules.resolve(before, action, roller, scratch)
        stamp_turn(before, after, utcnow())
    outcome = await record(
        session,
        encounter_id=encounter_id,
        campaign_id=locked.campaign_id,
        before=before,
        state_before=locked.state,
        version_before=locked.version,
        player_seq_before=locked.player_seq,
        event=event,
        after=after,
        actor_id=user_id,
        undo_of=undo_of,
    )
    metrics.ACTIONS_APPLIED.labels(type=action.type).inc()
    return outcome


def stamp_turn(before: EncounterState, after: EncounterState, now: dt.datetime) -> None:
    """Start the turn clocks the action moved: the DM's when the turn (or round)
    changed, the table's when the turn marker the player view shows changed (a
    hidden creature's turn leaves it running, as it leaves the marker). An undo
    restores the clocks with the rest of the state."""
    if after.status != "active" or after.turn is None:
        after.turn_started_at = after.public_turn_started_at = None
        return
    if after.turn_started_at is None or (after.turn, after.round) != (before.turn, before.round):
        after.turn_started_at = now
    if after.public_turn_started_at is None or public_marker(after) != public_marker(before):
        after.public_turn_started_at = now


async def record(
    session: AsyncSession,
    *,
    encounter_id: str,
    campaign_id: str,
    before: EncounterState,
    state_before: str | dict[str, Any],
    version_before: int,
    player_seq_before: int,
    event: rules.Event,
    after: EncounterState,
    actor_id: str | None,
    undo_of: int | None = None,
) -> Outcome:
    """Append ``event`` after the encounter's current version and store ``after``
    as its state, in the caller's (locked) transaction. ``before`` is the state as a
    model (``state_before`` as stored): if the players see a difference, the event
    takes the encounter's next ``player_seq`` (the player stream's frames). The
    repository announces the new version as it writes it (delivered at commit)."""
    if event.type == "combat_ended":
        # The write-back is part of the event, so undo and redo can replay it.
        event.data["write_back"] = await _write_back_hp(session, campaign_id, after)
    entry = _entry(
        before, after, event, campaign_id=campaign_id, version_before=version_before,
        player_seq_before=player_seq_before, actor_id=actor_id, undo_of=undo_of,
    )  # fmt: skip
    await repository.write_event(
        session,
        encounter_id=encounter_id,
        event=entry.row.model_dump(),
        state_before=state_before if isinstance(state_before, str) else json.dumps(state_before),
        state=entry.state_json,
        dm_view=entry.view_json,
        summary=(after.status, after.name, after.ruleset),
        player_seq=entry.player_seq,
    )
    return entry.outcome(after, [entry.row])


@dataclass(frozen=True, slots=True)
class _Entry:
    """What an event writes: its log row, the encounter's new ``player_seq`` (None:
    the players saw no change), the new state as stored and the DM's view of it."""

    campaign_id: str
    row: EventOut
    player_seq: int | None
    state_json: str
    view_json: str

    def outcome(self, state: EncounterState, events: list[EventOut]) -> Outcome:
        return Outcome(self.campaign_id, state, self.view_json, events)


def _entry(
    before: EncounterState,
    after: EncounterState,
    event: rules.Event,
    *,
    campaign_id: str,
    version_before: int,
    player_seq_before: int,
    actor_id: str | None,
    undo_of: int | None,
) -> _Entry:
    """The log entry of ``event`` after ``version_before`` (``after`` takes its
    version), the encounter's new ``player_seq`` if the players see a difference (else
    None), and ``after`` serialised twice: as it is stored and as its DM reads it."""
    seq = version_before + 1
    player_seq = player_seq_before + 1 if sees_change(before, after) else None
    after.version = seq
    row = EventOut(
        seq=seq,
        type=event.type,
        text=event.text,
        reminders=event.reminders,
        data=event.data,
        undo_of=undo_of,
        actor_id=actor_id,
        created_at=utcnow(),
    )
    return _Entry(
        campaign_id, row, player_seq, after.model_dump_json(), dm_json(after, campaign_id)
    )


async def duplicate(session: AsyncSession, encounter: Encounter, *, actor_id: str) -> Outcome:
    """A new encounter in the same campaign, not started, with the same settings
    and copies of the combatants at full strength (new ids, full HP, no temp HP,
    conditions, concentration, death saves, initiative or damage totals). Its log
    starts afresh with one event."""
    source = state_of(encounter)
    before = EncounterState(
        id=new_id(), name=copy_name(source.name), ruleset=source.ruleset, settings=source.settings
    )
    copy = await repository.add(
        session,
        Encounter(
            id=before.id,
            campaign_id=encounter.campaign_id,
            name=before.name,
            ruleset=before.ruleset,
            status=before.status,
            version=0,
            state=before.model_dump(mode="json"),
        ),
    )
    after = before.model_copy(
        deep=True, update={"combatants": [fresh(c) for c in source.combatants]}
    )
    draft = Draft(before)
    draft.state = after
    draft.say(f"Copied from {source.name!r}: {len(after.combatants)} combatant(s).")
    draft.data.update(source_id=encounter.id, combatant_ids=[c.id for c in after.combatants])
    event = draft.event("encounter_copied")
    return await record(
        session,
        encounter_id=copy.id,
        campaign_id=copy.campaign_id,
        before=before,
        state_before=copy.state,
        version_before=0,
        player_seq_before=0,
        event=event,
        after=rules.apply(before, event),
        actor_id=actor_id,
    )


async def import_encounter(
    session: AsyncSession, *, campaign: Campaign, user_id: str, payload: Mapping[str, Any]
) -> Outcome:
    """A new encounter in ``campaign`` equal to the document (the formats:
    :mod:`app.encounters.exchange`), logged as one event that ``undo`` can take back."""
    # Read (and refuse) the whole document before anything is written.
    kind, imported = exchange.read_document(payload, encounter_id="pending")
    linked = [c.character_id for c in imported.combatants if c.character_id]
    known = {c.id for c in await characters.get_many(session, campaign.id, linked)}
    for combatant in imported.combatants:
        # A character of another campaign is not this campaign's to write HP back to.
        if combatant.character_id not in known:
            combatant.character_id = None
    encounter = await create(
        session,
        campaign,
        EncounterCreate(name=imported.name, ruleset=imported.ruleset, settings=imported.settings),
    )
    before = state_of(encounter)
    event = exchange.imported_event(before, imported, kind, encounter.id)
    after = rules.apply(before, event)
    stamp_turn(before, after, utcnow())
    return await record(
        session,
        encounter_id=encounter.id,
        campaign_id=campaign.id,
        before=before,
        state_before=encounter.state,
        version_before=encounter.version,
        player_seq_before=encounter.player_seq or 0,
        event=event,
        after=after,
        actor_id=user_id,
    )


def copy_name(name: str) -> str:
    suffix = " (copy)"
    return name[: 200 - len(suffix)].rstrip() + suffix


def fresh(combatant: Combatant) -> Combatant:
    """The combatant as it was before any fight: a new id, full hit points, its
    legendary pools full, no initiative (the lair keeps its fixed count), not
    surprised, its maximum no longer reduced by exhaustion."""
    legendary = combatant.legendary_actions
    resist = combatant.legendary_resistances
    max_hp = combatant.max_hp if combatant.max_hp_unreduced is None else combatant.max_hp_unreduced
    return combatant.model_copy(
        deep=True,
        update={
            "id": new_id(),
            "max_hp": max_hp,
            "max_hp_unreduced": None,
            "hp": max_hp,
            "surprised": False,
            "temp_hp": 0,
            "conditions": [],
            "concentration": None,
            "death_saves": DeathSaves(),
            "status": "active",
            "initiative": combatant.initiative if combatant.kind == "lair" else None,
            "legendary_actions": legendary.model_copy(update={"remaining": legendary.max}),
            "legendary_resistances": resist.model_copy(update={"remaining": resist.max}),
            "reaction_used": False,
            "rank": None,
            "tiebreak": new_tiebreak(),
            "damage_dealt": 0,
            "damage_taken": 0,
        },
    )


def _stale(current: int, sent: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"The encounter is at version {current}, not {sent}; reload it and try again.",
        extra={"version": current},
    )


_HP_FIELDS = ("max_hp", "current_hp", "temp_hp")


async def _write_back_hp(
    session: AsyncSession, campaign_id: str, state: EncounterState
) -> list[dict[str, Any]]:
    """After combat the characters' HP carries over to the campaign. Returns what
    changed, each character's HP ``before`` and ``after``, for the event."""
    by_character = {c.character_id: c for c in state.combatants if c.character_id}
    written: list[dict[str, Any]] = []
    for character in await characters.get_many(session, campaign_id, list(by_character)):
        combatant = by_character[character.id]
        before = {f: getattr(character, f) for f in _HP_FIELDS}
        character.max_hp = combatant.max_hp
        character.current_hp = min(combatant.hp, combatant.max_hp)
        character.temp_hp = combatant.temp_hp
        after = {f: getattr(character, f) for f in _HP_FIELDS}
        written.append({"character_id": character.id, "before": before, "after": after})
    await session.flush()
    return written


async def _replay_write_back(
    session: AsyncSession,
    campaign_id: str,
    data: dict[str, Any],
    which: str,
    event: rules.Event,
) -> None:
    """Undo (``which`` "before") or redo ("after") an event's HP write-back to the
    campaign's characters; the new event records it too."""
    entries: list[dict[str, Any]] = data.get("write_back") or []
    if not entries:
        return
    found = {
        c.id: c
        for c in await characters.get_many(
            session, campaign_id, [e["character_id"] for e in entries]
        )
    }
    for entry in entries:
        character = found.get(entry["character_id"])
        if character is not None:
            for field in _HP_FIELDS:
                setattr(character, field, entry[which][field])
    await session.flush()
    event.data["write_back"] = (
        entries
        if which == "after"
        else [{**e, "before": e["after"], "after": e["before"]} for e in entries]
    )
