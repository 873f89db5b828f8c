"""Encounters in and out as JSON: our own export, and Improved Initiative's
saved encounters.

Pure functions, no I/O: reading a document (:func:`read_document`, which refuses it
whole before anything is written), the event an import logs (:func:`imported_event`)
and the export (:func:`export`); :func:`app.encounters.service.import_encounter` does
the writing. An import makes a new encounter equal to the document: same name, ruleset,
settings, combatants (with new ids, and every reference to an old id —
the turn, condition durations — moved to the new one), round, turn and status.
It is created empty, then one ``encounter_imported`` event brings in the whole
imported state. That event is an ordinary entry of the log (its patch replays
exactly like any rule's, ``undo`` takes it back to the empty encounter), so
the log explains every number even of an imported fight, and nothing else is
written behind the log's back. Turn history is not carried over: right after
an import, ``previous_turn`` has nothing to go back to.

Improved Initiative's ``SavedEncounter`` (``Combatants`` of ``SavedCombatant``:
``StatBlock``, ``MaxHP``, ``CurrentHP``, ``TemporaryHP``, ``Initiative``,
``InitiativeGroup``, ``Alias``, ``IndexLabel``, ``Tags``, ``Hidden``, plus
``ActiveCombatantId`` and ``RoundCounter``) maps onto ours as follows: each
stat block is converted by :func:`~app.statblocks.importers.import_statblock`
(the combatant keeps its numbers, the library is not changed); a stat block
with ``Player`` "npc" is an npc, any other non-empty ``Player`` a character
(an ad hoc one, not a campaign character), otherwise a monster; tags become
conditions, with their durations; an encounter with an active combatant is
running at ``RoundCounter``, otherwise it is in planning.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.encounters import rules
from app.encounters.combatants import fit_name, from_statblock, new_group_id, new_id
from app.encounters.rules import MAX_COMBATANTS
from app.encounters.rules.events import Draft
from app.encounters.rules.order import refresh_order, turn_units, unit_index
from app.encounters.state import (
    Combatant,
    Condition,
    Duration,
    EncounterSettings,
    EncounterState,
    EncounterStatus,
    Ends,
    Kind,
    Ruleset,
    Status,
    condition_key,
)
from app.errors import Unprocessable
from app.statblocks.importers import StatBlockImportError, import_statblock
from app.statblocks.schemas import cr_label

FORMAT: Final = "initiative-tracker/encounter"
VERSION: Final = 1
IMPORTED_EVENT: Final = "encounter_imported"

Loc = list[str | int]


class EncounterImportError(Unprocessable):
    """The document is neither our export nor an Improved Initiative encounter we can
    read; ``errors`` name the fields by their path in the document."""

    type = "encounter-import-error"
    title = "Encounter could not be imported"


class ExportedEncounter(BaseModel):
    # Unknown keys (an export's ``order``, a future field) are ignored: the
    # order is derived from the combatants anyway. Strict, as the combatants are:
    # a number in a document is a JSON number, bounded.
    model_config = ConfigDict(extra="ignore", strict=True)

    name: str = Field(min_length=1, max_length=200)
    ruleset: Ruleset = "2014"
    settings: EncounterSettings = Field(default_factory=EncounterSettings)
    status: EncounterStatus = "planning"
    round: int = Field(default=0, ge=0, le=1_000_000)
    turn: str | None = None
    combatants: list[Combatant] = Field(default_factory=list, max_length=MAX_COMBATANTS)


class ExportDocument(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    format: Literal["initiative-tracker/encounter"]
    version: Literal[1]
    encounter: ExportedEncounter

    @field_validator("version", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        # Literal[1] would take ``true`` (it equals 1 in Python).
        if isinstance(value, bool):
            raise ValueError("the format version is the number 1")
        return value


# --- export ------------------------------------------------------------------------------


def export(state: EncounterState) -> dict[str, Any]:
    """The document ``.../encounters/import`` turns back into an equal encounter."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "encounter": {
            "name": state.name,
            "ruleset": state.ruleset,
            "settings": state.settings.model_dump(mode="json"),
            "status": state.status,
            "round": state.round,
            "turn": state.turn,
            "order": state.order,
            "combatants": [c.model_dump(mode="json") for c in state.combatants],
        },
    }


# --- import ------------------------------------------------------------------------------


def _fail(errors: list[dict[str, Any]]) -> EncounterImportError:
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"][1:]) or "(document)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return EncounterImportError(f"{where}: {first['msg']}{more}", errors=errors)


