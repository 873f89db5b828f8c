from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.campaigns import service
from app.campaigns.models import Campaign
from app.deps import CurrentUser, SessionDep


async def campaign_for_member(campaign_id: str, user: CurrentUser, session: SessionDep) -> Campaign:
    """The campaign at ``{campaign_id}`` if the user owns it or is a co-DM, else 404."""
    return await service.get_for_member(session, campaign_id, user)


MemberCampaign = Annotated[Campaign, Depends(campaign_for_member)]
