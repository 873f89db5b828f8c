from __future__ import annotations

import datetime as dt
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CharacterFields(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100)
    player_name: str = Field(default="", max_length=100)
    level: int = Field(default=1, ge=1, le=20)
    ac: int = Field(default=10, ge=0, le=50)
    max_hp: int = Field(default=10, ge=1, le=10_000)
    current_hp: int | None = Field(default=None, ge=0, le=10_000, description="Defaults to max_hp.")
    temp_hp: int = Field(default=0, ge=0, le=10_000)
    initiative_bonus: int = Field(default=0, ge=-20, le=30)
    dexterity: int = Field(default=10, ge=1, le=30)
    passive_perception: int = Field(default=10, ge=0, le=50)
    notes: str = Field(default="", max_length=10_000)

    @model_validator(mode="after")
    def _hp_within_max(self) -> Self:
        if self.current_hp is not None and self.current_hp > self.max_hp:
            raise ValueError("current_hp cannot exceed max_hp")
        return self


class CharacterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str | None = Field(default=None, min_length=1, max_length=100)
    player_name: str | None = Field(default=None, max_length=100)
    level: int | None = Field(default=None, ge=1, le=20)
    ac: int | None = Field(default=None, ge=0, le=50)
    max_hp: int | None = Field(default=None, ge=1, le=10_000)
    current_hp: int | None = Field(default=None, ge=0, le=10_000)
    temp_hp: int | None = Field(default=None, ge=0, le=10_000)
    initiative_bonus: int | None = Field(default=None, ge=-20, le=30)
    dexterity: int | None = Field(default=None, ge=1, le=30)
    passive_perception: int | None = Field(default=None, ge=0, le=50)
    notes: str | None = Field(default=None, max_length=10_000)


class CharacterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    campaign_id: str
    name: str
    player_name: str
    level: int
    ac: int
    max_hp: int
    current_hp: int
    temp_hp: int
    initiative_bonus: int
    dexterity: int
    passive_perception: int
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
