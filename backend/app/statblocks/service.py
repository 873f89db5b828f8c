"""The monster library: the SRD for everyone, homebrew for its owner
(:mod:`app.encounters.combatants` turns a stat block into combatants).

A homebrew stat block belongs to its owner: only they see, change or delete
it, and only they may add it to an encounter, unless they share it with a
campaign they DM (``PUT /api/campaigns/{id}/statblocks/{statblock_id}``): then
every DM of that campaign may field it there, for as long as the owner stays
one of its DMs.
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.errors import Forbidden, NotFound, Unprocessable
from app.statblocks import matching, repository
from app.statblocks.models import StatBlock
from app.statblocks.repository import Search as Search
from app.statblocks.repository import Summary as Summary
from app.statblocks.schemas import (
    StatBlockData,
    StatBlockIn,
)


class StatBlockNotFound(NotFound):
    type = "statblock-not-found"
    title = "Stat block not found"


class StatBlockReadOnly(Forbidden):
    type = "statblock-read-only"
    title = "SRD stat blocks are read-only"


# Fields StatBlockIn derives when they are left out (see its docstring), and
# the fields they are derived from.
_DERIVED: Final[dict[str, tuple[str, ...]]] = {
    "xp": ("challenge_rating",),
    "initiative_bonus": ("abilities",),
    "legendary_actions_per_round": ("legendary_actions",),
    "legendary_resistances": ("traits",),
}


async def search(
    session: AsyncSession, user_id: str, search: Search, *, limit: int, offset: int
) -> tuple[list[Summary], int]:
    """The SRD and the user's homebrew matching ``search``, best first, with the
    number of matches. Text with a word of four letters or more also finds near
    misses (:mod:`app.statblocks.matching`), after every name that holds the text;
    shorter text is matched by the database alone."""
    if not search.text or not matching.forgives(search.text):
        return await repository.search(session, user_id, search, limit=limit, offset=offset)
    names = await repository.names(session, user_id, search, matching.pieces(search.text))
    ranked = matching.rank(search.text, names)
    return await repository.summaries(session, ranked[offset : offset + limit]), len(ranked)


async def shared_with(
    session: AsyncSession, campaign_id: str, *, limit: int, offset: int
) -> tuple[list[Summary], int]:
    """The homebrew the campaign's current DMs share with it, by name, and how many."""
    return await repository.shared_with(session, campaign_id, limit=limit, offset=offset)


def data_of(block: StatBlock) -> StatBlockData:
    return StatBlockData.model_validate(block.data)


def _input_fields(block: StatBlock) -> dict[str, Any]:
    """The stored stat block as StatBlockIn reads it (no slug or computed labels)."""
    return {k: v for k, v in block.data.items() if k in StatBlockIn.model_fields}


def _apply(block: StatBlock, data: StatBlockIn) -> StatBlock:
    stored = StatBlockData.model_validate(
        {**data.model_dump(), "slug": block.data.get("slug") if block.data else None}
    )
    block.data = stored.model_dump(mode="json")
    block.name = data.name
    block.name_lower = data.name.lower()
    block.challenge_rating = float(data.challenge_rating)
    block.type = data.type.lower()
    block.size = data.size
    block.xp = data.xp
    return block


async def get_visible(session: AsyncSession, statblock_id: str, user: User) -> StatBlock:
    block = await repository.get_visible(session, statblock_id, user.id)
    if block is None:
        raise StatBlockNotFound(f"No stat block {statblock_id}.")
    return block


async def for_combatant(
    session: AsyncSession,
    *,
    campaign_id: str,
    user_id: str,
    statblock_id: str | None,
    combatant: str,
) -> StatBlock:
    """The stat block a combatant was made from, if ``user_id`` may field it in the
    campaign: the SRD's, their own homebrew, or homebrew shared with the campaign
    (so a co-DM reads a shared block here though search keeps it to its owner)."""
    block = None
    if statblock_id is not None:
        block = await repository.get_for_campaign(session, statblock_id, campaign_id, user_id)
    if block is None:
        raise StatBlockNotFound(f"{combatant} has no stat block (any longer).")
    return block


async def get_own(session: AsyncSession, statblock_id: str, user: User) -> StatBlock:
    """A stat block the user may change: their homebrew (SRD: 403, others': 404)."""
    block = await get_visible(session, statblock_id, user)
    if block.source == repository.SRD:
        raise StatBlockReadOnly(
            f"{block.name} is an SRD monster and cannot be changed; "
            "import or create a homebrew copy instead."
        )
    return block


async def create(session: AsyncSession, owner: User, data: StatBlockIn) -> StatBlock:
    block = StatBlock(source=repository.HOMEBREW, owner_id=owner.id, data={})
    return await repository.add(session, _apply(block, data))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, ``null`` removes a
    key (so it takes its default), anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def merge(block: StatBlock, changes: dict[str, Any]) -> StatBlockIn:
    """The stored stat block with ``changes`` merged in (a JSON Merge Patch,
    so ``{"abilities": {"dex": 16}}`` changes Dex alone), validated whole.

    A derived field (XP, initiative bonus, legendary counts) that still holds
    its derived value follows its source when that changes; one the user set
    to something else keeps it.
    """
    stored = _input_fields(block)
    underived = StatBlockIn.model_validate({k: v for k, v in stored.items() if k not in _DERIVED})
    merged: dict[str, Any] = merge_patch(stored, changes)
    for field, sources in _DERIVED.items():
        follows = stored.get(field) == getattr(underived, field)
        if field not in changes and follows and any(s in changes for s in sources):
            merged.pop(field, None)
    try:
        return StatBlockIn.model_validate(merged)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False)
        ]
        first = errors[0]
        raise Unprocessable(
            f"{'.'.join(first['loc'][1:])}: {first['msg']}", errors=errors
        ) from None


async def update(session: AsyncSession, block: StatBlock, changes: dict[str, Any]) -> StatBlock:
    _apply(block, merge(block, changes))
    await session.flush()
    return block


async def remove(session: AsyncSession, block: StatBlock) -> None:
    await repository.remove(session, block)


async def share(session: AsyncSession, campaign_id: str, statblock_id: str, user: User) -> None:
    """The user shares their homebrew with a campaign they DM (checked by the router)."""
    block = await get_own(session, statblock_id, user)
    await repository.share(session, campaign_id=campaign_id, statblock_id=block.id)


async def unshare(session: AsyncSession, campaign_id: str, statblock_id: str, user: User) -> None:
    block = await get_own(session, statblock_id, user)
    if await repository.unshare(session, campaign_id=campaign_id, statblock_id=block.id) == 0:
        raise StatBlockNotFound(f"{block.name} is not shared with this campaign.")
