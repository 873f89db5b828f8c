"""Dice rolling on the d20 library, with limits that keep a roll cheap.

The one place the server rolls dice. Every roll returns a :class:`Roll` with
its expression, total and a breakdown, so the event that used it can record
it and the log can explain every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from app.errors import Unprocessable

if TYPE_CHECKING:
    import d20

MAX_EXPRESSION_LENGTH = 200
MAX_DICE = 1000


class InvalidDiceExpression(Unprocessable):
    type = "invalid-dice-expression"
    title = "Invalid dice expression"


@dataclass(frozen=True, slots=True)
class Roll:
    expression: str
    total: int
    breakdown: str  # d20's rendering, e.g. "1d20 (14) + 5 = `19`"
    natural: int | None = None  # the kept d20 face for a single-d20 roll, else None

    def as_dict(self) -> dict[str, object]:
        return {
            "expression": self.expression,
            "total": self.total,
            "breakdown": self.breakdown,
            "natural": self.natural,
        }


class Roller(Protocol):
    """What the rules need to roll dice; tests pass a scripted fake."""

    def roll(self, expression: str) -> Roll: ...


class DiceRoller:
    """Rolls with d20, refusing malformed or abusive expressions (422)."""

    def roll(self, expression: str) -> Roll:
        import d20  # builds its grammar on import (~0.3 s): kept off the start-up path

        expression = expression.strip()
        if not expression or len(expression) > MAX_EXPRESSION_LENGTH:
            raise InvalidDiceExpression(
                f"A dice expression has 1 to {MAX_EXPRESSION_LENGTH} characters."
            )
        try:
            ast = d20.parse(expression)
        except d20.RollSyntaxError as exc:
            raise InvalidDiceExpression(f"Cannot parse {expression!r}: {exc}") from exc
        if _count_dice(ast) > MAX_DICE:
            raise InvalidDiceExpression(f"At most {MAX_DICE} dice in one roll.")
        try:
            result = d20.Roller(context=d20.RollContext(max_rolls=MAX_DICE)).roll(ast)
            # d20 evaluates lazily: "1/0" only fails when the total is read.
            total = int(result.total)
        except (d20.RollError, ZeroDivisionError, ValueError) as exc:
            raise InvalidDiceExpression(f"Cannot roll {expression!r}: {exc}") from exc
        return Roll(
            expression=expression,
            total=total,
            breakdown=str(result),
            natural=_natural_d20(result),
        )


def _count_dice(node: object) -> int:
    """Dice an expression asks for (before explosions), summed over the tree."""
    total = 0
    num = getattr(node, "num", None)
    size = getattr(node, "size", None)
    if isinstance(num, int) and size is not None:
        if isinstance(size, int) and size > 10_000:
            raise InvalidDiceExpression("A die has at most 10000 faces.")
        total += num
    for child in getattr(node, "children", []) or []:
        total += _count_dice(child)
    return total


def _natural_d20(result: d20.RollResult) -> int | None:
    """The kept face of a lone d20 (advantage keeps one of two), else None."""
    faces: list[int] = []

    import d20

    def walk(node: object) -> None:
        if isinstance(node, d20.Dice) and node.size == 20:
            faces.extend(int(d.number) for d in node.keptset)
        for child in getattr(node, "children", []) or []:
            walk(child)

    walk(result.expr)
    return faces[0] if len(faces) == 1 else None