def _error(loc: Loc, msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def detect(payload: Mapping[str, Any]) -> Literal["native", "improved-initiative"]:
    if "format" in payload or "encounter" in payload:
        return "native"
    if "Combatants" in payload:
        return "improved-initiative"
    raise _fail(
        [
            _error(
                [],
                'Unrecognised encounter: expected our export (with "format": '
                f'"{FORMAT}") or an Improved Initiative saved encounter (with "Combatants").',
                "unknown_format",
            )
        ]
    )


def from_export(payload: Mapping[str, Any], encounter_id: str) -> EncounterState:
    """Our own export, with new combatant ids."""
    try:
        document = ExportDocument.model_validate(payload)
    except ValidationError as exc:
        raise _fail(
            [_error(list(e["loc"]), e["msg"], e["type"]) for e in exc.errors(include_url=False)]
        ) from None
    source = document.encounter
    errors: list[dict[str, Any]] = []
    new_ids: dict[str, str] = {}
    for i, combatant in enumerate(source.combatants):
        if combatant.id in new_ids:
            errors.append(_error(["encounter", "combatants", i, "id"], "duplicate combatant id"))
        new_ids[combatant.id] = new_id()

    combatants: list[Combatant] = []
    for i, old in enumerate(source.combatants):
        where: Loc = ["encounter", "combatants", i]
        if old.hp > old.max_hp:
            errors.append(_error([*where, "hp"], "hp cannot exceed max_hp"))
        combatant = old.model_copy(deep=True, update={"id": new_ids[old.id]})
        for j, condition in enumerate(combatant.conditions):
            if condition.duration is None:
                continue
            of = new_ids.get(condition.duration.of)
            if of is None:
                loc: Loc = [*where, "conditions", j, "duration", "of"]
                errors.append(_error(loc, "not a combatant of this encounter"))
                continue
            condition.duration = condition.duration.model_copy(update={"of": of})
        combatants.append(combatant)

    turn = None
    if source.turn is not None:
        turn = new_ids.get(source.turn)
        if turn is None:
            errors.append(_error(["encounter", "turn"], "not a combatant of this encounter"))
    if errors:
        raise _fail(errors)
    state = EncounterState(
        id=encounter_id,
        name=source.name,
        status=source.status,
        ruleset=source.ruleset,
        round=source.round,
        turn=turn,
        combatants=combatants,
        settings=source.settings,
    )
    refresh_order(state)
    if state.status == "ended":
        # A finished fight's summary is a function of its final state.
        state.summary = rules.combat_summary(state)
    return state


class _IAReader:
    """Reads an Improved Initiative document, collecting every problem with its path."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def fail(self, loc: Loc, msg: str, kind: str) -> None:
        self.errors.append(_error(loc, msg, kind))

    def number(self, obj: Mapping[str, Any], key: str, loc: Loc, default: int) -> int:
        value = obj.get(key)
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail([*loc, key], "Input should be a valid number", "int_type")
            return default
        return int(value)

    def text(self, obj: Mapping[str, Any], key: str, loc: Loc, limit: int) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail([*loc, key], "Input should be a valid string", "string_type")
            return None
        return value.strip()[:limit] or None


def _ia_kind(statblock: Mapping[str, Any]) -> Kind:
    player = statblock.get("Player")
    if not isinstance(player, str) or not player.strip():
        return "monster"
    return "npc" if player.strip().lower() == "npc" else "character"


def _ia_conditions(
    r: _IAReader, tags: object, loc: Loc, new_ids: Mapping[str, str]
) -> list[Condition]:
    if tags is None:
        return []
    if not isinstance(tags, list):
        r.fail(loc, "Input should be a valid list", "list_type")
        return []
    out: list[Condition] = []
    seen: set[str] = set()
    for k, tag in enumerate(tags):
        if isinstance(tag, str):
            text, tag_doc = tag, None
        elif isinstance(tag, Mapping) and isinstance(tag.get("Text"), str):
            text, tag_doc = tag["Text"], tag
        else:
            r.fail([*loc, k], 'A tag is a string or an object with "Text"', "tag_type")
            continue
        name = condition_key(text)[:100].strip()
        if not name or name in seen:
            continue
        seen.add(name)
        duration = None
        if tag_doc is not None:
            rounds = r.number(tag_doc, "DurationRemaining", [*loc, k], 0)
            of = new_ids.get(str(tag_doc.get("DurationCombatantId")))
            if rounds > 0 and of is not None:
                ends: Ends = "start" if tag_doc.get("DurationTiming") == "StartOfTurn" else "end"
                duration = Duration(rounds=min(rounds, 100_000), ends=ends, of=of)
        out.append(Condition(name=name, duration=duration))
    return out


def from_improved_initiative(payload: Mapping[str, Any], encounter_id: str) -> EncounterState:
    """Improved Initiative's saved encounter (see the module's docstring)."""
    r = _IAReader()
    entries = payload.get("Combatants")
    if not isinstance(entries, list):
        raise _fail([_error(["Combatants"], "Input should be a valid list", "list_type")])
    if len(entries) > MAX_COMBATANTS:
        raise _fail([_error(["Combatants"], f"At most {MAX_COMBATANTS} combatants", "too_long")])
    docs: list[Mapping[str, Any]] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("StatBlock"), Mapping):
            r.fail(["Combatants", i, "StatBlock"], "Field required", "missing")
        else:
            docs.append(entry)
    if r.errors:
        raise _fail(r.errors)

    ids = [new_id() for _ in docs]
    new_ids: dict[str, str] = {}
    for doc, combatant_id in zip(docs, ids, strict=True):
        if isinstance(doc.get("Id"), str):
            new_ids.setdefault(doc["Id"], combatant_id)
    names = Counter(str(doc["StatBlock"].get("Name", "")) for doc in docs)
    groups: dict[str, str] = {}
    active_id = new_ids.get(str(payload.get("ActiveCombatantId")))
    running = active_id is not None

    combatants: list[Combatant] = []
    for i, (doc, combatant_id) in enumerate(zip(docs, ids, strict=True)):
        loc: Loc = ["Combatants", i]
        try:
            block = import_statblock(doc["StatBlock"])
        except StatBlockImportError as exc:
            for err in exc.errors or []:
                r.errors.append({**err, "loc": ["body", *loc, "StatBlock", *err.get("loc", [])]})
            continue
        max_hp = max(0, min(r.number(doc, "MaxHP", loc, block.hp), 100_000))
        hp = max(0, min(r.number(doc, "CurrentHP", loc, max_hp), max_hp))
        temp_hp = max(0, min(r.number(doc, "TemporaryHP", loc, 0), 100_000))
        initiative: int | None = r.number(doc, "Initiative", loc, 0)
        if not running and initiative == 0:
            initiative = None  # Improved Initiative's "not rolled yet"
        elif initiative is not None:
            initiative = max(-100, min(initiative, 1000))
        name = fit_name(block.name)
        label = doc.get("IndexLabel")
        if names[block.name] > 1 and isinstance(label, int) and not isinstance(label, bool):
            name = f"{name} {label}"
        group_key = r.text(doc, "InitiativeGroup", loc, 200)
        kind = _ia_kind(doc["StatBlock"])
        status: Status = "active" if hp > 0 else ("unconscious" if kind == "character" else "down")
        combatants.append(
            from_statblock(
                block,
                id=combatant_id,
                name=name,
                alias=r.text(doc, "Alias", loc, 100),
                kind=kind,
                initiative=initiative,
                max_hp=max_hp,
                hp=hp,
                temp_hp=temp_hp,
                conditions=_ia_conditions(r, doc.get("Tags"), [*loc, "Tags"], new_ids),
                status=status,
                hidden=doc.get("Hidden") is True,
                notes=r.text(doc, "CurrentNotes", loc, 10_000) or "",
                group=groups.setdefault(group_key, new_group_id()) if group_key else None,
                xp=block.xp if kind != "character" else 0,
                cr=cr_label(block.challenge_rating) if kind != "character" else None,
            )
        )
    if r.errors:
        raise _fail(r.errors)

    title = payload.get("Name")
    state = EncounterState(
        id=encounter_id,
        name=title.strip()[:200]
        if isinstance(title, str) and title.strip()
        else "Imported encounter",
        ruleset="2014",
        combatants=combatants,
    )
    refresh_order(state)
    if running and state.order:
        state.status = "active"
        rounds = payload.get("RoundCounter")
        state.round = rounds if isinstance(rounds, int) and 0 < rounds <= 1_000_000 else 1
        units = turn_units(state)
        index = unit_index(units, active_id) if active_id else None
        state.turn = units[index if index is not None else 0][0]
    return state


def read_document(payload: Mapping[str, Any], encounter_id: str) -> tuple[str, EncounterState]:
    """The encounter a document describes, and which format it was in."""
    kind = detect(payload)
    if kind == "native":
        return kind, from_export(payload, encounter_id)
    return kind, from_improved_initiative(payload, encounter_id)


def imported_event(
    before: EncounterState, imported: EncounterState, kind: str, encounter_id: str
) -> rules.Event:
    """The one event that brings ``imported`` (read by :func:`read_document`) into the
    new, empty encounter ``before``."""
    draft = Draft(before)
    draft.state = imported.model_copy(update={"id": encounter_id, "version": 0})
    source = "Improved Initiative" if kind == "improved-initiative" else "an export"
    draft.say(
        f"Imported from {source}: {len(imported.combatants)} combatant(s)"
        + (f", round {imported.round}." if imported.status == "active" else ".")
    )
    draft.data.update(format=kind, combatant_ids=[c.id for c in imported.combatants])
    return draft.event(IMPORTED_EVENT)
