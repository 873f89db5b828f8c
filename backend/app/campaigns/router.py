from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.campaigns import service
from app.campaigns.dependencies import MemberCampaign
from app.campaigns.models import Campaign
from app.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    InvitationOut,
    MemberIn,
    MemberOut,
    MyInvitationOut,
)
from app.deps import CurrentUser, SessionDep
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from app.pagination import Page, PageDep
from app.problems import responses as errs

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])

ERRORS = errs(Unauthorized, NotFound, Unprocessable)


def _out(campaign: Campaign, user_id: str) -> CampaignOut:
    role = "owner" if campaign.owner_id == user_id else "co_dm"
    return CampaignOut.model_validate({**campaign.__dict__, "role": role})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CampaignOut, responses=ERRORS)
async def create_campaign(body: CampaignIn, user: CurrentUser, session: SessionDep) -> CampaignOut:
    return _out(await service.create(session, user, body), user.id)


@router.get("", response_model=Page[CampaignOut], responses=ERRORS)
async def list_campaigns(
    user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[CampaignOut]:
    """Campaigns you own or co-DM, newest first."""
    items, total = await service.list_for_member(
        session, user, limit=page.limit, offset=page.offset
    )
    return Page(items=[_out(c, user.id) for c in items], total=total)


@router.get("/{campaign_id}", response_model=CampaignOut, responses=ERRORS)
async def get_campaign(campaign: MemberCampaign, user: CurrentUser) -> CampaignOut:
    return _out(campaign, user.id)


@router.patch("/{campaign_id}", response_model=CampaignOut, responses=ERRORS)
async def update_campaign(
    body: CampaignPatch, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> CampaignOut:
    await service.update(session, campaign, body)
    return _out(campaign, user.id)


@router.delete(
    "/{campaign_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(Unauthorized, Forbidden, NotFound),
)
async def delete_campaign(
    campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> Response:
    """Owner only: deletes the campaign with its characters and encounters."""
    await service.delete(session, campaign, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{campaign_id}/members", response_model=Page[MemberOut], responses=ERRORS)
async def list_members(campaign: MemberCampaign, session: SessionDep) -> Page[MemberOut]:
    """The owner first, then the co-DMs by email."""
    members = [
        MemberOut(user_id=u.id, email=u.email, display_name=u.display_name, role=role)
        for u, role in await service.members(session, campaign)
    ]
    return Page(items=members, total=len(members))


@router.post(
    "/{campaign_id}/members",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=InvitationOut,
    responses=errs(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
    summary="Invite a co-DM",
)
async def invite_member(
    body: MemberIn, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> InvitationOut:
    """Owner only: invite an email to co-DM (full edit rights). Nobody becomes a DM
    until they accept (``POST /api/invitations/{id}/accept``). The answer is the
    same whether or not an account uses the email; inviting again returns the
    pending invitation; an email that already DMs the campaign is a 409."""
    service.require_owner(campaign, user)
    return InvitationOut.model_validate(await service.invite(session, campaign, str(body.email)))


@router.get(
    "/{campaign_id}/invitations",
    response_model=Page[InvitationOut],
    responses=errs(Unauthorized, Forbidden, NotFound, Unprocessable),
)
async def list_invitations(
    campaign: MemberCampaign, user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[InvitationOut]:
    """Owner only: the invitations not yet accepted or declined, oldest first."""
    service.require_owner(campaign, user)
    items, total = await service.pending_invitations(
        session, campaign, limit=page.limit, offset=page.offset
    )
    return Page(items=[InvitationOut.model_validate(i) for i in items], total=total)


@router.delete(
    "/{campaign_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(Unauthorized, Forbidden, NotFound),
)
async def withdraw_invitation(
    invitation_id: str, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> Response:
    """Owner only: take back an invitation before it is answered."""
    service.require_owner(campaign, user)
    await service.withdraw(session, campaign, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{campaign_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(Unauthorized, Forbidden, NotFound),
)
async def remove_member(
    user_id: str, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> Response:
    """The owner removes a co-DM; a co-DM may remove themselves."""
    if user_id != user.id:
        service.require_owner(campaign, user)
    await service.remove_co_dm(session, campaign, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


invitations_router = APIRouter(prefix="/api/invitations", tags=["campaigns"])


@invitations_router.get(
    "", response_model=Page[MyInvitationOut], responses=errs(Unauthorized, Unprocessable)
)
async def my_invitations(
    user: CurrentUser, session: SessionDep, page: PageDep
) -> Page[MyInvitationOut]:
    """Invitations to co-DM addressed to your email, oldest first."""
    rows, total = await service.invitations_for(session, user, limit=page.limit, offset=page.offset)
    return Page(
        items=[
            MyInvitationOut(
                id=i.id,
                campaign_id=c.id,
                campaign_name=c.name,
                invited_by=owner.display_name if owner else None,
                created_at=i.created_at,
            )
            for i, c, owner in rows
        ],
        total=total,
    )


@invitations_router.post(
    "/{invitation_id}/accept", response_model=CampaignOut, responses=errs(Unauthorized, NotFound)
)
async def accept_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep
) -> CampaignOut:
    """Become a co-DM of the invitation's campaign; answers the campaign."""
    return _out(await service.accept(session, invitation_id, user), user.id)


@invitations_router.post(
    "/{invitation_id}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(Unauthorized, NotFound),
)
async def decline_invitation(
    invitation_id: str, user: CurrentUser, session: SessionDep
) -> Response:
    await service.decline(session, invitation_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
