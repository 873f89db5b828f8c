"""The monster library's queries.

Search finds, sorts and pages on the narrow columns first (on PostgreSQL an
index-only scan of ``ix_statblocks_name_lower``, which carries them all), and
only then reads the page's rows: the wide ``data`` documents of other rows
are never read or sorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, exists, func, literal, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from app.campaigns.models import Campaign, CampaignMember
from app.statblocks.models import StatBlock, StatBlockShare

SRD = "srd"
HOMEBREW = "homebrew"


@dataclass(frozen=True, slots=True)
class Search:
    """What to look for; every field is optional."""

    text: str | None = None
    cr_min: float | None = None
    cr_max: float | None = None
    type: str | None = None
    size: str | None = None
    source: str | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _visible_to(user_id: str) -> ColumnElement[bool]:
    return or_(StatBlock.source == SRD, StatBlock.owner_id == user_id)


def _filters(search: Search, user_id: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [_visible_to(user_id)]
    if search.source is not None:
        where.append(StatBlock.source == search.source)
    if search.text:
        where.append(
            StatBlock.name_lower.like(f"%{_like_escape(search.text.lower())}%", escape="\\")
        )
    if search.cr_min is not None:
        where.append(StatBlock.challenge_rating >= search.cr_min)
    if search.cr_max is not None:
        where.append(StatBlock.challenge_rating <= search.cr_max)
    if search.type:
        kind = _like_escape(search.type.lower())
        # A type matches as itself or as a word of a compound type, so "beast"
        # also finds the SRD's "swarm of tiny beasts" (but "ant" not "giant").
        where.append(
            or_(
                StatBlock.type.like(f"{kind}%", escape="\\"),
                StatBlock.type.like(f"% {kind}%", escape="\\"),
            )
        )
    if search.size:
        where.append(StatBlock.size == search.size)
    return where


def _rank(text: str | None) -> ColumnElement[Any]:
    """0 for the exact name, 1 for a name that starts with the text, 2 for a
    word that does ("Red Dragon" for "dra"), 3 for anything else that contains it."""
    if not text:
        return literal(0)
    needle = _like_escape(text.lower())
    return case(
        (StatBlock.name_lower == text.lower(), 0),
        (StatBlock.name_lower.like(f"{needle}%", escape="\\"), 1),
        (StatBlock.name_lower.like(f"% {needle}%", escape="\\"), 2),
        else_=3,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """What a search result shows: the columns plus a few fields of ``data``."""

    id: str
    name: str
    source: str
    size: str
    type: str
    challenge_rating: float
    xp: int
    subtype: str | None
    alignment: str | None
    ac: int
    hp: int
    hit_dice: str | None


async def search(
    session: AsyncSession, user_id: str, search: Search, *, limit: int, offset: int
) -> tuple[list[Summary], int]:
    """The SRD and the user's homebrew matching ``search``: best match first,
    then by name; with the total number of matches."""
    where = _filters(search, user_id)
    page = (
        select(StatBlock.id)
        .where(*where)
        .order_by(_rank(search.text), StatBlock.name_lower, StatBlock.id)
        .limit(limit)
        .offset(offset)
    )
    ids = list((await session.execute(page)).scalars())
    if 0 < len(ids) < limit or (offset == 0 and not ids):
        total = offset + len(ids)  # the last page: no need to count
    else:
        count = select(func.count()).select_from(StatBlock).where(*where)
        total = int((await session.execute(count)).scalar_one())
    return await summaries(session, ids), total


async def names(
    session: AsyncSession, user_id: str, search: Search, pieces: list[list[str]]
) -> list[tuple[str, str]]:
    """(id, lower-cased name) of every stat block the other fields of ``search``
    allow whose name holds, for each list of ``pieces``, one of them: the
    candidates a typo-forgiving search ranks (the narrow index only, as above)."""
    where = _filters(replace(search, text=None), user_id)
    for alternatives in pieces:
        where.append(
            or_(
                *(
                    StatBlock.name_lower.like(f"%{_like_escape(piece)}%", escape="\\")
                    for piece in alternatives
                )
            )
        )
    rows = await session.execute(select(StatBlock.id, StatBlock.name_lower).where(*where))
    return [(block_id, name) for block_id, name in rows.all()]


async def summaries(session: AsyncSession, ids: Sequence[str]) -> list[Summary]:
    """Summaries of these stat blocks, in the order of ``ids``. Only the fields
    shown are taken out of ``data``, in the database."""
    if not ids:
        return []
    data = StatBlock.data
    stmt = select(
        StatBlock.id,
        StatBlock.name,
        StatBlock.source,
        StatBlock.size,
        StatBlock.type,
        StatBlock.challenge_rating,
        StatBlock.xp,
        data["subtype"].as_string(),
        data["alignment"].as_string(),
        data["ac"].as_integer(),
        data["hp"].as_integer(),
        data["hit_dice"].as_string(),
    ).where(StatBlock.id.in_(ids))
    by_id = {row[0]: Summary(*row) for row in await session.execute(stmt)}
    return [by_id[i] for i in ids if i in by_id]


async def get(session: AsyncSession, statblock_id: str) -> StatBlock | None:
    return await session.get(StatBlock, statblock_id)


async def get_visible(session: AsyncSession, statblock_id: str, user_id: str) -> StatBlock | None:
    stmt = select(StatBlock).where(StatBlock.id == statblock_id, _visible_to(user_id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_for_campaign(
    session: AsyncSession, statblock_id: str, campaign_id: str, user_id: str
) -> StatBlock | None:
    """The stat block if ``user_id`` (a DM of the campaign) may field it there: the
    SRD's, the user's own homebrew, or homebrew its owner shares with the campaign
    while the owner is one of its DMs."""
    dms = union(
        select(Campaign.owner_id).where(Campaign.id == campaign_id),
        select(CampaignMember.user_id).where(CampaignMember.campaign_id == campaign_id),
    )
    shared = exists().where(
        StatBlockShare.campaign_id == campaign_id, StatBlockShare.statblock_id == StatBlock.id
    )
    stmt = select(StatBlock).where(
        StatBlock.id == statblock_id,
        or_(
            StatBlock.source == SRD,
            StatBlock.owner_id == user_id,
            and_(shared, StatBlock.owner_id.in_(dms)),
        ),
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def share(session: AsyncSession, *, campaign_id: str, statblock_id: str) -> None:
    """Idempotent: sharing twice is one share."""
    if await session.get(StatBlockShare, (campaign_id, statblock_id)) is None:
        session.add(StatBlockShare(campaign_id=campaign_id, statblock_id=statblock_id))
        await session.flush()


async def unshare(session: AsyncSession, *, campaign_id: str, statblock_id: str) -> int:
    result = await session.execute(
        delete(StatBlockShare).where(
            StatBlockShare.campaign_id == campaign_id, StatBlockShare.statblock_id == statblock_id
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def remove_shares(session: AsyncSession, *, campaign_id: str, owner_id: str) -> None:
    """Every share of ``owner_id``'s homebrew with the campaign."""
    owned = select(StatBlock.id).where(StatBlock.owner_id == owner_id)
    await session.execute(
        delete(StatBlockShare).where(
            StatBlockShare.campaign_id == campaign_id, StatBlockShare.statblock_id.in_(owned)
        )
    )


