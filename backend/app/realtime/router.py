"""Player-view links, the public player view, and the two live streams (PRODUCT §4).

Streams send one JSON text message per frame (shapes in :mod:`app.realtime.frames`):
a snapshot first (or, with ``?since=<version>``, exactly the events after it, when the
log still has them within 1,000 versions), then one message per version, in order.
Close codes: 1008 before accepting (bad or missing credentials, unknown link: no
message is ever sent), 4403 (the link was rotated or revoked), 4404 (the encounter was
deleted), 1013 (the client could not keep up), 1001 (the server is stopping).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, WebSocket, status
from pydantic import BaseModel, Field
from starlette.websockets import WebSocketDisconnect

from app.auth import repository as users
from app.auth.security import decode_token
from app.config import Settings
from app.deps import SessionDep
from app.encounters import repository as encounters
from app.encounters.dependencies import MemberEncounter
from app.errors import AppError, NotFound, Unauthorized
from app.errors import responses as errs
from app.observability import metrics
from app.realtime import sharing
from app.realtime.frames import Audience
from app.realtime.hub import Hub, Rejected, Subscriber

router = APIRouter(tags=["player view"])

CLOSE_POLICY = 1008
Since = Annotated[
    int | None,
    Query(ge=0, description="The last version the client has: it is sent only what followed."),
]


class ShareOut(BaseModel):
    token: str = Field(description="The player-view token; shown once, only its hash is kept.")
    url: str = Field(description="The player view page: /play/<token>.")
    api_url: str = Field(description="The redacted state: /api/public/encounters/<token>.")


@router.post(
    "/api/encounters/{encounter_id}/share",
    status_code=status.HTTP_201_CREATED,
    response_model=ShareOut,
    responses={
        200: {"description": "An earlier link was replaced", "model": ShareOut},
        **errs(Unauthorized, NotFound),
    },
)
async def share_encounter(
    encounter: MemberEncounter, session: SessionDep, response: Response
) -> ShareOut:
    """Make the player-view link (201), or replace it (200): the old one stops working
    at once, and player screens still open with it are disconnected."""
    made = await sharing.share(session, encounter)
    if not made.created:
        response.status_code = status.HTTP_200_OK
    return ShareOut(
        token=made.token,
        url=f"/play/{made.token}",
        api_url=f"/api/public/encounters/{made.token}",
    )


@router.delete(
    "/api/encounters/{encounter_id}/share",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(Unauthorized, NotFound),
)
async def revoke_share(encounter: MemberEncounter, session: SessionDep) -> Response:
    """Revoke the player-view link; open player screens are disconnected."""
    await sharing.revoke(session, encounter)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/public/encounters/{token}", responses=errs(sharing.PlayerViewNotFound))
async def public_encounter(token: str, session: SessionDep, response: Response) -> dict[str, Any]:
    """The player view: no sign-in, hidden combatants removed, monsters' numbers
    withheld as the DM's settings say."""
    state = await sharing.public_state(session, token)
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = f'"{state["version"]}"'
    return state


@router.websocket("/api/public/encounters/{token}/ws")
async def public_stream(websocket: WebSocket, token: str, since: Since = None) -> None:
    """The player view, live."""
    async with _sessionmaker(websocket)() as session:
        encounter_id = await sharing.shared_encounter_id(session, token)
    if encounter_id is None:
        await websocket.close(CLOSE_POLICY, "unknown player view link")
        return
    subscriber = Subscriber(websocket, "player", token_hash=sharing.token_hash(token))
    await _stream(websocket, encounter_id, subscriber, since)


@router.websocket("/api/encounters/{encounter_id}/ws")
async def dm_stream(
    websocket: WebSocket,
    encounter_id: str,
    since: Since = None,
    access_token: Annotated[
        str | None,
        Query(description="The access token (browsers cannot set headers on a WebSocket)."),
    ] = None,
) -> None:
    """The DM's full view, live. Authenticated before the socket is accepted: with a
    bad token, or someone else's encounter, it is closed without a single message."""
    authorized_at = asyncio.get_running_loop().time()
    user_id = await _may_watch(websocket, encounter_id, access_token)
    if user_id is None:
        await websocket.close(CLOSE_POLICY, "not authorised")
        return
    subscriber = Subscriber(websocket, "dm", user_id=user_id, authorized_at=authorized_at)
    await _stream(websocket, encounter_id, subscriber, since)


async def _may_watch(
    websocket: WebSocket, encounter_id: str, access_token: str | None
) -> str | None:
    """The user id if the token is valid and its user DMs the encounter."""
    token = access_token
    if token is None:
        scheme, _, credentials = websocket.headers.get("authorization", "").partition(" ")
        token = credentials.strip() if scheme.lower() == "bearer" else None
    if not token:
        return None
    settings: Settings = websocket.app.state.settings
    try:
        user_id = decode_token(token, secret=settings.jwt_secret)
    except AppError:
        return None
    async with _sessionmaker(websocket)() as session:
        if await users.get_user(session, user_id) is None:
            return None
        if await encounters.get_for_member(session, encounter_id, user_id) is None:
            return None
    return user_id


async def _stream(
    websocket: WebSocket, encounter_id: str, subscriber: Subscriber, since: int | None
) -> None:
    hub: Hub = websocket.app.state.hub
    audience: Audience = subscriber.audience
    await websocket.accept()
    metrics.WEBSOCKETS_OPEN.labels(audience=audience).inc()
    try:
        try:
            await hub.subscribe(encounter_id, subscriber, since=since)
        except Rejected as exc:
            await websocket.close(exc.code, exc.reason)
            return
        # Clients have nothing to say; reading notices when they leave.
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(encounter_id, subscriber)
        metrics.WEBSOCKETS_OPEN.labels(audience=audience).dec()


def _sessionmaker(websocket: WebSocket) -> Any:
    return websocket.app.state.sessionmaker
