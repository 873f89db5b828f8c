"""The 5e-bits/dnd5eapi monster (``index``, ``hit_points``, ``armor_class`` as a list
of ``{type, value}``, ``strength`` ... ``charisma``, ``proficiencies``,
``special_abilities``); the shipped SRD data is converted by this same code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from app.statblocks.importers.reader import MISSING, Loc, Reader, as_int, split_damage_text
from app.statblocks.schemas import ABILITIES, StatBlockIn

_ABILITY_FULL: Final = (
    "strength",
    "dexterity",
    "constitution",
    "intelligence",
    "wisdom",
    "charisma",
)


def _usage_suffix(usage: object) -> str:
    """The printed usage of an ability, as the SRD writes it after the name."""
    if not isinstance(usage, Mapping):
        return ""
    kind = usage.get("type")
    if kind == "per day" and as_int(usage.get("times")) is not None:
        return f" ({usage['times']}/Day)"
    if kind == "recharge on roll":
        low = as_int(usage.get("min_value"))
        dice = str(usage.get("dice") or "1d6")
        top = as_int(dice.rsplit("d", 1)[-1]) or 6
        if low is None:
            return ""
        return f" (Recharge {low})" if low >= top else f" (Recharge {low}-{top})"
    if kind == "recharge after rest":
        rests = usage.get("rest_types")
        if isinstance(rests, list) and "short" in rests:
            return " (Recharges after a Short or Long Rest)"
        return " (Recharges after a Long Rest)"
    return ""


def _5e_entries(reader: Reader, payload: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
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


def _5e_armor_class(reader: Reader, payload: Mapping[str, Any]) -> tuple[int | None, str | None]:
    raw = reader.raw(payload, "armor_class")
    if isinstance(raw, int | str) and not isinstance(raw, bool):
        # The dnd5eapi before 2023 served a bare number.
        return reader.integer(payload, "armor_class", ()), None
    if raw is MISSING or raw is None:
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
    r = Reader()
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
    if cr is MISSING:
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
