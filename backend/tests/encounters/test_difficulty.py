"""Encounter difficulty against the published tables (DMG 2014, DMG 2024, SRD 5.1)."""

from __future__ import annotations

import pytest

from app.encounters.difficulty import (
    BUDGET_2024,
    THRESHOLDS_2014,
    XP_BY_CR,
    difficulty_2014,
    difficulty_2024,
    encounter_multiplier,
    xp_for_cr,
)

# --- XP by challenge rating --------------------------------------------------


@pytest.mark.parametrize(
    ("cr", "xp"),
    [
        (0, 10),
        (0.125, 25),
        (0.25, 50),
        (0.5, 100),
        (1, 200),
        (2, 450),
        (3, 700),
        (4, 1100),
        (5, 1800),
        (8, 3900),
        (10, 5900),
        (13, 10000),
        (17, 18000),
        (20, 25000),
        (21, 33000),
        (24, 62000),
        (30, 155000),
    ],
)
def test_xp_for_cr(cr: float, xp: int) -> None:
    assert xp_for_cr(cr) == xp


@pytest.mark.parametrize("cr", [-1, 0.3, 0.75, 31, 1.5])
def test_xp_for_unknown_cr_is_an_error(cr: float) -> None:
    with pytest.raises(ValueError, match="challenge rating"):
        xp_for_cr(cr)


def test_cr_table_is_complete_and_increasing() -> None:
    assert list(XP_BY_CR) == [0, 0.125, 0.25, 0.5, *range(1, 31)]
    values = list(XP_BY_CR.values())
    assert values == sorted(values)


# --- 2014 tables -------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "row"),
    [
        (1, (25, 50, 75, 100)),
        (3, (75, 150, 225, 400)),
        (5, (250, 500, 750, 1100)),
        (7, (350, 750, 1100, 1700)),
        (10, (600, 1200, 1900, 2800)),
        (14, (1250, 2500, 3800, 5700)),
        (17, (2000, 3900, 5900, 8800)),
        (20, (2800, 5700, 8500, 12700)),
    ],
)
def test_2014_thresholds_rows(level: int, row: tuple[int, int, int, int]) -> None:
    assert THRESHOLDS_2014[level] == row


def test_2014_thresholds_cover_every_level_in_order() -> None:
    assert sorted(THRESHOLDS_2014) == list(range(1, 21))
    for row in THRESHOLDS_2014.values():
        assert list(row) == sorted(row)


@pytest.mark.parametrize(
    ("monsters", "party", "multiplier"),
    [
        # The DMG's table, for a party of three to five.
        (1, 4, 1.0),
        (2, 4, 1.5),
        (3, 4, 2.0),
        (6, 4, 2.0),
        (7, 4, 2.5),
        (10, 4, 2.5),
        (11, 4, 3.0),
        (14, 4, 3.0),
        (15, 4, 4.0),
        (40, 4, 4.0),
        (1, 3, 1.0),
        (1, 5, 1.0),
        # Fewer than three characters: the next multiplier up, up to x5.
        (1, 2, 1.5),
        (2, 1, 2.0),
        (3, 2, 2.5),
        (7, 2, 3.0),
        (11, 2, 4.0),
        (15, 1, 5.0),
        # Six or more: the next one down, down to x0.5 for a single monster.
        (1, 6, 0.5),
        (2, 6, 1.0),
        (3, 7, 1.5),
        (7, 8, 2.0),
        (11, 6, 2.5),
        (15, 6, 3.0),
        # No monsters: nothing to multiply.
        (0, 4, 1.0),
        (0, 1, 1.0),
    ],
)
def test_encounter_multiplier(monsters: int, party: int, multiplier: float) -> None:
    assert encounter_multiplier(monsters, party) == multiplier


@pytest.mark.parametrize(
    ("levels", "xps", "thresholds", "multiplier", "adjusted", "rating"),
    [
        # Four 1st-level characters against a bugbear (CR 1, 200 XP).
        ([1, 1, 1, 1], [200], (100, 200, 300, 400), 1.0, 200, "medium"),
        # Three 3rd-level characters against four goblins: 200 XP x 2 = 400.
        ([3, 3, 3], [50] * 4, (225, 450, 675, 1200), 2.0, 400, "easy"),
        # The DMG's example party: four 3rd-level characters.
        ([3, 3, 3, 3], [450, 450], (300, 600, 900, 1600), 1.5, 1350, "hard"),
        ([3, 3, 3, 3], [1100, 100], (300, 600, 900, 1600), 1.5, 1800, "deadly"),
        # Two characters take the next multiplier up: an orc is x1.5, not x1.
        ([1, 1], [100], (50, 100, 150, 200), 1.5, 150, "hard"),
        # One character against fifteen rats: x5.
        ([1], [10] * 15, (25, 50, 75, 100), 5.0, 750, "deadly"),
        # Six characters take the next one down: one monster is x0.5.
        ([5] * 6, [1800], (1500, 3000, 4500, 6600), 0.5, 900, "trivial"),
        ([5] * 6, [1800, 1800, 1800], (1500, 3000, 4500, 6600), 1.5, 8100, "deadly"),
        # Mixed levels add up per character.
        ([1, 2, 3, 5], [450], (400, 800, 1200, 1800), 1.0, 450, "easy"),
        ([20] * 4, [155000], (11200, 22800, 34000, 50800), 1.0, 155000, "deadly"),
        # Odd totals at x1.5 floor to whole XP.
        ([1, 1, 1], [25, 0], (75, 150, 225, 300), 1.5, 37, "trivial"),
        # No monsters at all.
        ([4, 4, 4, 4], [], (500, 1000, 1500, 2000), 1.0, 0, "trivial"),
    ],
)
def test_difficulty_2014(
    levels: list[int],
    xps: list[int],
    thresholds: tuple[int, int, int, int],
    multiplier: float,
    adjusted: int,
    rating: str,
) -> None:
    result = difficulty_2014(levels, xps)
    assert result["thresholds"] == dict(
        zip(("easy", "medium", "hard", "deadly"), thresholds, strict=True)
    )
    assert result["multiplier"] == multiplier
    assert result["total_xp"] == sum(xps)
    assert result["adjusted_xp"] == adjusted
    assert result["rating"] == rating
    assert result["party_size"] == len(levels)
    assert result["monster_count"] == len(xps)
    assert result["xp_per_character"] == sum(xps) // len(levels)
    assert result["ruleset"] == "2014"


