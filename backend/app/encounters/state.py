"""The encounter aggregate: the state the rules read and the projection the service stores.

Every model here is plain data. The rules in :mod:`app.encounters.rules` build a new
:class:`EncounterState` from an old one and an event; nothing here rolls dice or does I/O.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.errors import InvalidAction

Ruleset = Literal["2014", "2024"]
Kind = Literal["character", "monster", "npc", "lair"]
Status = Literal["active", "down", "unconscious", "stable", "dead", "delayed"]
EncounterStatus = Literal["planning", "active", "ended"]
TiePolicy = Literal["dex", "pcs_first", "monsters_first", "random"]
InitiativeMode = Literal["roll", "score"]
HpDisplay = Literal["exact", "status", "none"]
Ends = Literal["start", "end"]
Side = Literal["party", "enemies", "neutral"]
DefenceKind = Literal["resistance", "immunity", "vulnerability"]
# What a hit carries beyond its type: a magical attack, a silvered or adamantine weapon,
# or damage from a spell.
DamageFlag = Literal["magical", "silvered", "adamantine", "spell"]

CombatantId = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
DamageType = Annotated[str, Field(min_length=1, max_length=40)]

STANDARD_CONDITIONS: tuple[str, ...] = (
    "blinded",
    "charmed",
    "deafened",
    "exhaustion",
    "frightened",
    "grappled",
    "incapacitated",
    "invisible",
    "paralyzed",
    "petrified",
    "poisoned",
    "prone",
    "restrained",
    "stunned",
    "unconscious",
)
# Each of these includes the incapacitated condition, so each ends concentration
# and (2024) gives disadvantage on initiative.
INCAPACITATING: frozenset[str] = frozenset(
    {"incapacitated", "paralyzed", "petrified", "stunned", "unconscious"}
)

ABILITIES: dict[str, str] = {
    "str": "Strength",
    "dex": "Dexterity",
    "con": "Constitution",
    "int": "Intelligence",
    "wis": "Wisdom",
    "cha": "Charisma",
}


def condition_key(name: str) -> str:
    """Standard conditions are matched case-insensitively; custom ones keep their spelling."""
    stripped = name.strip()
    return stripped.lower() if stripped.lower() in STANDARD_CONDITIONS else stripped


# Tallies that only grow (damage dealt and taken, the log's version) stay exact in
# every JSON reader: no larger integer is ever accepted.
MAX_TALLY = 2**53 - 1


def default_side(kind: object) -> Side:
    return "party" if kind in ("character", "npc") else "enemies"


class Model(BaseModel):
    """Strict: a number is a JSON number of the right kind (``"5"``, ``true`` or
    ``5.0`` for an integer are refused, not coerced), a boolean a JSON boolean.
    (A field that must read text, such as a timestamp, would say ``strict=False``.)"""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, strict=True)


class Duration(Model):
    """Counted in rounds against the creature ``of`` (Improved Initiative's model)."""

    rounds: int = Field(ge=1, le=100_000)
    ends: Ends = "end"
    of: CombatantId
    # Set by the rules when the duration starts on the turn it ends at ("until the end
    # of its next turn", added on that creature's turn): the current turn's end does
    # not count, so the duration runs from that creature's next turn.
    grace: bool = False


class Save(Model):
    ability: str
    dc: int = Field(ge=1, le=40)

    @field_validator("ability")
    @classmethod
    def _known_ability(cls, value: str) -> str:
        key = value.strip().lower()[:3]
        if key not in ABILITIES or value.strip().lower() not in (key, ABILITIES[key].lower()):
            raise ValueError(f"ability must be one of {', '.join(ABILITIES)} (or its full name)")
        return key

    @property
    def ability_name(self) -> str:
        return ABILITIES[self.ability]


class Condition(Model):
    """One condition on a creature.

    ``concentration_of``: the combatant whose concentration maintains it; the condition
    ends when that concentration ends (by choice, a failed save, 0 HP, incapacitation).
    """

    name: Name
    duration: Duration | None = None
    save: Save | None = None
    level: int | None = Field(default=None, ge=1, le=6)
    source: Annotated[str, Field(max_length=100)] | None = None
    concentration_of: CombatantId | None = None

    @field_validator("name")
    @classmethod
    def _normalise_name(cls, value: str) -> str:
        key = condition_key(value)
        if not key:
            raise ValueError("a condition needs a name")
        return key


class QualifiedDefence(Model):
    """A damage defence that holds only sometimes, keeping the stat block's own words.

    ``types``: the damage types it covers (empty: every type). ``unless``: a hit with
    any of these flags gets through ("from nonmagical attacks": magical; "that aren't
    silvered": magical or silvered). ``only``: the defence holds only for a hit with
    all of these flags ("damage from spells": spell). ``spell``: the spell in the stat
    block it comes from (the Archmage's stoneskin). ``active``: false while it waits on
    something the tracker cannot see (that spell being up, who wields the weapon); the
    DM turns it on with ``update_combatant``.
    """

    kind: DefenceKind
    types: Annotated[list[DamageType], Field(max_length=20)] = Field(default_factory=list)
    unless: Annotated[list[DamageFlag], Field(max_length=4)] = Field(default_factory=list)
    only: Annotated[list[DamageFlag], Field(max_length=4)] = Field(default_factory=list)
    spell: Annotated[str, Field(max_length=100)] | None = None
    active: bool = True
    text: Annotated[str, Field(max_length=500)] = ""

    @field_validator("types")
    @classmethod
    def _lower_case_types(cls, value: list[str]) -> list[str]:
        return [t.strip().lower() for t in value]

    def holds(self, damage_type: str | None, flags: frozenset[str]) -> bool:
        """Whether this defence applies to a hit of this type with these flags."""
        if not self.active:
            return False
        if self.types and damage_type not in self.types:
            return False
        if any(flag in flags for flag in self.unless):
            return False
        return all(flag in flags for flag in self.only)


class DeathSaves(Model):
    successes: int = Field(default=0, ge=0, le=3)
    failures: int = Field(default=0, ge=0, le=3)


class LegendaryActions(Model):
    max: int = Field(default=0, ge=0, le=20)
    remaining: int = Field(default=0, ge=0, le=20)
    # 2024 stat blocks: "3 (4 in lair)".
    max_in_lair: int | None = Field(default=None, ge=0, le=20)


class LegendaryResistances(Model):
    max: int = Field(default=0, ge=0, le=20)
    remaining: int = Field(default=0, ge=0, le=20)


class Combatant(Model):
    id: CombatantId
    name: Name
    alias: Annotated[str, Field(max_length=100)] | None = None
    kind: Kind = "monster"
    character_id: str | None = None
    statblock_id: str | None = None
    initiative: int | None = Field(default=None, ge=-100, le=1000)
    initiative_bonus: int = Field(default=0, ge=-100, le=100)
    dexterity: int = Field(default=10, ge=0, le=100)
    ac: int | None = Field(default=None, ge=0, le=100)
    max_hp: int = Field(default=1, ge=0, le=100_000)
    hp: int = Field(default=1, ge=0, le=100_000)
    temp_hp: int = Field(default=0, ge=0, le=100_000)
    conditions: list[Condition] = Field(default_factory=list)
    concentration: Annotated[str, Field(max_length=100)] | None = None
    death_saves: DeathSaves = Field(default_factory=DeathSaves)
    status: Status = "active"
    hidden: bool = False
    legendary_actions: LegendaryActions = Field(default_factory=LegendaryActions)
    legendary_resistances: LegendaryResistances = Field(default_factory=LegendaryResistances)
    reaction_used: bool = False
    resistances: list[DamageType] = Field(default_factory=list)
    vulnerabilities: list[DamageType] = Field(default_factory=list)
    immunities: list[DamageType] = Field(default_factory=list)
    qualified_defences: list[QualifiedDefence] = Field(default_factory=list)
    condition_immunities: list[Name] = Field(default_factory=list)
    # Whose side it fights on: difficulty and XP count "enemies" only. Defaults by kind:
    # characters and npcs "party", monsters and the lair "enemies".
    side: Side = "enemies"
    # 2014 surprise: skips its first turn and cannot react until that turn ends.
    surprised: bool = False
    # 2014 exhaustion level 4 halves the hit point maximum: the maximum before it.
    max_hp_unreduced: int | None = Field(default=None, ge=0, le=100_000)
    notes: Annotated[str, Field(max_length=10_000)] = ""
    group: Annotated[str, Field(max_length=64)] | None = None
    xp: int = Field(default=0, ge=0, le=10_000_000)
    cr: Annotated[str, Field(max_length=10)] | None = None
    # Ordering: a random number drawn once when the combatant joins (so ties stay put
    # from request to request), and a rank the DM sets by reordering tied combatants.
    tiebreak: float = Field(default=0.0, ge=0.0, le=1.0)
    rank: int | None = Field(default=None, ge=0, le=100_000)
    damage_dealt: int = Field(default=0, ge=0, le=MAX_TALLY)
    damage_taken: int = Field(default=0, ge=0, le=MAX_TALLY)

    @model_validator(mode="after")
    def _default_side(self) -> Combatant:
        # After, not before: a "before" validator makes pydantic build the whole input
        # as Python objects first, which doubled the cost of validating a state.
        if "side" not in self.__pydantic_fields_set__:
            self.side = default_side(self.kind)
            self.__pydantic_fields_set__.add("side")
        return self

    @field_validator("resistances", "vulnerabilities", "immunities")
    @classmethod
    def _lower_case_types(cls, value: list[str]) -> list[str]:
        # (Most combatants have none: no list built for them on every state read.)
        return [t.strip().lower() for t in value] if value else value

    @field_validator("condition_immunities")
    @classmethod
    def _condition_keys(cls, value: list[str]) -> list[str]:
        return [condition_key(name) for name in value] if value else value

    def immune_to_condition(self, name: str) -> bool:
        return condition_key(name) in self.condition_immunities

    def condition(self, name: str) -> Condition | None:
        key = condition_key(name)
        for condition in self.conditions:
            if condition.name == key:
                return condition
        return None

    def has_condition(self, name: str) -> bool:
        return self.condition(name) is not None

    @property
    def exhaustion(self) -> int:
        found = self.condition("exhaustion")
        return (found.level or 1) if found is not None else 0

    @property
    def incapacitated(self) -> bool:
        return any(c.name in INCAPACITATING for c in self.conditions)


class SideView(Model):
    """What the player view shows of one side's combatants.

    ``show_hp``: "exact" numbers, "status" (healthy / bloodied / down) or "none".
    """

    show_hp: HpDisplay = "status"
    show_conditions: bool = True


def _players_view() -> SideView:
    return SideView(show_hp="exact")


class PlayerView(Model):
    """Per side: "players" are characters, "allies" npcs, "enemies" monsters; and
    what the player page shows of the fight: the round counter, a turn timer (when
    the current turn started) and the order rotated so the active creature is on top."""

    enemies: SideView = Field(default_factory=SideView)
    allies: SideView = Field(default_factory=SideView)
    players: SideView = Field(default_factory=_players_view)
    show_round: bool = True
    turn_timer: bool = False
    active_on_top: bool = False


class EncounterSettings(Model):
    tie_policy: TiePolicy = "dex"
    initiative_mode: InitiativeMode = "roll"
    reroll_each_round: bool = False
    skip_down_monsters: bool = True
    in_lair: bool = False
    # Monsters at 0 HP fall unconscious and make death saves, as characters do.
    monster_death_saves: bool = False
    player_view: PlayerView = Field(default_factory=PlayerView)


class TickedCondition(Model):
    combatant_id: str
    name: str
    rounds_before: int
    grace_before: bool = False


class ExpiredCondition(Model):
    combatant_id: str
    index: int
    condition: Condition


class TurnReset(Model):
    combatant_id: str
    reaction_used: bool
    legendary_remaining: int


class InitiativeBefore(Model):
    combatant_id: str
    initiative: int | None
    rank: int | None


class TurnChange(Model):
    """What one turn change did, so previous_turn can take back exactly that."""

    round_before: int
    turn_before: str | None
    round_after: int
    turn_after: str | None
    ticked: list[TickedCondition] = Field(default_factory=list)
    expired: list[ExpiredCondition] = Field(default_factory=list)
    resets: list[TurnReset] = Field(default_factory=list)
    initiatives: list[InitiativeBefore] = Field(default_factory=list)
    # 2014 surprise: the combatants whose surprise ended with this turn change.
    unsurprised: list[str] = Field(default_factory=list)


class EncounterState(Model):
    id: str
    name: Annotated[str, Field(max_length=200)] = "Encounter"
    status: EncounterStatus = "planning"
    ruleset: Ruleset = "2014"
    round: int = Field(default=0, ge=0, le=MAX_TALLY)
    turn: str | None = None
    order: list[str] = Field(default_factory=list)
    combatants: list[Combatant] = Field(default_factory=list)
    settings: EncounterSettings = Field(default_factory=EncounterSettings)
    version: int = Field(default=0, ge=0, le=MAX_TALLY)
    turn_history: list[TurnChange] = Field(default_factory=list)
    summary: dict[str, Any] | None = None
    # When the current turn began (server time), and when the turn as the table
    # sees it began (it stays put through hidden creatures' turns). Set by the
    # service, which owns the clock; null outside combat.
    turn_started_at: dt.datetime | None = Field(default=None, strict=False)
    public_turn_started_at: dt.datetime | None = Field(default=None, strict=False)

    def find(self, cid: str) -> Combatant | None:
        for combatant in self.combatants:
            if combatant.id == cid:
                return combatant
        return None

    def combatant(self, cid: str) -> Combatant:
        found = self.find(cid)
        if found is None:
            raise InvalidAction(f"No combatant {cid!r} in this encounter.")
        return found