async def shared_with(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Summary], int]:
    """The homebrew shared with the campaign by its current DMs, by name."""
    dms = union(
        select(Campaign.owner_id).where(Campaign.id == campaign_id),
        select(CampaignMember.user_id).where(CampaignMember.campaign_id == campaign_id),
    )
    where = (
        StatBlockShare.campaign_id == campaign_id,
        StatBlock.owner_id.in_(dms),
    )
    base = select(StatBlock.id).join(StatBlockShare, StatBlockShare.statblock_id == StatBlock.id)
    total = (
        await session.execute(select(func.count()).select_from(base.where(*where).subquery()))
    ).scalar_one()
    ids = (
        await session.execute(
            base.where(*where)
            .order_by(StatBlock.name_lower, StatBlock.id)
            .limit(limit)
            .offset(offset)
        )
    ).scalars()
    return await summaries(session, list(ids)), int(total)


async def add(session: AsyncSession, block: StatBlock) -> StatBlock:
    session.add(block)
    await session.flush()
    return block


async def remove(session: AsyncSession, block: StatBlock) -> None:
    await session.delete(block)
    await session.flush()


async def owned_by(session: AsyncSession, user_id: str) -> list[StatBlock]:
    rows = await session.execute(
        select(StatBlock).where(StatBlock.owner_id == user_id).order_by(StatBlock.created_at)
    )
    return list(rows.scalars())


async def remove_owned_by(session: AsyncSession, user_id: str) -> None:
    """Every homebrew of the user (their shares go with them)."""
    await session.execute(delete(StatBlock).where(StatBlock.owner_id == user_id))
