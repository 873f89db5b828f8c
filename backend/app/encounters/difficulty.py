"""Encounter difficulty, 2014 and 2024 rules: pure functions over levels and XP.

Tables are the published ones: XP by challenge rating from the SRD 5.1, the
2014 "XP Thresholds by Character Level" and "Encounter Multipliers" from the
Dungeon Master's Guide (2014), and the 2024 "XP Budget per Character".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, TypeVar

Rating2014 = Literal["trivial", "easy", "medium", "hard", "deadly"]
Rating2024 = Literal["trivial", "low", "moderate", "high"]

MIN_LEVEL: Final = 1
MAX_LEVEL: Final = 20

XP_BY_CR: Final[dict[float, int]] = {
    # CR 0 is 10 XP, or 0 for a creature with no effective attacks (Frog, Sea Horse);
    # the table value is 10 and a stat block may carry its own 0.
    0: 10,
    0.125: 25,
    0.25: 50,
    0.5: 100,
    1: 200,
    2: 450,
    3: 700,
    4: 1100,
    5: 1800,
    6: 2300,
    7: 2900,
    8: 3900,
    9: 5000,
    10: 5900,
    11: 7200,
    12: 8400,
    13: 10000,
    14: 11500,
    15: 13000,
    16: 15000,
    17: 18000,
    18: 20000,
    19: 22000,
    20: 25000,
    21: 33000,
    22: 41000,
    23: 50000,
    24: 62000,
    25: 75000,
    26: 90000,
    27: 105000,
    28: 120000,
    29: 135000,
    30: 155000,
}

CHALLENGE_RATINGS: Final[tuple[float, ...]] = tuple(XP_BY_CR)

# Level -> (easy, medium, hard, deadly) per character.
THRESHOLDS_2014: Final[dict[int, tuple[int, int, int, int]]] = {
    1: (25, 50, 75, 100),
    2: (50, 100, 150, 200),
    3: (75, 150, 225, 400),
    4: (125, 250, 375, 500),
    5: (250, 500, 750, 1100),
    6: (300, 600, 900, 1400),
    7: (350, 750, 1100, 1700),
    8: (450, 900, 1400, 2100),
    9: (550, 1100, 1600, 2400),
    10: (600, 1200, 1900, 2800),
    11: (800, 1600, 2400, 3600),
    12: (1000, 2000, 3000, 4500),
    13: (1100, 2200, 3400, 5100),
    14: (1250, 2500, 3800, 5700),
    15: (1400, 2800, 4300, 6400),
    16: (1600, 3200, 4800, 7200),
    17: (2000, 3900, 5900, 8800),
    18: (2100, 4200, 6300, 9500),
    19: (2400, 4900, 7300, 10900),
    20: (2800, 5700, 8500, 12700),
}

# Level -> (low, moderate, high) per character.
BUDGET_2024: Final[dict[int, tuple[int, int, int]]] = {
    1: (50, 75, 100),
    2: (100, 150, 200),
    3: (150, 225, 400),
    4: (250, 375, 500),
    5: (500, 750, 1100),
    6: (600, 1000, 1400),
    7: (750, 1300, 1700),
    8: (1000, 1700, 2100),
    9: (1300, 2000, 2600),
    10: (1600, 2300, 3100),
    11: (1900, 2900, 4100),
    12: (2200, 3700, 4700),
    13: (2600, 4200, 5400),
    14: (2900, 4900, 6200),
    15: (3300, 5400, 7800),
    16: (3800, 6100, 9800),
    17: (4500, 7200, 11700),
    18: (5000, 8700, 14200),
    19: (5500, 10700, 17200),
    20: (6400, 13200, 22000),
}

# The DMG's multiplier table, with the x0.5 and x5 ends that only the party-size
# adjustment can reach.
_MULTIPLIER_SCALE: Final[tuple[float, ...]] = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)
# (fewest monsters, index into the scale), in ascending order.
_COUNT_STEPS: Final[tuple[tuple[int, int], ...]] = (
    (1, 1),
    (2, 2),
    (3, 3),
    (7, 4),
    (11, 5),
    (15, 6),
)

R = TypeVar("R", bound=str)

_RATINGS_2014: Final[tuple[Rating2014, ...]] = ("easy", "medium", "hard", "deadly")
_RATINGS_2024: Final[tuple[Rating2024, ...]] = ("low", "moderate", "high")


def xp_for_cr(cr: float) -> int:
    """XP for a challenge rating; raises ValueError for a CR not on the table."""
    try:
        return XP_BY_CR[float(cr)]
    except KeyError:
        raise ValueError(f"Unknown challenge rating: {cr!r}") from None


def encounter_multiplier(monster_count: int, party_size: int) -> float:
    """The 2014 multiplier for this many monsters, adjusted for the party's size.

    Fewer than three characters take the next multiplier up; six or more the
    next one down (DMG 2014, "Party Size").
    """
    if monster_count < 0 or party_size < 0:
        raise ValueError("Counts cannot be negative.")
    if monster_count == 0:
        return 1.0
    index = next(i for fewest, i in reversed(_COUNT_STEPS) if monster_count >= fewest)
    if party_size < 3:
        index += 1
    elif party_size >= 6:
        index -= 1
    return _MULTIPLIER_SCALE[index]


def _check(party_levels: Sequence[int], monster_xps: Sequence[int]) -> None:
    for level in party_levels:
        if isinstance(level, bool) or not isinstance(level, int):
            raise ValueError(f"A character level is an integer, not {level!r}.")
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ValueError(f"A character level is {MIN_LEVEL} to {MAX_LEVEL}, not {level}.")
    for xp in monster_xps:
        if isinstance(xp, bool) or not isinstance(xp, int) or xp < 0:
            raise ValueError(f"Monster XP is a non-negative integer, not {xp!r}.")


def _per_character(total_xp: int, party_size: int) -> int:
    return total_xp // party_size if party_size else 0


def difficulty_2014(party_levels: Sequence[int], monster_xps: Sequence[int]) -> dict[str, Any]:
    """Rate an encounter by the 2014 DMG: thresholds against multiplier-adjusted XP.

    ``rating`` is the highest threshold the adjusted XP reaches ("trivial" below
    easy), or None when there are no characters to measure against.
    """
    _check(party_levels, monster_xps)
    party_size = len(party_levels)
    easy = medium = hard = deadly = 0
    for level in party_levels:
        e, m, h, d = THRESHOLDS_2014[level]
        easy, medium, hard, deadly = easy + e, medium + m, hard + h, deadly + d
    thresholds = {"easy": easy, "medium": medium, "hard": hard, "deadly": deadly}

    total_xp = sum(monster_xps)
    multiplier = encounter_multiplier(len(monster_xps), party_size)
    # An odd total times 1.5 leaves a half; flooring it cannot change the rating
    # because every threshold is a whole number, and it keeps the field an integer.
    adjusted_xp = int(total_xp * multiplier)

    rating: Rating2014 | None = None
    if party_size:
        rating = _highest_reached(adjusted_xp, thresholds, _RATINGS_2014, "trivial")
    return {
        "ruleset": "2014",
        "party_size": party_size,
        "monster_count": len(monster_xps),
        "thresholds": thresholds,
        "total_xp": total_xp,
        "multiplier": multiplier,
        "adjusted_xp": adjusted_xp,
        "xp_per_character": _per_character(total_xp, party_size),
        "rating": rating,
    }


def _highest_reached(xp: int, marks: dict[str, int], names: Sequence[R], floor: R) -> R:
    """The last of ``names`` (in rising order) whose mark ``xp`` reaches, else ``floor``."""
    rating = floor
    for name in names:
        if xp >= marks[name]:
            rating = name
    return rating


def difficulty_2024(party_levels: Sequence[int], monster_xps: Sequence[int]) -> dict[str, Any]:
    """Rate an encounter by the 2024 DMG: the party's XP budget against total XP.

    No multiplier in 2024. ``rating`` is the highest budget the total reaches
    ("trivial" below low), or None without characters; ``over_high`` flags an
    encounter beyond the high budget, which the 2024 rules do not grade further.
    """
    _check(party_levels, monster_xps)
    party_size = len(party_levels)
    low = moderate = high = 0
    for level in party_levels:
        lo, mo, hi = BUDGET_2024[level]
        low, moderate, high = low + lo, moderate + mo, high + hi
    budget = {"low": low, "moderate": moderate, "high": high}

    total_xp = sum(monster_xps)
    rating: Rating2024 | None = None
    if party_size:
        rating = _highest_reached(total_xp, budget, _RATINGS_2024, "trivial")
    return {
        "ruleset": "2024",
        "party_size": party_size,
        "monster_count": len(monster_xps),
        "budget": budget,
        "total_xp": total_xp,
        "xp_per_character": _per_character(total_xp, party_size),
        "rating": rating,
        "over_high": bool(party_size) and total_xp > high,
    }
