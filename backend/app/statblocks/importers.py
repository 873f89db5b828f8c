"""Import stat blocks from other tools' JSON into our schema.

Two foreign shapes are understood, and detected by their keys:

* the 5e-bits/dnd5eapi monster (``index``, ``hit_points``, ``armor_class`` as a
  list of ``{type, value}``, ``strength`` ... ``charisma``, ``proficiencies``,
  ``special_abilities``); the shipped SRD data is converted by this same code;
* Improved Initiative's ``StatBlock`` (``Name``, ``Type`` such as
  "Medium humanoid (goblinoid), neutral evil", ``HP``/``AC`` as
  ``{Value, Notes}``, ``Abilities.Str`` ..., ``Saves``/``Skills`` as
  ``[{Name, Modifier}]``, ``Challenge`` as "1/4", ``Traits``/``Actions`` as
  ``[{Name, Content, Usage}]``).

Our own shape (``StatBlockIn``) is accepted too, so an exported block re-imports.
Every problem is reported with its path in the *submitted* document (for
example ``["HP", "Value"]``), not in ours, because that is what the user can fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from pydantic import ValidationError

from app.errors import Unprocessable
from app.statblocks.schemas import (
    ABILITIES,
    DAMAGE_TYPES,
    SIZES,
    StatBlockIn,
    ability_modifier,
)

Loc = tuple[str | int, ...]
Format = Literal["5e-bits", "improved-initiative", "native"]

_DAMAGE_WORD_RE: Final = re.compile(r"\b(" + "|".join(DAMAGE_TYPES) + r")\b", re.I)
_HIT_DICE_IN_TEXT_RE: Final = re.compile(r"(\d+)\s*d\s*(\d+)", re.I)
_SPEED_MODES: Final = ("walk", "burrow", "climb", "fly", "swim")
_ABILITY_FULL: Final = (
    "strength",
    "dexterity",
    "constitution",
    "intelligence",
    "wisdom",
    "charisma",
)
_IA_ABILITIES: Final = ("Str", "Dex", "Con", "Int", "Wis", "Cha")


class StatBlockImportError(Unprocessable):
    """The submitted JSON is not a stat block we can read; ``errors`` name the fields."""

    type = "statblock-import-error"
    title = "Stat block could not be imported"


class _Missing:
    pass


_MISSING: Final = _Missing()


class _Reader:
    """Reads a foreign document, collecting every problem with its source path.

    ``origin`` maps a path in our schema to the path it was read from, so that a
    later validation error on our model can be reported against the source.
    """

    def __init__(self, leaf_names: Mapping[str, str] | None = None) -> None:
        self.errors: list[dict[str, Any]] = []
        self.origin: dict[Loc, Loc] = {}
        self.leaf_names: Mapping[str, str] = leaf_names or {}

    def fail(self, loc: Loc, msg: str, kind: str) -> None:
        self.errors.append({"loc": list(loc), "msg": msg, "type": kind})

    def raw(self, obj: Mapping[str, Any], key: str) -> Any:
        return obj.get(key, _MISSING)

    def string(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> str | None:
        value = self.raw(obj, key)
        if value is _MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            # 5e-bits descriptions are sometimes a list of paragraphs.
            return "\n\n".join(value)
        self.fail((*loc, key), "Input should be a valid string", "string_type")
        return None

    def integer(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> int | None:
        value = self.raw(obj, key)
        if value is _MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        number = _as_int(value)
        if number is None:
            self.fail((*loc, key), "Input should be a valid integer", "int_type")
        return number

    def listing(self, obj: Mapping[str, Any], key: str, loc: Loc) -> list[Any]:
        value = self.raw(obj, key)
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.fail((*loc, key), "Input should be a valid list", "list_type")
            return []
        return value

    def mapping(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> Mapping[str, Any] | None:
        value = self.raw(obj, key)
        if value is _MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        if not isinstance(value, Mapping):
            self.fail((*loc, key), "Input should be a valid dictionary", "dict_type")
            return None
        return value

    def source_loc(self, loc: Loc) -> Loc:
        for cut in range(len(loc), 0, -1):
            source = self.origin.get(loc[:cut])
            if source is not None:
                rest = tuple(
                    self.leaf_names.get(p, p) if isinstance(p, str) else p for p in loc[cut:]
                )
                return source + rest
        return loc

    def build(self, data: dict[str, Any]) -> StatBlockIn:
        if self.errors:
            raise StatBlockImportError(_summary(self.errors), errors=self.errors)
        try:
            return StatBlockIn.model_validate(data)
        except ValidationError as exc:
            errors = [
                {
                    "loc": list(self.source_loc(tuple(err["loc"]))),
                    "msg": err["msg"],
                    "type": err["type"],
                }
                for err in exc.errors(include_url=False)
            ]
            raise StatBlockImportError(_summary(errors), errors=errors) from None


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(document)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def split_damage_text(entries: list[str]) -> tuple[list[str], str | None]:
    """Damage types named in resistance/immunity entries, plus a note for the rest.

    "fire" is a type. "bludgeoning, piercing, and slashing from nonmagical
    attacks" yields its three types (the tracker applies them to every hit of
    that type) and keeps the sentence as a note, so the DM sees the exception.
    """
    types: list[str] = []
    notes: list[str] = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        found = [m.lower() for m in _DAMAGE_WORD_RE.findall(text)]
        for kind in found:
            if kind not in types:
                types.append(kind)
        residue = _DAMAGE_WORD_RE.sub("", text)
        if re.sub(r"[\s,;]|\band\b", "", residue, flags=re.I):
            notes.append(text)
    return types, "; ".join(notes) or None


def detect_format(payload: Mapping[str, Any]) -> Format | None:
    keys = set(payload)
    if "hit_points" in keys or {"index", "challenge_rating"} <= keys or "armor_class" in keys:
        return "5e-bits"
    if keys & {"HP", "AC", "Abilities", "Challenge"}:
        return "improved-initiative"
    if {"hp", "abilities"} <= keys or {"hp", "ac"} <= keys:
        return "native"
    return None


def import_statblock(payload: object) -> StatBlockIn:
    """Convert a 5e-bits, Improved Initiative or native stat block (detected).

    Raises :class:`StatBlockImportError` (422) naming every bad field.
    """
    if not isinstance(payload, Mapping):
        raise StatBlockImportError(
            "A stat block is a JSON object.",
            errors=[{"loc": [], "msg": "Input should be an object", "type": "dict_type"}],
        )
    converters: dict[Format, Callable[[Mapping[str, Any]], StatBlockIn]] = {
        "5e-bits": from_5e_bits,
        "improved-initiative": from_improved_initiative,
        "native": _from_native,
    }
    kind = detect_format(payload)
    if kind is None:
        raise StatBlockImportError(
            "Unrecognised stat block: expected the 5e-bits/dnd5eapi monster shape "
            '(with "hit_points"), Improved Initiative\'s StatBlock (with "HP"), '
            'or ours (with "hp").',
            errors=[{"loc": [], "msg": "Unrecognised stat block format", "type": "unknown_format"}],
        )
    return converters[kind](payload)


def _from_native(payload: Mapping[str, Any]) -> StatBlockIn:
    return _Reader().build(dict(payload))


# --- 5e-bits / dnd5eapi ------------------------------------------------------


def _usage_suffix(usage: object) -> str:
    """The printed usage of an ability, as the SRD writes it after the name."""
    if not isinstance(usage, Mapping):
        return ""
    kind = usage.get("type")
    if kind == "per day" and _as_int(usage.get("times")) is not None:
        return f" ({usage['times']}/Day)"
    if kind == "recharge on roll":
        low = _as_int(usage.get("min_value"))
        dice = str(usage.get("dice") or "1d6")
        top = _as_int(dice.rsplit("d", 1)[-1]) or 6
        if low is None:
            return ""
        return f" (Recharge {low})" if low >= top else f" (Recharge {low}-{top})"
    if kind == "recharge after rest":
        rests = usage.get("rest_types")
        if isinstance(rests, list) and "short" in rests:
            return " (Recharges after a Short or Long Rest)"
        return " (Recharges after a Long Rest)"
    return ""


def _5e_entries(reader: _Reader, payload: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(reader.listing(payload, key, ())):
        if not isinstance(entry, Mapping):
            reader.fail((key, i), "Input should be a valid dictionary", "dict_type")
            continue
        name = reader.string(entry, "name", (key, i), required=True)
        desc = reader.string(entry, "desc", (key, i)) or ""
        if name is None:
            continue
        suffix = _usage_suffix(entry.get("usage"))
        if suffix and suffix.strip() not in name:
            name += suffix
        out.append({"name": name, "desc": desc})
    return out


def _5e_armor_class(reader: _Reader, payload: Mapping[str, Any]) -> tuple[int | None, str | None]:
    raw = reader.raw(payload, "armor_class")
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        # The dnd5eapi before 2023 served a bare number.
        return reader.integer(payload, "armor_class", ()), None
    if raw is _MISSING or raw is None:
        reader.fail(("armor_class",), "Field required", "missing")
        return None, None
    entries = reader.listing(payload, "armor_class", ())
    if not isinstance(raw, list):
        return None, None
    if not entries:
        reader.fail(("armor_class",), "List should have at least 1 item", "too_short")
        return None, None
    # Worn armor and shields are listed after the natural or Dex entry and give
    # the real AC (Azer: natural 15, then 17 with a shield, printed "17 (natural
    # armor, shield)"); spells and conditions give an alternative AC for the notes.
    ac: int | None = None
    base: list[str] = []
    alternatives: list[str] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            reader.fail(("armor_class", i), "Input should be a valid dictionary", "dict_type")
            continue
        value = reader.integer(entry, "value", ("armor_class", i), required=True)
        if value is None:
            continue
        detail = _armor_detail(entry)
        if entry.get("type") == "spell":
            alternatives.append(f"{value} with {detail or 'a spell'}")
        elif entry.get("type") == "condition":
            alternatives.append(f"{value} while {detail or 'affected by a condition'}")
        else:
            if ac is None or value >= ac:
                ac = value
                reader.origin[("ac",)] = ("armor_class", i, "value")
            if detail:
                base.append(detail)
    notes = base + alternatives
    return ac, ", ".join(notes) or None


def _armor_detail(entry: Mapping[str, Any]) -> str:
    kind = entry.get("type")
    if isinstance(entry.get("desc"), str):
        return str(entry["desc"])
    if kind == "natural":
        return "natural armor"
    for key in ("armor", "spell", "condition"):
        ref = entry.get(key)
        refs = ref if isinstance(ref, list) else [ref] if ref else []
        names = [str(r["name"]).lower() for r in refs if isinstance(r, Mapping) and "name" in r]
        if names:
            return ", ".join(names)
    return "armor" if kind == "armor" else ""


def from_5e_bits(payload: Mapping[str, Any]) -> StatBlockIn:
    """Convert one 5e-bits/dnd5eapi monster (the SRD data's own shape)."""
    r = _Reader()
    data: dict[str, Any] = {}
    for ours, theirs in (
        ("name", "name"),
        ("size", "size"),
        ("type", "type"),
        ("subtype", "subtype"),
        ("alignment", "alignment"),
        ("languages", "languages"),
        ("description", "desc"),
    ):
        value = r.string(payload, theirs, (), required=ours in ("name", "type"))
        if value is not None:
            data[ours] = value
            r.origin[(ours,)] = (theirs,)

    ac, ac_notes = _5e_armor_class(r, payload)
    if ac is not None:
        data["ac"] = ac
        r.origin.setdefault(("ac",), ("armor_class",))
        data["ac_notes"] = ac_notes

    hp = r.integer(payload, "hit_points", (), required=True)
    if hp is not None:
        data["hp"] = hp
        r.origin[("hp",)] = ("hit_points",)
    hit_dice = r.string(payload, "hit_dice", ())
    if hit_dice:
        # The dice alone: the SRD data has "6d8+6" for the Cult Fanatic, and the
        # Con bonus is ours to add (hp_roll_expression).
        data["hit_dice"] = hit_dice.replace(" ", "").split("+")[0].split("-")[0]
        r.origin[("hit_dice",)] = ("hit_dice",)

    speed = r.mapping(payload, "speed", ())
    if speed is not None:
        data["speed"] = _5e_speed(speed)
        r.origin[("speed",)] = ("speed",)

    abilities: dict[str, int] = {}
    for short, full in zip(ABILITIES, _ABILITY_FULL, strict=True):
        score = r.integer(payload, full, (), required=True)
        if score is not None:
            abilities[short] = score
            r.origin[("abilities", short)] = (full,)
    data["abilities"] = abilities

    saves: dict[str, int] = {}
    skills: dict[str, int] = {}
    for i, prof in enumerate(r.listing(payload, "proficiencies", ())):
        loc: Loc = ("proficiencies", i)
        ref = prof.get("proficiency") if isinstance(prof, Mapping) else None
        index = ref.get("index") if isinstance(ref, Mapping) else None
        if not isinstance(prof, Mapping) or not isinstance(index, str):
            r.fail((*loc, "proficiency", "index"), "Field required", "missing")
            continue
        bonus = r.integer(prof, "value", loc, required=True)
        if bonus is None:
            continue
        if index.startswith("saving-throw-"):
            ability = index.removeprefix("saving-throw-")
            saves[ability] = bonus
            r.origin[("saving_throws", ability)] = (*loc, "value")
        elif index.startswith("skill-"):
            skill = index.removeprefix("skill-").replace("-", "_")
            skills[skill] = bonus
            r.origin[("skills", skill)] = (*loc, "value")
    data["saving_throws"] = saves
    data["skills"] = skills

    for field in ("damage_vulnerabilities", "damage_resistances", "damage_immunities"):
        texts = []
        for i, entry in enumerate(r.listing(payload, field, ())):
            text = _ref_name(entry)
            if text is None:
                r.fail((field, i), "Input should be a valid string", "string_type")
            else:
                texts.append(text)
        data[field], data[f"{field}_note"] = split_damage_text(texts)
        r.origin[(field,)] = (field,)

    conditions = []
    for i, entry in enumerate(r.listing(payload, "condition_immunities", ())):
        text = _ref_name(entry, prefer_index=True)
        if text is None:
            r.fail(("condition_immunities", i), "Input should be a valid string", "string_type")
        else:
            conditions.append(text)
            r.origin[("condition_immunities", len(conditions) - 1)] = ("condition_immunities", i)
    data["condition_immunities"] = conditions

    senses = r.mapping(payload, "senses", ())
    if senses is not None:
        data["senses"] = {str(k): v for k, v in senses.items()}
        r.origin[("senses",)] = ("senses",)

    cr = r.raw(payload, "challenge_rating")
    if cr is _MISSING:
        r.fail(("challenge_rating",), "Field required", "missing")
    else:
        data["challenge_rating"] = cr
        r.origin[("challenge_rating",)] = ("challenge_rating",)
    xp = r.integer(payload, "xp", ())
    if xp is not None:
        data["xp"] = xp
        r.origin[("xp",)] = ("xp",)
    bonus = r.integer(payload, "proficiency_bonus", ())
    if bonus is not None:
        data["proficiency_bonus"] = bonus
        r.origin[("proficiency_bonus",)] = ("proficiency_bonus",)

    for ours, theirs in (
        ("traits", "special_abilities"),
        ("actions", "actions"),
        ("reactions", "reactions"),
        ("legendary_actions", "legendary_actions"),
    ):
        data[ours] = _5e_entries(r, payload, theirs)
        r.origin[(ours,)] = (theirs,)
    return r.build(data)


def _5e_speed(speed: Mapping[str, Any]) -> dict[str, Any]:
    out = {str(k): v for k, v in speed.items() if k != "hover"}
    if speed.get("hover") is True and isinstance(out.get("fly"), str):
        out["fly"] = f"{out['fly']} (hover)"
    return out


def _ref_name(entry: object, *, prefer_index: bool = False) -> str | None:
    """A plain string, or the name of an API reference ``{index, name, url}``."""
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        for key in ("index", "name") if prefer_index else ("name", "index"):
            if isinstance(entry.get(key), str):
                return str(entry[key])
    return None


# --- Improved Initiative -----------------------------------------------------

_IA_TYPE_RE: Final = re.compile(
    r"^\s*(?:(?P<size>tiny|small|medium|large|huge|gargantuan)\b)?\s*"
    r"(?P<type>[^(,]*?)\s*(?:\((?P<subtype>[^)]*)\))?\s*(?:,\s*(?P<alignment>.*?))?\s*$",
    re.I,
)


def parse_ia_type(text: str) -> dict[str, str | None]:
    """Split "Medium humanoid (goblinoid), neutral evil" into its four parts."""
    match = _IA_TYPE_RE.match(text)
    if not match:  # pragma: no cover - the pattern matches any string
        return {"size": None, "type": text or None, "subtype": None, "alignment": None}
    size = match["size"].lower() if match["size"] else None
    return {
        "size": size if size in SIZES else None,
        "type": match["type"] or None,
        "subtype": match["subtype"] or None,
        "alignment": match["alignment"] or None,
    }


def _ia_value_notes(r: _Reader, payload: Mapping[str, Any], key: str) -> tuple[int | None, str]:
    block = r.mapping(payload, key, (), required=True)
    if block is None:
        return None, ""
    value = r.integer(block, "Value", (key,), required=True)
    notes = r.string(block, "Notes", (key,)) or ""
    return value, notes.strip()


def _ia_named_modifiers(
    r: _Reader, payload: Mapping[str, Any], key: str, ours: str, normalise: Callable[[str], str]
) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, entry in enumerate(r.listing(payload, key, ())):
        if not isinstance(entry, Mapping):
            r.fail((key, i), "Input should be a valid dictionary", "dict_type")
            continue
        name = r.string(entry, "Name", (key, i), required=True)
        modifier = r.integer(entry, "Modifier", (key, i), required=True)
        if name is None or modifier is None:
            continue
        field = normalise(name)
        if ours == "saving_throws" and field not in ABILITIES:
            r.fail((key, i, "Name"), f"Unknown ability {name!r}", "value_error")
            continue
        out[field] = modifier
        r.origin[(ours, field)] = (key, i, "Modifier")
    return out


def _ia_entries(r: _Reader, payload: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(r.listing(payload, key, ())):
        if not isinstance(entry, Mapping):
            r.fail((key, i), "Input should be a valid dictionary", "dict_type")
            continue
        name = r.string(entry, "Name", (key, i), required=True)
        content = r.string(entry, "Content", (key, i)) or ""
        usage = (r.string(entry, "Usage", (key, i)) or "").strip()
        if name is None:
            continue
        if usage and usage not in name:
            name = f"{name} ({usage})"
        out.append({"name": name, "desc": content})
    return out


def _ia_strings(r: _Reader, payload: Mapping[str, Any], key: str) -> list[str]:
    out: list[str] = []
    for i, entry in enumerate(r.listing(payload, key, ())):
        if isinstance(entry, str):
            out.append(entry)
        else:
            r.fail((key, i), "Input should be a valid string", "string_type")
    return out


def _ia_speed(entries: list[str]) -> dict[str, str]:
    speed: dict[str, str] = {}
    for entry in entries:
        for part in entry.split(","):
            text = part.strip()
            if not text:
                continue
            mode, _, rest = text.partition(" ")
            if mode.lower() in _SPEED_MODES and rest:
                speed[mode.lower()] = rest.strip()
            elif text[0].isdigit():
                speed["walk"] = text
            else:
                speed["other"] = f"{speed['other']}, {text}" if "other" in speed else text
    return speed


def _ia_senses(entries: list[str]) -> dict[str, str | int]:
    senses: dict[str, str | int] = {}
    for entry in entries:
        for part in entry.split(","):
            text = part.strip()
            if not text:
                continue
            passive = re.fullmatch(r"passive\s+perception\s+(\d+)", text, re.I)
            named = re.fullmatch(r"([A-Za-z][A-Za-z ]*?)\s+(\d.*)", text)
            if passive:
                senses["passive_perception"] = int(passive[1])
            elif named:
                senses[named[1].lower().replace(" ", "_")] = named[2]
            else:
                old = senses.get("other")
                senses["other"] = f"{old}, {text}" if old else text
    return senses


def from_improved_initiative(payload: Mapping[str, Any]) -> StatBlockIn:
    """Convert one Improved Initiative ``StatBlock`` (its creature library JSON)."""
    r = _Reader(leaf_names={"name": "Name", "desc": "Content"})
    data: dict[str, Any] = {}

    name = r.string(payload, "Name", (), required=True)
    if name is not None:
        data["name"] = name
        r.origin[("name",)] = ("Name",)

    kind = r.string(payload, "Type", ()) or ""
    parts = parse_ia_type(kind)
    data["size"] = parts["size"] or "medium"
    # Improved Initiative's default block has an empty Type; ours needs one.
    data["type"] = parts["type"] or "unknown"
    data["subtype"] = parts["subtype"]
    data["alignment"] = parts["alignment"] or "unaligned"
    for field in ("size", "type", "subtype", "alignment"):
        r.origin[(field,)] = ("Type",)

    hp, hp_notes = _ia_value_notes(r, payload, "HP")
    if hp is not None:
        data["hp"] = hp
        r.origin[("hp",)] = ("HP", "Value")
    dice = _HIT_DICE_IN_TEXT_RE.search(hp_notes)
    if dice and f"{dice[2]}" in ("4", "6", "8", "10", "12", "20") and int(dice[1]) > 0:
        # Only real hit dice: the editor's default note "(1d1+0)" is a placeholder.
        data["hit_dice"] = f"{int(dice[1])}d{dice[2]}"
        r.origin[("hit_dice",)] = ("HP", "Notes")

    ac, ac_notes = _ia_value_notes(r, payload, "AC")
    if ac is not None:
        data["ac"] = ac
        data["ac_notes"] = ac_notes.strip("() ") or None
        r.origin[("ac",)] = ("AC", "Value")
        r.origin[("ac_notes",)] = ("AC", "Notes")

    data["speed"] = _ia_speed(_ia_strings(r, payload, "Speed"))
    r.origin[("speed",)] = ("Speed",)

    abilities_in = r.mapping(payload, "Abilities", (), required=True)
    abilities: dict[str, int] = {}
    if abilities_in is not None:
        for short, theirs in zip(ABILITIES, _IA_ABILITIES, strict=True):
            score = r.integer(abilities_in, theirs, ("Abilities",), required=True)
            if score is not None:
                abilities[short] = score
                r.origin[("abilities", short)] = ("Abilities", theirs)
    data["abilities"] = abilities

    extra_initiative = r.integer(payload, "InitiativeModifier", ()) or 0
    if "dex" in abilities:
        # Improved Initiative adds InitiativeModifier to the Dex modifier.
        data["initiative_bonus"] = ability_modifier(abilities["dex"]) + extra_initiative
        r.origin[("initiative_bonus",)] = ("InitiativeModifier",)

    data["saving_throws"] = _ia_named_modifiers(
        r, payload, "Saves", "saving_throws", lambda n: n.strip().lower()[:3]
    )
    data["skills"] = _ia_named_modifiers(
        r, payload, "Skills", "skills", lambda n: n.strip().lower().replace(" ", "_")
    )

    for ours, theirs in (
        ("damage_vulnerabilities", "DamageVulnerabilities"),
        ("damage_resistances", "DamageResistances"),
        ("damage_immunities", "DamageImmunities"),
    ):
        data[ours], data[f"{ours}_note"] = split_damage_text(_ia_strings(r, payload, theirs))
        r.origin[(ours,)] = (theirs,)
        r.origin[(f"{ours}_note",)] = (theirs,)

    conditions: list[str] = []
    for text in _ia_strings(r, payload, "ConditionImmunities"):
        # One entry may list several ("charmed, frightened"); the schema dedupes.
        conditions.extend(c.strip() for c in re.split(r",|\band\b", text) if c.strip())
    data["condition_immunities"] = conditions
    r.origin[("condition_immunities",)] = ("ConditionImmunities",)

    data["senses"] = _ia_senses(_ia_strings(r, payload, "Senses"))
    r.origin[("senses",)] = ("Senses",)
    data["languages"] = ", ".join(s.strip() for s in _ia_strings(r, payload, "Languages") if s)
    r.origin[("languages",)] = ("Languages",)

    challenge = r.raw(payload, "Challenge")
    if challenge not in (_MISSING, None, ""):
        data["challenge_rating"] = challenge
        r.origin[("challenge_rating",)] = ("Challenge",)

    for ours, theirs in (
        ("traits", "Traits"),
        ("actions", "Actions"),
        ("reactions", "Reactions"),
        ("legendary_actions", "LegendaryActions"),
    ):
        data[ours] = _ia_entries(r, payload, theirs)
        r.origin[(ours,)] = (theirs,)

    for ours, theirs in (("description", "Description"), ("source", "Source")):
        value = r.string(payload, theirs, ())
        if value:
            data[ours] = value
            r.origin[(ours,)] = (theirs,)
    return r.build(data)
