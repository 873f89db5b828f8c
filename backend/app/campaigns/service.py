"""Campaigns and their co-DMs. Membership is the authorization of everything
below a campaign: a campaign you are not in does not exist for you (404)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository as users
from app.auth.models import User
from app.campaigns import repository
from app.campaigns.models import Campaign
from app.campaigns.schemas import CampaignIn, CampaignPatch
from app.errors import Conflict, Forbidden, NotFound, Unprocessable, reject_nulls
from app.realtime import revocation


class CampaignNotFound(NotFound):
    type = "campaign-not-found"
    title = "Campaign not found"


class OwnerOnly(Forbidden):
    type = "owner-only"
    title = "Only the campaign's owner may do this"


async def get_for_member(session: AsyncSession, campaign_id: str, user: User) -> Campaign:
    campaign = await repository.get_for_member(session, campaign_id, user.id)
    if campaign is None:
        raise CampaignNotFound(f"No campaign {campaign_id}.")
    return campaign


def require_owner(campaign: Campaign, user: User) -> None:
    if campaign.owner_id != user.id:
        raise OwnerOnly("Only the campaign's owner may do this.")


async def create(session: AsyncSession, owner: User, data: CampaignIn) -> Campaign:
    return await repository.add(
        session, Campaign(owner_id=owner.id, name=data.name, description=data.description)
    )


def update(campaign: Campaign, data: CampaignPatch) -> Campaign:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes)
    for field, value in changes.items():
        setattr(campaign, field, value)
    return campaign


async def add_co_dm(session: AsyncSession, campaign: Campaign, email: str) -> User:
    member = await users.get_user_by_email(session, email)
    if member is None:
        raise Unprocessable(
            f"No account uses {email}.",
            errors=[
                {"loc": ["body", "email"], "msg": "no account with this email", "type": "unknown"}
            ],
        )
    if member.id == campaign.owner_id or await repository.is_member(
        session, campaign.id, member.id
    ):
        raise Conflict(f"{email} is already a DM of this campaign.")
    await repository.add_member(session, campaign.id, member.id)
    return member


async def remove_co_dm(session: AsyncSession, campaign: Campaign, user_id: str) -> None:
    """Remove a co-DM; their open DM sockets on the campaign close (4403)."""
    if await repository.remove_member(session, campaign.id, user_id) == 0:
        raise NotFound(f"User {user_id} is not a co-DM of this campaign.")
    await revocation.revoke_membership(session, campaign.id, user_id)


async def delete(session: AsyncSession, campaign: Campaign, user: User) -> None:
    """Owner only: the campaign goes with its characters and encounters; every socket
    open on its encounters closes (4404)."""
    require_owner(campaign, user)
    campaign_id = campaign.id
    await repository.remove(session, campaign)
    await revocation.campaign_deleted(session, campaign_id)
