from __future__ import annotations

from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.campaigns.models import Campaign, CampaignInvitation, CampaignMember


def _visible_to(user_id: str) -> Select[Campaign]:
    is_member = exists().where(
        CampaignMember.campaign_id == Campaign.id, CampaignMember.user_id == user_id
    )
    return select(Campaign).where(or_(Campaign.owner_id == user_id, is_member))


async def get_for_member(session: AsyncSession, campaign_id: str, user_id: str) -> Campaign | None:
    stmt = _visible_to(user_id).where(Campaign.id == campaign_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_for_member(
    session: AsyncSession, user_id: str, *, limit: int, offset: int
) -> tuple[list[Campaign], int]:
    base = _visible_to(user_id)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(
        base.order_by(Campaign.created_at.desc(), Campaign.id).limit(limit).offset(offset)
    )
    return list(rows.scalars()), int(total)


async def add(session: AsyncSession, campaign: Campaign) -> Campaign:
    session.add(campaign)
    await session.flush()
    return campaign


async def remove(session: AsyncSession, campaign: Campaign) -> None:
    await session.delete(campaign)
    await session.flush()


async def members(session: AsyncSession, campaign: Campaign) -> list[tuple[User, str]]:
    owner = await session.get(User, campaign.owner_id)
    rows = await session.execute(
        select(User)
        .join(CampaignMember, CampaignMember.user_id == User.id)
        .where(CampaignMember.campaign_id == campaign.id)
        .order_by(User.email)
    )
    out: list[tuple[User, str]] = [(owner, "owner")] if owner else []
    out.extend((u, "co_dm") for u in rows.scalars())
    return out


async def is_member(session: AsyncSession, campaign_id: str, user_id: str) -> bool:
    stmt = select(
        exists().where(CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == user_id)
    )
    return bool((await session.execute(stmt)).scalar())


async def add_member(session: AsyncSession, campaign_id: str, user_id: str) -> None:
    session.add(CampaignMember(campaign_id=campaign_id, user_id=user_id))
    await session.flush()


async def remove_member(session: AsyncSession, campaign_id: str, user_id: str) -> int:
    result = await session.execute(
        delete(CampaignMember).where(
            CampaignMember.campaign_id == campaign_id, CampaignMember.user_id == user_id
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- invitations -------------------------------------------------------------------------


async def get_invitation(
    session: AsyncSession, campaign_id: str, email: str
) -> CampaignInvitation | None:
    stmt = select(CampaignInvitation).where(
        CampaignInvitation.campaign_id == campaign_id, CampaignInvitation.email == email
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_invitation(session: AsyncSession, invitation: CampaignInvitation) -> None:
    session.add(invitation)
    await session.flush()


async def campaign_invitations(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[CampaignInvitation], int]:
    where = CampaignInvitation.campaign_id == campaign_id
    total = (
        await session.execute(select(func.count()).select_from(CampaignInvitation).where(where))
    ).scalar_one()
    rows = await session.execute(
        select(CampaignInvitation)
        .where(where)
        .order_by(CampaignInvitation.created_at, CampaignInvitation.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def invitations_for(
    session: AsyncSession, email: str, *, limit: int, offset: int
) -> tuple[list[tuple[CampaignInvitation, Campaign, User | None]], int]:
    """Invitations to ``email`` with their campaigns and owners, oldest first."""
    where = CampaignInvitation.email == email
    total = (
        await session.execute(select(func.count()).select_from(CampaignInvitation).where(where))
    ).scalar_one()
    rows = await session.execute(
        select(CampaignInvitation, Campaign, User)
        .join(Campaign, Campaign.id == CampaignInvitation.campaign_id)
        .outerjoin(User, User.id == Campaign.owner_id)
        .where(where)
        .order_by(CampaignInvitation.created_at, CampaignInvitation.id)
        .limit(limit)
        .offset(offset)
    )
    return [(i, c, u) for i, c, u in rows.all()], int(total)


async def invitation_for(
    session: AsyncSession, invitation_id: str, email: str
) -> CampaignInvitation | None:
    stmt = select(CampaignInvitation).where(
        CampaignInvitation.id == invitation_id, CampaignInvitation.email == email
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def remove_invitation(session: AsyncSession, invitation: CampaignInvitation) -> None:
    await session.delete(invitation)
    await session.flush()


# --- an account's campaigns ------------------------------------------------------------


async def owned_by(session: AsyncSession, user_id: str) -> list[Campaign]:
    rows = await session.execute(
        select(Campaign).where(Campaign.owner_id == user_id).order_by(Campaign.created_at)
    )
    return list(rows.scalars())


async def co_dm_of(session: AsyncSession, user_id: str) -> list[Campaign]:
    rows = await session.execute(
        select(Campaign)
        .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
        .where(CampaignMember.user_id == user_id)
        .order_by(Campaign.created_at)
    )
    return list(rows.scalars())


async def longest_serving_co_dm(session: AsyncSession, campaign_id: str) -> str | None:
    """The co-DM who joined first (the member rows' ids grow): the next owner."""
    stmt = (
        select(CampaignMember.user_id)
        .where(CampaignMember.campaign_id == campaign_id)
        .order_by(CampaignMember.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def remove_invitations_to(session: AsyncSession, email: str) -> None:
    await session.execute(delete(CampaignInvitation).where(CampaignInvitation.email == email))
