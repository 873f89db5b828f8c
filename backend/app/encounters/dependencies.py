from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from app.deps import CurrentUserId, SessionDep
from app.encounters import service
from app.encounters.models import Encounter
from app.errors import BadRequest


async def encounter_for_member(
    encounter_id: str, user_id: CurrentUserId, session: SessionDep
) -> Encounter:
    """The encounter at ``{encounter_id}`` if the user DMs its campaign, else 404
    (one query: the token's user id is checked against the campaign's DMs)."""
    return await service.get_for_member(session, encounter_id, user_id)


MemberEncounter = Annotated[Encounter, Depends(encounter_for_member)]


IF_MATCH_HEADER = Header(
    description="The encounter version the client acted on; "
    "412 if someone acted first. `*` or absent: no check."
)


def parse_if_match(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names (None: absent or ``*``)."""
    if if_match is None or if_match.strip() == "*":
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        raise BadRequest("If-Match takes an encounter version, e.g. If-Match: 12.")
    return int(raw)


async def if_match_version(
    if_match: Annotated[str | None, IF_MATCH_HEADER] = None,
) -> int | None:
    return parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(if_match_version)]
# The header as a route's own parameter, parsed by the route (parse_if_match): the
# action route's, which saves a dependency on the hot path.
IfMatchHeader = Annotated[str | None, IF_MATCH_HEADER]
