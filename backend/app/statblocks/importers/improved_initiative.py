"""Improved Initiative's ``StatBlock`` (``Name``, ``Type`` such as "Medium humanoid
(goblinoid), neutral evil", ``HP``/``AC`` as ``{Value, Notes}``, ``Abilities.Str`` ...,
``Saves``/``Skills`` as ``[{Name, Modifier}]``, ``Challenge`` as "1/4",
``Traits``/``Actions`` as ``[{Name, Content, Usage}]``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from app.statblocks.importers.reader import MISSING, Reader, split_damage_text
from app.statblocks.schemas import ABILITIES, SIZES, StatBlockIn, ability_modifier

_HIT_DICE_IN_TEXT_RE: Final = re.compile(r"(\d+)\s*d\s*(\d+)", re.I)
_SPEED_MODES: Final = ("walk", "burrow", "climb", "fly", "swim")
_IA_ABILITIES: Final = ("Str", "Dex", "Con", "Int", "Wis", "Cha")

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


def _ia_value_notes(r: Reader, payload: Mapping[str, Any], key: str) -> tuple[int | None, str]:
    block = r.mapping(payload, key, (), required=True)
    if block is None:
        return None, ""
    value = r.integer(block, "Value", (key,), required=True)
    notes = r.string(block, "Notes", (key,)) or ""
    return value, notes.strip()


def _ia_named_modifiers(
    r: Reader, payload: Mapping[str, Any], key: str, ours: str, normalise: Callable[[str], str]
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


def _ia_entries(r: Reader, payload: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
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


def _ia_strings(r: Reader, payload: Mapping[str, Any], key: str) -> list[str]:
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
    r = Reader(leaf_names={"name": "Name", "desc": "Content"})
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
    if challenge not in (MISSING, None, ""):
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
