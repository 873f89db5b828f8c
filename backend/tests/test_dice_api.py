"""POST /api/dice/roll: standard notation, with the breakdown, open to anyone."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import assert_problem


async def roll(client: httpx.AsyncClient, expression: str) -> dict[str, object]:
    r = await client.post("/api/dice/roll", json={"expression": expression})
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


async def test_a_roll_has_its_total_and_breakdown(client: httpx.AsyncClient) -> None:
    body = await roll(client, "1d20+5")
    assert set(body) == {"expression", "total", "breakdown", "natural"}
    assert body["expression"] == "1d20+5"
    natural = body["natural"]
    assert isinstance(natural, int) and 1 <= natural <= 20
    assert body["total"] == natural + 5
    assert str(body["total"]) in str(body["breakdown"])


@pytest.mark.parametrize(
    ("expression", "low", "high"),
    [("4d6kh3", 3, 18), ("2d20kh1+3", 4, 23), ("3d8 - 2", 1, 22), ("7", 7, 7)],
)
async def test_notation(client: httpx.AsyncClient, expression: str, low: int, high: int) -> None:
    for _ in range(5):
        total = (await roll(client, expression))["total"]
        assert isinstance(total, int) and low <= total <= high


async def test_keep_highest_drops_the_lowest_die(client: httpx.AsyncClient) -> None:
    body = await roll(client, "4d6kh3")
    assert body["natural"] is None
    # d20 marks the dropped die in the breakdown.
    assert "~~" in str(body["breakdown"])


async def test_a_signed_in_user_can_roll_too(client: httpx.AsyncClient, dm: dict[str, str]) -> None:
    r = await client.post("/api/dice/roll", json={"expression": "1d4"}, headers=dm)
    assert r.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"expression": "1d20+"},
        {"expression": "banana"},
        {"expression": "1001d6"},
        {"expression": "600d6+600d6"},
        {"expression": "1d100000"},
        {"expression": "1/0"},
        {"expression": "1d20" * 60},
        {"expression": "   "},
        {"expression": ""},
        {},
        {"expression": 20},
        {"expression": "1d20", "extra": True},
    ],
)
async def test_bad_expressions_are_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    problem = assert_problem(await client.post("/api/dice/roll", json=body), 422)
    assert problem["detail"]


def test_division_by_zero_is_a_clean_refusal() -> None:
    from app.dice import DiceRoller, InvalidDiceExpression

    with pytest.raises(InvalidDiceExpression):
        DiceRoller().roll("1/0")
