from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)


class CampaignPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    owner_id: str
    role: Literal["owner", "co_dm"]
    created_at: dt.datetime
    updated_at: dt.datetime


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class MemberOut(BaseModel):
    user_id: str
    email: str
    display_name: str
    role: Literal["owner", "co_dm"]


class InvitationOut(BaseModel):
    """An invitation to co-DM, as its campaign's owner sees it. Identical whether
    or not an account uses the email."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    campaign_id: str
    email: str
    status: Literal["pending"] = "pending"
    created_at: dt.datetime


class MyInvitationOut(BaseModel):
    """An invitation to co-DM addressed to you."""

    id: str
    campaign_id: str
    campaign_name: str
    invited_by: str | None = Field(description="The display name of the campaign's owner.")
    created_at: dt.datetime
