"""Campaigns and their co-DMs. Membership is the authorization of everything
below a campaign: a campaign you are not in does not exist for you (404).

Nobody is made a co-DM without consent: the owner invites an email, and the
account with that email accepts (or declines) the invitation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.campaigns import repository
from app.campaigns.models import Campaign, CampaignInvitation
from app.campaigns.schemas import CampaignIn, CampaignPatch
from app.errors import Conflict, Forbidden, NotFound, reject_nulls
from app.realtime import revocation
from app.statblocks import repository as statblocks


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


async def list_for_member(
    session: AsyncSession, user: User, *, limit: int, offset: int
) -> tuple[list[Campaign], int]:
    """A page of the campaigns the user owns or co-DMs, and how many there are."""
    return await repository.list_for_member(session, user.id, limit=limit, offset=offset)


async def update(session: AsyncSession, campaign: Campaign, data: CampaignPatch) -> Campaign:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes)
    for field, value in changes.items():
        setattr(campaign, field, value)
    await session.flush()
    return campaign


async def members(session: AsyncSession, campaign: Campaign) -> list[tuple[User, str]]:
    """The campaign's DMs with their roles: the owner first, then the co-DMs by email."""
    return await repository.members(session, campaign)


async def pending_invitations(
    session: AsyncSession, campaign: Campaign, *, limit: int, offset: int
) -> tuple[list[CampaignInvitation], int]:
    """A page of the campaign's invitations not yet answered, oldest first."""
    return await repository.campaign_invitations(session, campaign.id, limit=limit, offset=offset)


async def invitations_for(
    session: AsyncSession, user: User, *, limit: int, offset: int
) -> tuple[list[tuple[CampaignInvitation, Campaign, User | None]], int]:
    """A page of the invitations addressed to the user's email, each with its
    campaign and that campaign's owner, oldest first."""
    return await repository.invitations_for(session, user.email, limit=limit, offset=offset)


class InvitationNotFound(NotFound):
    type = "invitation-not-found"
    title = "Invitation not found"


class AlreadyDm(Conflict):
    type = "already-dm"
    title = "Already a DM of this campaign"


async def invite(session: AsyncSession, campaign: Campaign, email: str) -> CampaignInvitation:
    """Owner only (checked by the router): invite ``email`` to co-DM. The answer is the
    same whether or not an account uses the email; inviting again returns the
    pending invitation. 409 for an email that already DMs the campaign (the owner
    sees those in the member list anyway)."""
    email = email.lower()
    for member, _role in await repository.members(session, campaign):
        if member.email == email:
            raise AlreadyDm(f"{email} is already a DM of this campaign.")
    pending = await repository.get_invitation(session, campaign.id, email)
    if pending is not None:
        return pending
    invitation = CampaignInvitation(campaign_id=campaign.id, email=email)
    await repository.add_invitation(session, invitation)
    return invitation


async def withdraw(session: AsyncSession, campaign: Campaign, invitation_id: str) -> None:
    pending, _ = await repository.campaign_invitations(session, campaign.id, limit=1000, offset=0)
    for invitation in pending:
        if invitation.id == invitation_id:
            await repository.remove_invitation(session, invitation)
            return
    raise InvitationNotFound(f"No invitation {invitation_id} in this campaign.")


async def _invitation_of(
    session: AsyncSession, invitation_id: str, user: User
) -> CampaignInvitation:
    invitation = await repository.invitation_for(session, invitation_id, user.email)
    if invitation is None:
        raise InvitationNotFound(f"No invitation {invitation_id} for you.")
    return invitation


async def accept(session: AsyncSession, invitation_id: str, user: User) -> Campaign:
    """The invitee becomes a co-DM; the invitation is used up."""
    invitation = await _invitation_of(session, invitation_id, user)
    campaign_id = invitation.campaign_id
    await repository.remove_invitation(session, invitation)
    if await repository.get_for_member(session, campaign_id, user.id) is None:
        await repository.add_member(session, campaign_id, user.id)
    return await get_for_member(session, campaign_id, user)


async def decline(session: AsyncSession, invitation_id: str, user: User) -> None:
    await repository.remove_invitation(session, await _invitation_of(session, invitation_id, user))


async def remove_co_dm(session: AsyncSession, campaign: Campaign, user_id: str) -> None:
    """Remove a co-DM; their open DM sockets on the campaign close (4403)."""
    if await repository.remove_member(session, campaign.id, user_id) == 0:
        raise NotFound(f"User {user_id} is not a co-DM of this campaign.")
    # Their homebrew is no longer shared here (a new membership starts unshared).
    await statblocks.remove_shares(session, campaign_id=campaign.id, owner_id=user_id)
    await revocation.revoke_membership(session, campaign.id, user_id)


async def delete(session: AsyncSession, campaign: Campaign, user: User) -> None:
    """Owner only: the campaign goes with its characters and encounters; every socket
    open on its encounters closes (4404)."""
    require_owner(campaign, user)
    campaign_id = campaign.id
    await repository.remove(session, campaign)
    await revocation.campaign_deleted(session, campaign_id)
