from __future__ import annotations

from fastapi import APIRouter, Response, status

from app.campaigns import repository, service
from app.campaigns.dependencies import MemberCampaign
from app.campaigns.models import Campaign
from app.campaigns.schemas import CampaignIn, CampaignOut, CampaignPatch, MemberIn, MemberOut
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
    items, total = await repository.list_for_member(
        session, user.id, limit=page.limit, offset=page.offset
    )
    return Page(items=[_out(c, user.id) for c in items], total=total)


@router.get("/{campaign_id}", response_model=CampaignOut, responses=ERRORS)
async def get_campaign(campaign: MemberCampaign, user: CurrentUser) -> CampaignOut:
    return _out(campaign, user.id)


@router.patch("/{campaign_id}", response_model=CampaignOut, responses=ERRORS)
async def update_campaign(
    body: CampaignPatch, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> CampaignOut:
    service.update(campaign, body)
    await session.flush()
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
        for u, role in await repository.members(session, campaign)
    ]
    return Page(items=members, total=len(members))


@router.post(
    "/{campaign_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    responses=errs(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def add_member(
    body: MemberIn, campaign: MemberCampaign, user: CurrentUser, session: SessionDep
) -> MemberOut:
    """Owner only: add a co-DM (full edit rights) by the email of their account."""
    service.require_owner(campaign, user)
    member = await service.add_co_dm(session, campaign, str(body.email))
    return MemberOut(
        user_id=member.id, email=member.email, display_name=member.display_name, role="co_dm"
    )


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
