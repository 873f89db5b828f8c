"""What the encounter endpoints accept and answer (the fields of docs/api.md, "State fields")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.encounters.actions import DamageTypes
from app.encounters.state import (
    Condition,
    DeathSaves,
    EncounterSettings,
    EncounterStatus,
    Kind,
    LegendaryActions,
    LegendaryResistances,
    QualifiedDefence,
    Ruleset,
    Side,
    Status,
)


class EncounterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(default="Encounter", min_length=1, max_length=200)
    ruleset: Ruleset = "2014"
    settings: EncounterSettings | None = None


class EncounterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)


class CombatantOut(BaseModel):
    id: str
    name: str
    alias: str | None
    kind: Kind
    character_id: str | None
    statblock_id: str | None
    initiative: int | None
    initiative_bonus: int
    dexterity: int
    ac: int | None
    max_hp: int
    hp: int
    temp_hp: int
    conditions: list[Condition]
    concentration: str | None
    death_saves: DeathSaves
    status: Status
    hidden: bool
    legendary_actions: LegendaryActions
    legendary_resistances: LegendaryResistances
    reaction_used: bool
    resistances: list[str]
    vulnerabilities: list[str]
    immunities: list[str]
    qualified_defences: list[QualifiedDefence] = Field(
        description="Defences that hold only sometimes, with the stat block's wording."
    )
    condition_immunities: list[str]
    side: Side = Field(
        description='"party", "enemies" or "neutral"; difficulty and XP count enemies.'
    )
    surprised: bool = Field(
        description="2014 surprise: skips its first turn, no reactions until then."
    )
    max_hp_unreduced: int | None = Field(
        description="The hit point maximum before a reduction (2014 exhaustion level 4)."
    )
    notes: str
    group: str | None
    xp: int
    cr: str | None
    damage_dealt: int
    damage_taken: int


class EncounterOut(BaseModel):
    id: str
    campaign_id: str
    name: str
    status: EncounterStatus
    ruleset: Ruleset
    round: int
    turn: str | None = Field(description="The id of the combatant whose turn it is.")
    order: list[str] = Field(description="Combatant ids in turn order (delayed ones excluded).")
    combatants: list[CombatantOut]
    settings: EncounterSettings
    version: int = Field(description="The sequence number of the encounter's last event.")
    summary: dict[str, Any] | None = None
    turn_started_at: dt.datetime | None = Field(
        default=None, description="When the current turn began (server time); null outside combat."
    )


class EncounterListItem(BaseModel):
    id: str
    campaign_id: str
    name: str
    status: EncounterStatus
    ruleset: Ruleset
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EventOut(BaseModel):
    seq: int
    type: str
    text: str
    reminders: list[str]
    data: dict[str, Any]
    undo_of: int | None
    actor_id: str | None
    created_at: dt.datetime


class ActionResult(BaseModel):
    events: list[EventOut]
    state: EncounterOut
    version: int


class EventPage(BaseModel):
    items: list[EventOut]
    total: int = Field(description="Events in the whole log (not only this page).")
    version: int


class AdHocCombatant(BaseModel):
    """A combatant typed in by hand."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100)
    alias: str | None = Field(default=None, max_length=100)
    kind: Kind = "monster"
    initiative: int | None = Field(default=None, ge=-20, le=100)
    initiative_bonus: int = Field(default=0, ge=-20, le=30)
    dexterity: int = Field(default=10, ge=1, le=30)
    ac: int | None = Field(default=None, ge=0, le=50)
    max_hp: int = Field(default=1, ge=0, le=100_000)
    hp: int | None = Field(default=None, ge=0, le=100_000)
    temp_hp: int = Field(default=0, ge=0, le=100_000)
    hidden: bool = False
    notes: str = Field(default="", max_length=10_000)
    resistances: DamageTypes = []
    vulnerabilities: DamageTypes = []
    immunities: DamageTypes = []
    qualified_defences: Annotated[list[QualifiedDefence], Field(max_length=20)] = []
    condition_immunities: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)
    ] = []
    side: Side | None = Field(
        default=None, description="Default by kind: characters and npcs party, others enemies."
    )
    surprised: bool = False
    legendary_actions: Annotated[int, Field(ge=0, le=10)] | LegendaryActions = Field(
        default=0, description="Per round: a number, or the combatant's {max, remaining}."
    )
    legendary_resistances: Annotated[int, Field(ge=0, le=10)] | LegendaryResistances = 0
    conditions: Annotated[list[Condition], Field(max_length=50)] = []
    concentration: str | None = Field(default=None, max_length=100)
    reaction_used: bool = False
    group: str | None = Field(default=None, max_length=64)
    xp: int = Field(default=0, ge=0, le=1_000_000)
    cr: str | None = Field(default=None, max_length=10)
    count: int = Field(default=1, ge=1, le=50)

    def legendary(self) -> tuple[LegendaryActions, LegendaryResistances]:
        """Both counts as the combatant holds them: a bare number is max and remaining."""
        actions, resists = self.legendary_actions, self.legendary_resistances
        return (
            actions
            if isinstance(actions, LegendaryActions)
            else LegendaryActions(max=actions, remaining=actions),
            resists
            if isinstance(resists, LegendaryResistances)
            else LegendaryResistances(max=resists, remaining=resists),
        )


class FromCharacter(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    character_id: str = Field(min_length=1, max_length=64)
    hidden: bool = False
    side: Side = "party"


class FromCharacters(BaseModel):
    """Several of the campaign's characters at once (the party)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    character_ids: Annotated[list[str], Field(min_length=1, max_length=50)]


class FromStatBlock(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    statblock_id: str = Field(min_length=1, max_length=64)
    count: int = Field(default=1, ge=1, le=50)
    hp: Literal["average", "rolled"] | None = Field(
        default=None,
        description="The block's average HP or rolled from its hit dice; left out, the "
        "adding user's console setting `monster_hp` decides (default average).",
    )
    hidden: bool = False
    group: str | bool | None = Field(
        default=None,
        description="An initiative group id, or true for one new group of all of them.",
    )
    alias: str | None = Field(default=None, max_length=100)
    side: Side = "enemies"


CombatantCreate = FromCharacter | FromCharacters | FromStatBlock | AdHocCombatant
