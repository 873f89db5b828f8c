"""Import stat blocks from other tools' JSON into our schema, one module per shape,
detected by their keys:

* :mod:`.five_e_bits`: the 5e-bits/dnd5eapi monster (the shipped SRD data too);
* :mod:`.improved_initiative`: Improved Initiative's ``StatBlock``;
* :mod:`.native`: our own shape (``StatBlockIn``), so an exported block re-imports.

Every problem is reported with its path in the *submitted* document (for
example ``["HP", "Value"]``), not in ours, because that is what the user can fix
(:mod:`.reader`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from app.statblocks.importers.five_e_bits import from_5e_bits
from app.statblocks.importers.improved_initiative import from_improved_initiative, parse_ia_type
from app.statblocks.importers.native import from_native
from app.statblocks.importers.reader import StatBlockImportError, split_damage_text
from app.statblocks.schemas import StatBlockIn

__all__ = [
    "StatBlockImportError",
    "detect_format",
    "from_5e_bits",
    "from_improved_initiative",
    "import_statblock",
    "parse_ia_type",
    "split_damage_text",
]

Format = Literal["5e-bits", "improved-initiative", "native"]


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
        "native": from_native,
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
