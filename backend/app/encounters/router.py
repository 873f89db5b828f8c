"""Encounters, their combatants, actions and log (docs/api.md)."""

from __future__ import annotations

import email.message
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import Field, TypeAdapter, ValidationError

from app.campaigns.dependencies import MemberCampaign
from app.deps import (
    CurrentUserId,
    SessionDep,
    UncheckedClaims,
    claims_of,
    reject_nul_characters,
    store_of,
)
from app.dice import DiceRoller
from app.encounters import combatants, service
from app.encounters.actions import Action, RemoveCombatant, RenameEncounter, UpdateCombatant
from app.encounters.dependencies import IfMatch, IfMatchHeader, MemberEncounter, parse_if_match
from app.encounters.models import Encounter, EncounterEvent
from app.encounters.projection import dm_view
from app.encounters.schemas import (
    ActionResult,
    CombatantCreate,
    CombatantOut,
    EncounterCreate,
    EncounterListItem,
    EncounterOut,
    EncounterPatch,
    EventOut,
    EventPage,
)
from app.encounters.state import EncounterState
from app.errors import (
    BadRequest,
    InvalidAction,
    NotFound,
    PreconditionFailed,
    RuleViolation,
    Unauthorized,
    Unprocessable,
    reject_nulls,
)
from app.pagination import Page, PageDep
from app.problems import responses as errs

campaign_router = APIRouter(prefix="/api/campaigns/{campaign_id}/encounters", tags=["encounters"])
router = APIRouter(prefix="/api/encounters", tags=["encounters"])

READ_ERRORS = errs(Unauthorized, NotFound)
ACTION_ERRORS = errs(
    BadRequest, Unauthorized, NotFound, RuleViolation, PreconditionFailed, InvalidAction
)


def encounter_out(encounter: Encounter, state: EncounterState | None = None) -> EncounterOut:
    current = encounter.state if state is None else state
    return EncounterOut.model_validate(dm_view(current, encounter.campaign_id))


def event_out(event: EncounterEvent) -> EventOut:
    return EventOut.model_validate(event, from_attributes=True)


_EVENTS = TypeAdapter(list[EventOut])


def json_response(content: str, version: int, status_code: int = 200) -> Response:
    """Pre-serialised JSON: the hot paths skip re-validating what the rules built."""
    return Response(
        content,
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": f'"{version}"'},
    )


def result(outcome: service.Outcome, status_code: int = 200) -> Response:
    """An ActionResult: the appended events, the new state and its version."""
    events = _EVENTS.dump_json(outcome.events).decode()
    state = outcome.view_json
    version = outcome.state.version
    body = f'{{"events":{events},"state":{state},"version":{version}}}'
    return json_response(body, version, status_code)


@campaign_router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=EncounterOut, responses=READ_ERRORS
)
async def create_encounter(
    body: EncounterCreate, campaign: MemberCampaign, session: SessionDep
) -> EncounterOut:
    return encounter_out(await service.create(session, campaign, body))


@campaign_router.get("", response_model=Page[EncounterListItem], responses=READ_ERRORS)
async def list_encounters(
    campaign: MemberCampaign, session: SessionDep, page: PageDep
) -> Page[EncounterListItem]:
    items, total = await service.list_for_campaign(
        session, campaign.id, limit=page.limit, offset=page.offset
    )
    return Page(
        items=[EncounterListItem.model_validate(e, from_attributes=True) for e in items],
        total=total,
    )


# --- the two hot routes: their parameters bound without FastAPI's dependency solving --

Binder = Callable[[Request], Awaitable[dict[str, Any]]]


def bound_route(binder: Binder) -> type[APIRoute]:
    """A route class whose requests reach the endpoint with the arguments ``binder``
    makes from the request, instead of through FastAPI's dependency solving, which
    costs an action about 80 µs of CPU, a tenth of the whole (README, Benchmarks). The
    endpoint's signature still describes the route in OpenAPI (its body, its bearer
    token, its headers), and the binder keeps FastAPI's order and answers: the app-wide
    NUL check (422), the token (401), then the body (422, ``loc`` under ``body``;
    malformed JSON before all of them, as FastAPI reads the body first).
    ``tests/encounters/test_bound_routes.py`` holds the two to FastAPI's answers."""

    class BoundRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            endpoint = self.endpoint

            async def handle(request: Request) -> Response:
                response: Response = await endpoint(**await binder(request))
                return response

            return handle

    return BoundRoute


async def _bind_read(request: Request) -> dict[str, Any]:
    await reject_nul_characters(request)
    return {
        "encounter_id": request.path_params["encounter_id"],
        "caller": claims_of(request),
        "request": request,
    }


