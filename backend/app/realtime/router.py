"""Player-view links, the public player view, and the two live streams
(docs/api.md, "Live streams").

Streams send one JSON text message per frame (shapes in :mod:`app.realtime.frames`):
a snapshot first (or, with ``?since=``, exactly the frames after it when the worker
still has them in memory and the replay costs no more than a snapshot, see
:mod:`app.realtime.hub`), then one message per frame, in order: every version for the
DM, every change the players can see, numbered by the link's own ``seq``, for them.
Close codes (docs/api.md): 1008 before accepting (bad credentials, a token in the URL,
an unknown link: no message is ever sent), 4401 (the DM's first-message
authentication failed), 4403 (rights lost: the link was rotated or revoked, the co-DM
removed, the user signed out everywhere), 4404 (the encounter or campaign was
deleted), 1013 (the client could not keep up), 1001 (the server is stopping), 1012
(the server is restarting: reconnect with ``?since=``), 1009 (a client message over
``WS_MAX_MESSAGE_BYTES``), 1008 after accepting (client messages faster than
``WS_MESSAGES_PER_SECOND``; see :mod:`app.realtime.inbound`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, WebSocket, status
from pydantic import BaseModel, Field
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.deps import SessionDep, user_for_token
from app.encounters.dependencies import MemberEncounter
from app.errors import AppError, NotFound, Unauthorized
from app.observability import metrics
from app.problems import responses as errs
from app.realtime import sharing
from app.realtime.frames import Audience
from app.realtime.hub import Hub, Rejected, Subscriber
from app.realtime.inbound import InboundLimit
from app.realtime.revocation import CLOSE_GONE, CLOSE_UNAUTHENTICATED

router = APIRouter(tags=["player view"])

CLOSE_POLICY = 1008
BEARER = "bearer"
AUTH_SECONDS = 5.0
MAX_AUTH_MESSAGE = 8192
URL_TOKEN_PARAMS = frozenset({"access_token", "token", "jwt", "authorization"})
Since = Annotated[
    int | None,
    Query(
        ge=0,
        description="The last version (DM) or seq (players) the client has: it is sent"
        " only what followed, or a snapshot.",
    ),
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
    response.headers["ETag"] = f'"{state["seq"]}"'
    return state


@router.websocket("/api/public/encounters/{token}/ws")
async def public_stream(websocket: WebSocket, token: str, since: Since = None) -> None:
    """The player view, live."""
    hub: Hub = websocket.app.state.hub
    hashed = sharing.link_hash(token)
    encounter_id = None if hashed is None else await hub.linked_encounter(hashed)
    if encounter_id is None:
        await websocket.close(CLOSE_POLICY, "unknown player view link")
        return
    subscriber = Subscriber(websocket, "player", token_hash=hashed)
    await websocket.accept()
    await _stream(websocket, encounter_id, subscriber, since)


@router.websocket("/api/encounters/{encounter_id}/ws")
async def dm_stream(websocket: WebSocket, encounter_id: str, since: Since = None) -> None:
    """The DM's full view, live. The access token never rides in the URL
    (``?access_token=`` is refused); it comes, in order of preference:

    - as the subprotocol pair ``["bearer", TOKEN]`` (``new WebSocket(url, ["bearer",
      token])`` in a browser; the server answers with the subprotocol ``bearer``), or as
      an ``Authorization: Bearer`` header: checked before the socket is accepted, so a
      bad token or someone else's encounter is refused at the handshake (403) without
      a single message;
    - or as the first message, ``{"type": "auth", "token": TOKEN}``, within
      5 seconds of opening: a bad or missing one closes the socket with 4401, a valid
      one for someone else's encounter with 4404.
    """
    if any(name.lower() in URL_TOKEN_PARAMS for name in websocket.query_params):
        await websocket.close(CLOSE_POLICY, "send the token as a subprotocol, never in the URL")
        return
    authorized_at = asyncio.get_running_loop().time()
    token, subprotocol = _offered_token(websocket)
    if token is not None:
        dm = await _dm_of(websocket, encounter_id, token)
        if isinstance(dm, int):
            await websocket.close(CLOSE_POLICY, "not authorised")
            return
        await websocket.accept(subprotocol=subprotocol)
    else:
        await websocket.accept()
        token = await _auth_message(websocket)
        dm = (
            CLOSE_UNAUTHENTICATED if token is None else await _dm_of(websocket, encounter_id, token)
        )
        if isinstance(dm, int):
            reason = "not authenticated" if dm == CLOSE_UNAUTHENTICATED else "no such encounter"
            await websocket.close(dm, reason)
            return
    user_id, generation = dm
    subscriber = Subscriber(
        websocket, "dm", user_id=user_id, generation=generation, authorized_at=authorized_at
    )
    await _stream(websocket, encounter_id, subscriber, since)


def _offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to answer) from the handshake: the ``bearer`` subprotocol
    pair, else an ``Authorization: Bearer`` header; (None, None) when neither."""
    offered: list[str] = list(websocket.scope.get("subprotocols") or [])
    if BEARER in offered:
        at = offered.index(BEARER)
        return (offered[at + 1] if at + 1 < len(offered) else ""), BEARER
    scheme, _, credentials = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip(), None
    return None, None


async def _auth_message(websocket: WebSocket) -> str | None:
    """The token of the first message, ``{"type": "auth", "token": ...}``, or None if
    it is not that, or does not come within :data:`AUTH_SECONDS`."""
    try:
        async with asyncio.timeout(AUTH_SECONDS):
            message = await websocket.receive()
    except TimeoutError:
        return None
    text = message.get("text")
    if not isinstance(text, str) or len(text) > MAX_AUTH_MESSAGE:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "auth":
        return None
    token = data.get("token")
    return token if isinstance(token, str) and token else None


async def _dm_of(websocket: WebSocket, encounter_id: str, token: str) -> tuple[str, int] | int:
    """(user id, token generation) if ``token`` is valid and its user DMs the
    encounter; else the close code: 4401 for the token, 4404 for the encounter."""
    settings: Settings = websocket.app.state.settings
    async with _sessionmaker(websocket)() as session:
        try:
            user = await user_for_token(session, settings, token)
        except AppError:
            return CLOSE_UNAUTHENTICATED
        if not await sharing.dm_may_watch(session, encounter_id, user.id):
            return CLOSE_GONE
    return user.id, user.token_generation


async def _stream(
    websocket: WebSocket, encounter_id: str, subscriber: Subscriber, since: int | None
) -> None:
    """Serve an accepted socket until it closes."""
    hub: Hub = websocket.app.state.hub
    audience: Audience = subscriber.audience
    metrics.WEBSOCKETS_OPEN.labels(audience=audience).inc()
    try:
        try:
            await hub.subscribe(encounter_id, subscriber, since=since)
        except Rejected as exc:
            await websocket.close(exc.code, exc.reason)
            return
        # Clients have nothing to say; reading notices when they leave (and stops
        # those who say too much).
        inbound = InboundLimit.from_settings(websocket.app.state.settings)
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if refused := inbound.admit(message):
                await websocket.close(*refused)
                break
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(encounter_id, subscriber)
        metrics.WEBSOCKETS_OPEN.labels(audience=audience).dec()


def _sessionmaker(websocket: WebSocket) -> Any:
    return websocket.app.state.sessionmaker
