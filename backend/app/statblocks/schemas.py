"""Our stat block schema: what a user writes, what the SRD ships, what combat reads.

Deliberately no ``from __future__ import annotations``: the ability fields are
called ``str`` and ``int`` (the stat block's own names), and eager annotations
keep those names from shadowing the builtins while pydantic builds the model.
"""

import re
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    computed_field,
    field_validator,
    model_validator,
)

from app.encounters.difficulty import CHALLENGE_RATINGS, xp_for_cr
from app.encounters.state import QualifiedDefence
from app.statblocks.defences import KIND_OF, split_qualified

Size = Literal["tiny", "small", "medium", "large", "huge", "gargantuan"]
SIZES: Final[tuple[str, ...]] = get_args(Size)

DamageType = Literal[
    "acid",
    "bludgeoning",
    "cold",
    "fire",
    "force",
    "lightning",
    "necrotic",
    "piercing",
    "poison",
    "psychic",
    "radiant",
    "slashing",
    "thunder",
]
DAMAGE_TYPES: Final[tuple[str, ...]] = get_args(DamageType)

ABILITIES: Final[tuple[str, ...]] = ("str", "dex", "con", "int", "wis", "cha")
_ABILITY_ALIASES: Final[dict[str, str]] = {
    "strength": "str",
    "dexterity": "dex",
    "constitution": "con",
    "intelligence": "int",
    "wisdom": "wis",
    "charisma": "cha",
}

HIT_DICE_RE: Final = re.compile(r"^([1-9]\d{0,2})d(4|6|8|10|12|20)$")
_LEGENDARY_RESISTANCE_RE: Final = re.compile(r"legendary resistance\s*\(\s*(\d+)\s*/\s*day", re.I)
# The SRD's legendary creatures all take 3 legendary actions a round.
DEFAULT_LEGENDARY_ACTIONS: Final = 3

_CR_FRACTIONS: Final[dict[float, str]] = {0.125: "1/8", 0.25: "1/4", 0.5: "1/2"}

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]
Score = Annotated[int, Field(ge=1, le=30)]
Bonus = Annotated[int, Field(ge=-10, le=30)]


def ability_modifier(score: int) -> int:
    return (score - 10) // 2


def cr_label(cr: float) -> str:
    """The printed form of a challenge rating: 0.125 -> "1/8", 2.0 -> "2"."""
    value = float(cr)
    if value not in CHALLENGE_RATINGS:
        raise ValueError(f"Unknown challenge rating: {cr!r}")
    return _CR_FRACTIONS.get(value) or str(int(value))


def parse_cr(value: object) -> float:
    """A challenge rating from a number or its printed form ("1/4", "2")."""
    if isinstance(value, bool):
        raise ValueError("A challenge rating is a number such as 2 or 1/4.")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text)
        try:
            number = int(match[1]) / int(match[2]) if match else float(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"Not a challenge rating: {value!r}") from None
    else:
        raise ValueError("A challenge rating is a number such as 2 or 1/4.")
    if number not in CHALLENGE_RATINGS:
        raise ValueError(f"Not a challenge rating: {value!r} (0, 1/8, 1/4, 1/2 or 1 to 30).")
    return number


