"""Qualified damage defences: the stat block's words turned into when a defence holds.

The SRD prints defences such as "bludgeoning, piercing, and slashing from nonmagical
attacks", "... that aren't silvered", "... that aren't adamantine", "damage from
spells", "... (from stoneskin)" and the Rakshasa's "piercing from magic weapons wielded
by good creatures". Each becomes a :class:`QualifiedDefence` that keeps the printed
text and says which hits it applies to (SRD 5.1, "Damage Resistance and Vulnerability";
the stat blocks' "Damage Resistances" / "Damage Immunities" lines).
"""

from __future__ import annotations

import re
from typing import Final, Literal

from app.encounters.state import DamageFlag, DefenceKind, QualifiedDefence

_TYPES: Final = [
    *("acid", "bludgeoning", "cold", "fire", "force", "lightning", "necrotic"),
    *("piercing", "poison", "psychic", "radiant", "slashing", "thunder"),
]
_TYPE_RE: Final = re.compile(r"\b(" + "|".join(_TYPES) + r")\b", re.I)
_SPELL_RE: Final = re.compile(r"\(from ([a-z' -]+)\)", re.I)

Field = Literal["damage_vulnerabilities", "damage_resistances", "damage_immunities"]
KIND_OF: Final[dict[Field, DefenceKind]] = {
    "damage_vulnerabilities": "vulnerability",
    "damage_resistances": "resistance",
    "damage_immunities": "immunity",
}


def parse_qualified(kind: DefenceKind, text: str) -> QualifiedDefence | None:
    """The defence one printed entry describes, or None when it names no condition the
    tracker knows (the entry then stays a note, its types plain)."""
    lowered = text.strip().lower()
    types = list(dict.fromkeys(m.lower() for m in _TYPE_RE.findall(lowered)))
    unless: list[DamageFlag] = []
    only: list[DamageFlag] = []
    active = True
    spell: str | None = None
    if re.search(r"\bnonmagical\b", lowered):
        unless.append("magical")
        if re.search(r"aren't silvered|not silvered", lowered):
            unless.append("silvered")
        if re.search(r"aren't adamantine|not adamantine", lowered):
            unless.append("adamantine")
    elif re.search(r"\bfrom spells\b", lowered):
        only.append("spell")
    elif re.search(r"\bmagic(al)? (weapons|attacks)\b", lowered):
        only.append("magical")
        if "wielded by" in lowered:
            # Who wields the weapon is the DM's to judge: off until the DM says so.
            active = False
    else:
        return None
    found = _SPELL_RE.search(lowered)
    if found:
        spell = found[1].strip()
        active = False  # a spell in the stat block: applied once the DM says it is up
    return QualifiedDefence(
        kind=kind,
        types=types,
        unless=unless,
        only=only,
        spell=spell,
        active=active,
        text=text.strip(),
    )


def split_qualified(
    field: Field, types: list[str], note: str | None
) -> tuple[list[str], list[QualifiedDefence]]:
    """The plain types of a defence field (those without a qualifier) and the qualified
    defences its note describes. ``note`` joins the printed entries with "; "."""
    qualified = [
        defence
        for entry in (note or "").split(";")
        if entry.strip()
        for defence in [parse_qualified(KIND_OF[field], entry)]
        if defence is not None
    ]
    covered = {t for d in qualified for t in d.types}
    return [t for t in types if t not in covered], qualified