_ACTION: TypeAdapter[Action] = TypeAdapter(Annotated[Action, Field(discriminator="type")])
_MISSING = object()


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI would read a body of this type as JSON (``application/json``
    or ``application/*+json``; no type at all is not, its content types being strict)."""
    if content_type is None:
        return False
    if content_type == "application/json":
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def _bind_action(request: Request) -> dict[str, Any]:
    # FastAPI's order: the body read (malformed JSON is a 422 before anything else),
    # then the dependencies (the NUL check, the token), then the body validated.
    body: Any = _MISSING
    try:
        raw = await request.body()
        if raw:
            body = await request.json() if _is_json(request.headers.get("content-type")) else raw
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except HTTPException:
        raise  # the body limit's 413
    except Exception as exc:  # e.g. bytes that are not UTF-8: FastAPI's 400
        raise HTTPException(400, "There was an error parsing the body") from exc
    await reject_nul_characters(request)
    caller = claims_of(request)
    if body is _MISSING:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
        )
    try:
        action = _ACTION.validate_python(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
    return {
        "encounter_id": request.path_params["encounter_id"],
        "action": action,
        "caller": caller,
        "request": request,
        "if_match": request.headers.get("if-match"),
    }


async def get_encounter(encounter_id: str, caller: UncheckedClaims, request: Request) -> Response:
    """The encounter's current state: one stored row, however long its log."""
    return json_response(*await service.read_json(store_of(request), encounter_id, caller))


router.add_api_route(
    "/{encounter_id}",
    get_encounter,
    methods=["GET"],
    response_model=None,
    responses={200: {"model": EncounterOut}, **READ_ERRORS},
    route_class_override=bound_route(_bind_read),
)


@router.patch(
    "/{encounter_id}",
    response_model=None,
    responses={200: {"model": ActionResult}, **ACTION_ERRORS, **errs(Unprocessable)},
)
async def update_encounter(
    encounter_id: str,
    body: EncounterPatch,
    caller: UncheckedClaims,
    session: SessionDep,
    if_match: IfMatch,
) -> Response:
    """Rename the encounter (``{"name": ...}``, trimmed, 1 to 200 characters). Logged
    as an ``encounter_renamed`` event, which ``undo`` takes back and the player view
    follows; the name it already has is a 200 with no event."""
    changes = body.model_dump(exclude_unset=True)
    reject_nulls(changes)
    if not changes:
        raise Unprocessable("Nothing to update: send a name.")
    outcome = await service.perform(
        session,
        encounter_id=encounter_id,
        caller=caller,
        action=RenameEncounter(name=changes["name"]),
        roller=DiceRoller(),
        if_match=if_match,
    )
    return result(outcome)


@router.delete("/{encounter_id}", status_code=status.HTTP_204_NO_CONTENT, responses=READ_ERRORS)
async def delete_encounter(encounter: MemberEncounter, session: SessionDep) -> Response:
    """Deletes the encounter and its log; its player view link stops working and
    its open sockets close (4404)."""
    await service.delete(session, encounter)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{encounter_id}/duplicate",
    status_code=status.HTTP_201_CREATED,
    response_model=EncounterOut,
    responses=READ_ERRORS,
)
async def duplicate_encounter(
    encounter: MemberEncounter, user_id: CurrentUserId, session: SessionDep
) -> Response:
    """A copy in the same campaign named "<name> (copy)": not started, the same
    ruleset and settings, the same combatants with new ids at full strength (full
    HP, no temp HP, conditions, concentration, death saves, initiative or damage
    totals; hidden ones stay hidden). Its log starts with one ``encounter_copied``
    event; the original's log is not copied, nor its player view link."""
    outcome = await service.duplicate(session, encounter, actor_id=user_id)
    return json_response(
        outcome.view_json,
        outcome.state.version,
        status.HTTP_201_CREATED,
    )


async def perform_action(
    encounter_id: str,
    action: Annotated[Action, Body(discriminator="type")],
    caller: UncheckedClaims,
    request: Request,
    if_match: IfMatchHeader = None,
) -> Response:
    """Apply one combat action, tagged by ``type``. Answers with the event it
    appended and the new state. All of it or none of it; with ``If-Match`` a
    stale version is 412. ``undo`` takes back the newest action not yet undone;
    ``redo`` re-applies the newest undone one until a new action is taken."""
    outcome = await service.act(
        store_of(request),
        encounter_id=encounter_id,
        caller=caller,
        action=action,
        roller=DiceRoller(),
        if_match=parse_if_match(if_match),
    )
    return result(outcome)


router.add_api_route(
    "/{encounter_id}/actions",
    perform_action,
    methods=["POST"],
    response_model=None,
    responses={200: {"model": ActionResult}, **ACTION_ERRORS},
    route_class_override=bound_route(_bind_action),
)


@router.get("/{encounter_id}/events", response_model=EventPage, responses=READ_ERRORS)
async def list_events(
    encounter: MemberEncounter,
    session: SessionDep,
    after: Annotated[
        # le: seq is a 32-bit column; a larger number is no seq at all (not a 500).
        int, Query(ge=0, le=2**31 - 1, description="Only events with a larger seq.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EventPage:
    """The log, in order, each event with a human-readable line."""
    events = await service.events_after(session, encounter.id, after, limit)
    # Sequence numbers run 1..version without gaps: the log holds `version` events.
    return EventPage(
        items=[event_out(e) for e in events], total=encounter.version, version=encounter.version
    )


@router.get("/{encounter_id}/summary", responses=errs(Unauthorized, NotFound, RuleViolation))
async def get_summary(encounter: MemberEncounter) -> dict[str, Any]:
    """After combat: rounds, damage dealt and taken, XP per character."""
    state = service.state_of(encounter)
    if state.summary is None:
        raise RuleViolation("The encounter has no summary until combat ends.")
    return state.summary


# --- combatants ------------------------------------------------------------------------


@router.get("/{encounter_id}/combatants", response_model=Page[CombatantOut], responses=READ_ERRORS)
async def list_combatants(encounter: MemberEncounter, page: PageDep) -> Page[CombatantOut]:
    """The encounter's combatants in the order they joined (``order`` on the
    encounter is the turn order)."""
    combatants = service.state_of(encounter).combatants
    chosen = combatants[page.offset : page.offset + page.limit]
    return Page(
        items=[CombatantOut.model_validate(c.model_dump()) for c in chosen],
        total=len(combatants),
    )


@router.post(
    "/{encounter_id}/combatants",
    status_code=status.HTTP_201_CREATED,
    response_model=None,
    responses={201: {"model": ActionResult}, **ACTION_ERRORS},
)
async def add_combatants(
    encounter: MemberEncounter,
    body: CombatantCreate,
    caller: UncheckedClaims,
    session: SessionDep,
    if_match: IfMatch,
) -> Response:
    """Add one of: ``{"character_id"}``, ``{"character_ids": [...]}``,
    ``{"statblock_id", "count", "hp": "average"|"rolled"}`` (without ``hp``, the
    DM's console setting ``monster_hp`` decides), or a combatant's fields typed in
    by hand. Logged like an action."""
    roller = DiceRoller()
    action = await combatants.build_combatants(
        session,
        campaign_id=encounter.campaign_id,
        user_id=caller.user_id,
        body=body,
        roller=roller,
        existing=service.state_of(encounter),
    )
    outcome = await service.perform(
        session,
        encounter_id=encounter.id,
        caller=caller,
        action=action,
        roller=roller,
        if_match=if_match,
    )
    return result(outcome, status.HTTP_201_CREATED)


@router.get(
    "/{encounter_id}/combatants/{combatant_id}", response_model=CombatantOut, responses=READ_ERRORS
)
async def get_combatant(encounter: MemberEncounter, combatant_id: str) -> CombatantOut:
    found = service.state_of(encounter).find(combatant_id)
    if found is None:
        raise NotFound(f"No combatant {combatant_id} in this encounter.")
    return CombatantOut.model_validate(found.model_dump())


@router.patch(
    "/{encounter_id}/combatants/{combatant_id}",
    response_model=None,
    responses={200: {"model": ActionResult}, **ACTION_ERRORS},
)
async def update_combatant(
    encounter_id: str,
    combatant_id: str,
    body: dict[str, Any],
    caller: UncheckedClaims,
    session: SessionDep,
    if_match: IfMatch,
) -> Response:
    """Edit a combatant's fields (name, alias, AC, max HP, notes, defences...);
    the same as the ``update_combatant`` action."""
    try:
        action = UpdateCombatant.model_validate(
            {**body, "type": "update_combatant", "combatant_id": combatant_id}
        )
    except ValueError as exc:
        raise Unprocessable(str(exc).splitlines()[0]) from exc
    outcome = await service.perform(
        session, encounter_id=encounter_id, caller=caller, action=action,
        roller=DiceRoller(), if_match=if_match,
    )  # fmt: skip
    return result(outcome)


@router.delete(
    "/{encounter_id}/combatants/{combatant_id}",
    response_model=None,
    responses={200: {"model": ActionResult}, **ACTION_ERRORS},
)
async def remove_combatant(
    encounter_id: str,
    combatant_id: str,
    caller: UncheckedClaims,
    session: SessionDep,
    if_match: IfMatch,
) -> Response:
    """Remove a combatant mid-combat without disturbing whose turn it is; logged."""
    action = RemoveCombatant(type="remove_combatant", combatant_id=combatant_id)
    outcome = await service.perform(
        session, encounter_id=encounter_id, caller=caller, action=action,
        roller=DiceRoller(), if_match=if_match,
    )  # fmt: skip
    return result(outcome)