class NamedText(BaseModel):
    """A trait, action, reaction or legendary action."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: ShortText
    desc: LongText = ""


class AbilityScores(BaseModel):
    model_config = ConfigDict(extra="forbid")

    str: Score = 10
    dex: Score = 10
    con: Score = 10
    int: Score = 10
    wis: Score = 10
    cha: Score = 10


def _dedupe_lower(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        item = value.strip().lower() if isinstance(value, str) else value
        if item not in seen:
            seen.append(item)
    return seen


class StatBlockIn(BaseModel):
    """A stat block as a user creates or replaces it (also what importers produce).

    Fields left out are derived where the rules define them: ``xp`` from the
    challenge rating, ``initiative_bonus`` from Dex, ``legendary_actions_per_round``
    (3 when there are legendary actions) and ``legendary_resistances`` from a
    "Legendary Resistance (N/Day)" trait.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: ShortText
    size: Size = "medium"
    type: Annotated[str, Field(min_length=1, max_length=60)]
    subtype: Annotated[str, Field(max_length=60)] | None = None
    alignment: Annotated[str, Field(max_length=80)] = "unaligned"
    ac: Annotated[int, Field(ge=0, le=50)]
    ac_notes: Annotated[str, Field(max_length=200)] | None = None
    hp: Annotated[int, Field(ge=1, le=10_000)]
    hit_dice: str | None = Field(
        default=None, description='Dice for hit points without the Con bonus, e.g. "2d6".'
    )
    speed: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=20)], ShortText],
        Field(max_length=10),
    ] = Field(default_factory=lambda: {"walk": "30 ft."})
    abilities: AbilityScores = Field(default_factory=AbilityScores)
    saving_throws: dict[str, Bonus] = Field(default_factory=dict)
    skills: Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=40)], Bonus], Field(max_length=30)
    ] = Field(default_factory=dict)
    damage_vulnerabilities: list[DamageType] = Field(default_factory=list)
    damage_vulnerabilities_note: Annotated[str, Field(max_length=500)] | None = None
    damage_resistances: list[DamageType] = Field(default_factory=list)
    damage_resistances_note: Annotated[str, Field(max_length=500)] | None = None
    damage_immunities: list[DamageType] = Field(default_factory=list)
    damage_immunities_note: Annotated[str, Field(max_length=500)] | None = None
    qualified_defences: Annotated[list[QualifiedDefence], Field(max_length=20)] = Field(
        default_factory=list,
        description='Defences that hold only sometimes ("from nonmagical attacks", '
        '"that aren\'t silvered", "damage from spells"); left out, they are read from the '
        "damage_*_note texts and their types leave the plain lists.",
    )
    condition_immunities: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=30)
    ] = Field(default_factory=list)
    senses: Annotated[
        dict[
            Annotated[str, Field(min_length=1, max_length=40)],
            str | Annotated[int, Field(ge=0, le=100_000)],
        ],
        Field(max_length=20),
    ] = Field(default_factory=dict)
    languages: Annotated[str, Field(max_length=500)] = ""
    challenge_rating: float = 0
    xp: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    proficiency_bonus: Annotated[int, Field(ge=0, le=10)] | None = None
    traits: Annotated[list[NamedText], Field(max_length=60)] = Field(default_factory=list)
    actions: Annotated[list[NamedText], Field(max_length=60)] = Field(default_factory=list)
    reactions: Annotated[list[NamedText], Field(max_length=60)] = Field(default_factory=list)
    legendary_actions: Annotated[list[NamedText], Field(max_length=60)] = Field(
        default_factory=list
    )
    legendary_actions_per_round: Annotated[int, Field(ge=0, le=10)] = 0
    legendary_resistances: Annotated[int, Field(ge=0, le=10)] = 0
    initiative_bonus: Bonus = 0
    description: LongText | None = None
    source: Annotated[str, Field(max_length=200)] | None = None

    @field_validator("type", mode="after")
    @classmethod
    def _lower_type(cls, value: str) -> str:
        return value.lower()

    @field_validator("size", mode="before")
    @classmethod
    def _lower_size(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("subtype", "ac_notes", "description", "source", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator(
        "damage_vulnerabilities_note",
        "damage_resistances_note",
        "damage_immunities_note",
        mode="after",
    )
    @classmethod
    def _blank_note_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("hit_dice", mode="after")
    @classmethod
    def _check_hit_dice(cls, value: str | None) -> str | None:
        if not value:
            return None
        value = value.replace(" ", "").lower()
        if not HIT_DICE_RE.fullmatch(value):
            raise ValueError('Hit dice look like "2d6": a count and a d4, d6, d8, d10, d12 or d20.')
        return value

    @field_validator("speed", "skills", "senses", mode="before")
    @classmethod
    def _lower_keys(cls, value: object) -> object:
        if isinstance(value, dict):
            return {
                (k.strip().lower().replace(" ", "_") if isinstance(k, str) else k): v
                for k, v in value.items()
            }
        return value

    @field_validator("saving_throws", mode="before")
    @classmethod
    def _ability_keys(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        out: dict[object, object] = {}
        for key, bonus in value.items():
            if isinstance(key, str):
                key = key.strip().lower()
                key = _ABILITY_ALIASES.get(key, key)
                if key not in ABILITIES:
                    raise ValueError(f"Unknown ability {key!r}: use one of {', '.join(ABILITIES)}.")
            out[key] = bonus
        return out

    @field_validator(
        "damage_vulnerabilities",
        "damage_resistances",
        "damage_immunities",
        "condition_immunities",
        mode="before",
    )
    @classmethod
    def _normalise_list(cls, value: object) -> object:
        return _dedupe_lower(value) if isinstance(value, list) else value

    @field_validator("challenge_rating", mode="before")
    @classmethod
    def _parse_cr(cls, value: object) -> float:
        return parse_cr(value)

    @model_validator(mode="after")
    def _derive_defaults(self) -> "StatBlockIn":
        given = self.model_fields_set
        if "xp" not in given:
            self.xp = xp_for_cr(self.challenge_rating)
        if "initiative_bonus" not in given:
            self.initiative_bonus = ability_modifier(self.abilities.dex)
        if "legendary_actions_per_round" not in given and self.legendary_actions:
            self.legendary_actions_per_round = DEFAULT_LEGENDARY_ACTIONS
        if "legendary_resistances" not in given:
            self.legendary_resistances = legendary_resistances_from_traits(self.traits)
        if "qualified_defences" not in given:
            for field in KIND_OF:
                plain, qualified = split_qualified(
                    field, getattr(self, field), getattr(self, f"{field}_note")
                )
                setattr(self, field, plain)
                self.qualified_defences.extend(qualified)
        return self


def legendary_resistances_from_traits(traits: list[NamedText]) -> int:
    for trait in traits:
        match = _LEGENDARY_RESISTANCE_RE.search(trait.name)
        if match:
            return min(int(match[1]), 10)
    return 0


def hp_roll_expression(block: StatBlockIn) -> str:
    """The dice to roll for this creature's hit points: hit dice plus Con per die.

    "2d6" with Con 12 gives "2d6+2", with Con 8 "2d6-2". Without hit dice the
    creature always has its average, written as a constant expression ("7").
    """
    if not block.hit_dice:
        return str(block.hp)
    count = int(block.hit_dice.split("d", 1)[0])
    bonus = ability_modifier(block.abilities.con) * count
    if bonus > 0:
        return f"{block.hit_dice}+{bonus}"
    if bonus < 0:
        return f"{block.hit_dice}{bonus}"
    return block.hit_dice


class StatBlockData(StatBlockIn):
    """The full stored shape: a stat block plus its identity and derived labels.

    ``slug`` is the SRD index ("goblin") for shipped monsters, None for users'.
    It ignores unknown keys so that its own dump (with the computed fields)
    reads back.
    """

    model_config = ConfigDict(extra="ignore")

    slug: Annotated[str, Field(max_length=100)] | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def challenge_rating_label(self) -> str:
        return cr_label(self.challenge_rating)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hp_roll(self) -> str:
        return hp_roll_expression(self)


COMPUTED_FIELDS: Final = frozenset({"challenge_rating_label", "hp_roll"})