def test_2014_exactly_on_a_threshold_reaches_it() -> None:
    assert difficulty_2014([1] * 4, [400])["rating"] == "deadly"
    assert difficulty_2014([1] * 4, [399])["rating"] == "hard"
    assert difficulty_2014([1] * 4, [99])["rating"] == "trivial"
    assert difficulty_2014([1] * 4, [100])["rating"] == "easy"


def test_2014_without_characters_has_no_rating() -> None:
    result = difficulty_2014([], [200])
    assert result["rating"] is None
    assert result["thresholds"] == {"easy": 0, "medium": 0, "hard": 0, "deadly": 0}
    assert result["xp_per_character"] == 0


# --- 2024 budget -------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "row"),
    [
        (1, (50, 75, 100)),
        (2, (100, 150, 200)),
        (3, (150, 225, 400)),
        (5, (500, 750, 1100)),
        (6, (600, 1000, 1400)),
        (9, (1300, 2000, 2600)),
        (12, (2200, 3700, 4700)),
        (15, (3300, 5400, 7800)),
        (18, (5000, 8700, 14200)),
        (20, (6400, 13200, 22000)),
    ],
)
def test_2024_budget_rows(level: int, row: tuple[int, int, int]) -> None:
    assert BUDGET_2024[level] == row


def test_2024_budget_covers_every_level_in_order() -> None:
    assert sorted(BUDGET_2024) == list(range(1, 21))
    for row in BUDGET_2024.values():
        assert list(row) == sorted(row)


@pytest.mark.parametrize(
    ("levels", "xps", "budget", "rating", "over_high"),
    [
        ([1] * 4, [200], (200, 300, 400), "low", False),
        ([1] * 4, [50, 50, 50, 50, 50, 50], (200, 300, 400), "moderate", False),
        ([1] * 4, [450], (200, 300, 400), "high", True),
        ([1] * 4, [100], (200, 300, 400), "trivial", False),
        # No multiplier in 2024: four goblins are just 200 XP.
        ([3, 3, 3], [50] * 4, (450, 675, 1200), "trivial", False),
        ([5] * 5, [1800, 1800], (2500, 3750, 5500), "low", False),
        ([5] * 5, [1800, 1800, 450], (2500, 3750, 5500), "moderate", False),
        # Party size changes nothing but the sum.
        ([2, 2], [450], (200, 300, 400), "high", True),
        ([20], [22000], (6400, 13200, 22000), "high", False),
        ([20], [22001], (6400, 13200, 22000), "high", True),
        ([1, 4, 10], [1100], (1900, 2750, 3700), "trivial", False),
        ([1, 1], [], (100, 150, 200), "trivial", False),
    ],
)
def test_difficulty_2024(
    levels: list[int],
    xps: list[int],
    budget: tuple[int, int, int],
    rating: str,
    over_high: bool,
) -> None:
    result = difficulty_2024(levels, xps)
    assert result["budget"] == dict(zip(("low", "moderate", "high"), budget, strict=True))
    assert result["total_xp"] == sum(xps)
    assert result["rating"] == rating
    assert result["over_high"] is over_high
    assert result["ruleset"] == "2024"
    assert "multiplier" not in result


def test_2024_without_characters_has_no_rating() -> None:
    result = difficulty_2024([], [50])
    assert result["rating"] is None
    assert result["over_high"] is False


# --- input checks ------------------------------------------------------------


@pytest.mark.parametrize("compute", [difficulty_2014, difficulty_2024])
@pytest.mark.parametrize(
    ("levels", "xps"),
    [([0], [50]), ([21], [50]), ([True], [50]), ([1], [-5]), ([1], [True]), ([1], [2.5])],
)
def test_bad_input_is_a_value_error(compute: object, levels: list[int], xps: list[int]) -> None:
    assert callable(compute)
    with pytest.raises(ValueError):
        compute(levels, xps)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        encounter_multiplier(-1, 4)


def test_results_are_json_ready() -> None:
    import json

    for result in (difficulty_2014([1, 2], [50, 25]), difficulty_2024([1, 2], [50, 25])):
        assert json.loads(json.dumps(result)) == result
