"""``POST /api/dice/roll``: the server's dice for anyone at the table.

Open without a token: a roll touches no data and :class:`~app.dice.DiceRoller`
caps its cost (200 characters, 1000 dice), so there is nothing to protect, and
the player view, which has no sign-in, can use it too.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.dice import MAX_EXPRESSION_LENGTH, DiceRoller, InvalidDiceExpression
from app.errors import Unprocessable
from app.problems import responses as errs

router = APIRouter(prefix="/api/dice", tags=["dice"])


class DiceRollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(
        min_length=1,
        max_length=MAX_EXPRESSION_LENGTH,
        examples=["1d20+5", "4d6kh3", "2d20kh1+3"],
    )


class DiceRollOut(BaseModel):
    expression: str
    total: int
    breakdown: str = Field(description='How the total came about, e.g. "1d20 (14) + 5 = `19`".')
    natural: int | None = Field(description="The kept face of a lone d20, else null.")


@router.post(
    "/roll", response_model=DiceRollOut, responses=errs(Unprocessable, InvalidDiceExpression)
)
async def roll_dice(body: DiceRollIn) -> DiceRollOut:
    """Roll standard dice notation (``1d20+5``, ``4d6kh3``, ``2d20kh1+3``)."""
    roll = DiceRoller().roll(body.expression)
    return DiceRollOut(
        expression=roll.expression, total=roll.total, breakdown=roll.breakdown, natural=roll.natural
    )
