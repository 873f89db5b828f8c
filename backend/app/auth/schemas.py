from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=8, max_length=256)
    display_name: str | None = Field(default=None, min_length=1, max_length=100)


class RegistrationOut(BaseModel):
    """The same for a new email and a taken one (see ``POST /api/auth/register``)."""

    email: str
    detail: str


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class PasswordConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 scheme name)
    expires_in: int = Field(description="Seconds until the token expires.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    email: str
    display_name: str
    created_at: dt.datetime


# --- console settings --------------------------------------------------------------------

# The console's keyboard actions (static/js/console/keys.js names them the same).
KeyAction = Literal[
    "damage",
    "heal",
    "temp",
    "condition",
    "hide",
    "next",
    "previous",
    "down",
    "up",
    "toggle",
    "turn",
    "initiative",
    "statblock",
    "undo",
    "redo",
    "search",
    "combat",
    "help",
]
KEY_ACTIONS: tuple[KeyAction, ...] = get_args(KeyAction)

# The console's defaults, Improved Initiative's keys where it has one for the action.
DEFAULT_KEYBINDINGS: dict[KeyAction, str] = {
    "damage": "t",
    "heal": "h",
    "temp": "y",
    "condition": "g",
    "hide": "v",
    "next": "n",
    "previous": "p",
    "down": "j",
    "up": "k",
    "toggle": "x",
    "turn": "c",
    "initiative": "r",
    "statblock": "s",
    "undo": "u",
    "redo": "U",
    "search": "/",
    "combat": "m",
    "help": "?",
}

# Modifiers (lower case, each once, in any order) joined by "+" to one key: a single
# printable ASCII character ("?", "/", "k") or a named key ("escape", "f2", "arrowup").
_KEY = re.compile(r"((?:(?:ctrl|alt|shift|meta)\+){0,4})([!-~]|[a-z][a-z0-9]{1,19})")

MonsterHp = Literal["average", "rolled"]
RollMode = Literal["normal", "advantage", "disadvantage"]


def _check_key(value: str) -> str:
    match = _KEY.fullmatch(value)
    if match is None:
        raise ValueError(
            "a key is modifiers (ctrl, alt, shift, meta) joined by '+' to one printable "
            "character or a lower-case key name, e.g. 't', 'alt+n', '?', 'escape'"
        )
    modifiers = match[1].split("+")[:-1]
    if len(set(modifiers)) != len(modifiers):
        raise ValueError("a modifier appears twice")
    return value


Key = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_check_key)]


class ConsoleSettingsIn(BaseModel):
    """The whole document (PUT replaces it; a field left out takes its default).

    ``keybindings`` maps actions of the console to keys; an action left out keeps
    its default key, ``null`` leaves it without one. No key may serve two actions.
    """

    model_config = ConfigDict(extra="forbid")

    keybindings: dict[KeyAction, Key | None] = Field(default_factory=dict)
    monster_hp: MonsterHp = Field(
        default="average",
        description="Hit points of monsters added from a stat block without an explicit "
        "`hp` choice: the block's average or rolled from its hit dice.",
    )
    initiative_roll_mode: RollMode = "normal"
    group_monsters: bool = Field(
        default=True, description="Whether the console groups same-kind monsters' initiative."
    )

    @model_validator(mode="after")
    def _one_action_per_key(self) -> ConsoleSettingsIn:
        taken: dict[str, str] = {}
        for action, key in self.effective_keybindings().items():
            if key is None:
                continue
            if key in taken:
                raise ValueError(f"keybindings: {key!r} is bound to both {taken[key]} and {action}")
            taken[key] = action
        return self

    def effective_keybindings(self) -> dict[str, str | None]:
        """Every action's key: the defaults with this document's choices over them."""
        return {
            action: self.keybindings.get(action, DEFAULT_KEYBINDINGS[action])
            for action in KEY_ACTIONS
        }


class ConsoleSettingsOut(BaseModel):
    keybindings: dict[str, str | None] = Field(
        description=f"Every action's key (null: none): {', '.join(KEY_ACTIONS)}."
    )
    monster_hp: MonsterHp
    initiative_roll_mode: RollMode
    group_monsters: bool

    @classmethod
    def of(cls, chosen: ConsoleSettingsIn) -> ConsoleSettingsOut:
        return cls(
            keybindings=chosen.effective_keybindings(),
            monster_hp=chosen.monster_hp,
            initiative_roll_mode=chosen.initiative_roll_mode,
            group_monsters=chosen.group_monsters,
        )
