"""The combat actions a client can send, one model per ``type``
(docs/api.md, "Action vocabulary").

Value constraints live here so that a malformed action is a 422 before the rules see
it; whether the encounter's state allows it is the rules' business (409). Types are
strict: an amount is a JSON integer (``"5"``, ``true`` and ``5.0`` are refused), a flag
a JSON boolean, and every integer is bounded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.encounters.state import (
    Combatant,
    CombatantId,
    DamageType,
    Duration,
    HpDisplay,
    InitiativeMode,
    Name,
    QualifiedDefence,
    Ruleset,
    Save,
    Side,
    TiePolicy,
    condition_key,
)

MAX_AMOUNT = 100_000
MAX_LIST = 200

Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
Targets = Annotated[list[CombatantId], Field(min_length=1, max_length=MAX_LIST)]
DamageTypes = Annotated[list[DamageType], Field(max_length=50)]


class ActionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RollInitiative(ActionModel):
    type: Literal["roll_initiative"]
    combatants: (
        Literal["all", "monsters"]
        | Annotated[list[CombatantId], Field(min_length=1, max_length=MAX_LIST)]
    ) = "all"
    mode: Literal["normal", "advantage", "disadvantage"] = "normal"
    surprised: Annotated[list[CombatantId], Field(max_length=MAX_LIST)] = Field(
        default_factory=list
    )


class SetInitiative(ActionModel):
    type: Literal["set_initiative"]
    combatant_id: CombatantId
    initiative: int = Field(ge=-100, le=1000)


class StartCombat(ActionModel):
    type: Literal["start_combat"]


class NextTurn(ActionModel):
    type: Literal["next_turn"]


class PreviousTurn(ActionModel):
    type: Literal["previous_turn"]


class EndCombat(ActionModel):
    type: Literal["end_combat"]


class Undo(ActionModel):
    """Handled by the service from stored snapshots; the rules never see it."""

    type: Literal["undo"]


class Redo(ActionModel):
    """Re-applies the newest undone event, until a new action is taken (the service's)."""

    type: Literal["redo"]


class Damage(ActionModel):
    type: Literal["damage"]
    targets: Targets
    amount: Amount
    damage_type: DamageType | None = None
    # Only matters at 0 HP, where a critical hit is two death-save failures.
    critical: bool = False
    source: CombatantId | None = None
    # What the hit carries, for defences with a qualifier ("from nonmagical attacks",
    # "that aren't silvered", "that aren't adamantine", "damage from spells").
    magical: bool = False
    silvered: bool = False
    adamantine: bool = False
    spell: bool = False

    def flags(self) -> frozenset[str]:
        """The flags this hit carries; damage from a spell is magical too."""
        named = [f for f in ("magical", "silvered", "adamantine", "spell") if getattr(self, f)]
        return frozenset([*named, *(["magical"] if self.spell else [])])

    @field_validator("damage_type")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.strip().lower() if value is not None else None


class Heal(ActionModel):
    type: Literal["heal"]
    targets: Targets
    amount: Amount


class SetTempHp(ActionModel):
    type: Literal["set_temp_hp"]
    targets: Targets
    amount: Amount


class AddCondition(ActionModel):
    type: Literal["add_condition"]
    targets: Targets
    condition: Name
    duration: Duration | None = None
    save: Save | None = None
    level: int | None = Field(default=None, ge=1, le=6)
    source: Annotated[str, Field(max_length=100)] | None = None
    # The combatant whose concentration maintains it: it ends when that concentration does.
    concentration_of: CombatantId | None = None

    @field_validator("condition")
    @classmethod
    def _normalise(cls, value: str) -> str:
        key = condition_key(value)
        if not key:
            raise ValueError("a condition needs a name")
        return key


class RemoveCondition(ActionModel):
    type: Literal["remove_condition"]
    targets: Targets
    condition: Name

    @field_validator("condition")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return condition_key(value)


class SetDead(ActionModel):
    """A monster (or npc) at 0 HP is down or dead: the DM's call."""

    type: Literal["set_dead"]
    combatant_id: CombatantId
    dead: bool


class DeathSave(ActionModel):
    type: Literal["death_save"]
    combatant_id: CombatantId
    result: Literal["success", "failure", "critical_success", "critical_failure"]


class Delay(ActionModel):
    type: Literal["delay"]
    combatant_id: CombatantId


class Resume(ActionModel):
    type: Literal["resume"]
    combatant_id: CombatantId
    before: CombatantId | None = None


class SetConcentration(ActionModel):
    type: Literal["set_concentration"]
    combatant_id: CombatantId
    spell: Annotated[str, Field(min_length=1, max_length=100)] | None


class UseLegendaryAction(ActionModel):
    type: Literal["use_legendary_action"]
    combatant_id: CombatantId
    count: int = Field(default=1, ge=1, le=20)


class UseLegendaryResistance(ActionModel):
    type: Literal["use_legendary_resistance"]
    combatant_id: CombatantId


class UseReaction(ActionModel):
    type: Literal["use_reaction"]
    combatant_id: CombatantId


class SetHidden(ActionModel):
    type: Literal["set_hidden"]
    combatant_id: CombatantId
    hidden: bool


class Reorder(ActionModel):
    """Tied combatants in the order the DM wants; they keep the places they hold."""

    type: Literal["reorder"]
    combatant_ids: Annotated[list[CombatantId], Field(min_length=2, max_length=MAX_LIST)]

    @field_validator("combatant_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each combatant at most once")
        return value


class RemoveCombatant(ActionModel):
    type: Literal["remove_combatant"]
    combatant_id: CombatantId


class UpdateCombatant(ActionModel):
    """Only the fields sent change; ``alias``, ``ac`` and ``group`` may be set to null."""

    type: Literal["update_combatant"]
    combatant_id: CombatantId
    name: Name | None = None
    alias: Annotated[str, Field(max_length=100)] | None = None
    ac: int | None = Field(default=None, ge=0, le=100)
    max_hp: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    initiative_bonus: int | None = Field(default=None, ge=-100, le=100)
    dexterity: int | None = Field(default=None, ge=0, le=100)
    notes: Annotated[str, Field(max_length=10_000)] | None = None
    resistances: DamageTypes | None = None
    vulnerabilities: DamageTypes | None = None
    immunities: DamageTypes | None = None
    hidden: bool | None = None
    group: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    xp: int | None = Field(default=None, ge=0, le=10_000_000)
    cr: Annotated[str, Field(max_length=10)] | None = None
    legendary_actions_max: int | None = Field(default=None, ge=0, le=20)
    legendary_actions_max_in_lair: int | None = Field(default=None, ge=0, le=20)
    legendary_resistances_max: int | None = Field(default=None, ge=0, le=20)
    side: Side | None = None
    surprised: bool | None = None
    qualified_defences: Annotated[list[QualifiedDefence], Field(max_length=20)] | None = None
    condition_immunities: Annotated[list[Name], Field(max_length=20)] | None = None

    @field_validator("resistances", "vulnerabilities", "immunities")
    @classmethod
    def _lower(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [t.strip().lower() for t in value]

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, with their values."""
        sent = self.model_fields_set - {"type", "combatant_id"}
        return {name: getattr(self, name) for name in sorted(sent)}


class SideViewPatch(ActionModel):
    show_hp: HpDisplay | None = None
    show_conditions: bool | None = None


class PlayerViewPatch(ActionModel):
    enemies: SideViewPatch | None = None
    allies: SideViewPatch | None = None
    players: SideViewPatch | None = None
    show_round: bool | None = None
    turn_timer: bool | None = None
    active_on_top: bool | None = None


class UpdateSettings(ActionModel):
    type: Literal["update_settings"]
    tie_policy: TiePolicy | None = None
    initiative_mode: InitiativeMode | None = None
    reroll_each_round: bool | None = None
    skip_down_monsters: bool | None = None
    in_lair: bool | None = None
    monster_death_saves: bool | None = None
    player_view: PlayerViewPatch | None = None
    ruleset: Ruleset | None = Field(
        default=None, description="The rules edition; not while combat is running."
    )


Action = Annotated[
    RollInitiative
    | SetInitiative
    | StartCombat
    | NextTurn
    | PreviousTurn
    | EndCombat
    | Undo
    | Redo
    | Damage
    | Heal
    | SetTempHp
    | AddCondition
    | RemoveCondition
    | DeathSave
    | SetDead
    | Delay
    | Resume
    | SetConcentration
    | UseLegendaryAction
    | UseLegendaryResistance
    | UseReaction
    | SetHidden
    | Reorder
    | RemoveCombatant
    | UpdateCombatant
    | UpdateSettings,
    Field(discriminator="type"),
]


class AddCombatants(ActionModel):
    """Internal: the service resolves characters and stat blocks, assigns ids and tiebreaks.

    ``rolls`` are the dice the service rolled to build them (e.g. rolled HP), each a
    ``Roll.as_dict()`` optionally with ``combatant_id`` and ``purpose`` keys, so the log
    explains them.
    """

    type: Literal["add_combatants"] = "add_combatants"
    combatants: Annotated[list[Combatant], Field(min_length=1, max_length=MAX_LIST)]
    rolls: list[dict[str, Any]] = Field(default_factory=list)


class RenameEncounter(ActionModel):
    """Internal: ``PATCH /api/encounters/{id}`` with a new name."""

    type: Literal["rename_encounter"] = "rename_encounter"
    name: Annotated[str, Field(min_length=1, max_length=200)]
