"""Dependencies shared by every router: settings, the request's transaction,
the current user.

The request owns the transaction: :func:`get_session` commits when the route
returns and rolls back when it raises, before the response is sent (FastAPI's
``scope="function"``), so a client never sees a success that was not stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from app.auth.models import User
from app.auth.security import TokenClaims, decode_token
from app.auth.service import check_generation
from app.auth.service import user_for_token as user_for_token  # the DM socket's check too
from app.config import Settings
from app.db import Store
from app.errors import Unauthorized, Unprocessable


# Dependencies without I/O are still `async def`: FastAPI runs plain `def` ones in a
# worker thread, and that hop costs more than the dependency itself.
async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def store_of(request: Request) -> Store:
    """The hot paths' way to the database (:class:`app.db.Store`), for a route that
    takes no session of the request's (its service opens what it needs). A plain call,
    not a dependency: FastAPI's resolving of one costs more than this lookup."""
    store: Store = request.app.state.store
    return store


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


_READS = frozenset({"GET", "HEAD"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction (:meth:`app.db.Store.unit`): committed when the
    request ends, rolled back when it raises. Reads (GET, HEAD) run in autocommit: no
    BEGIN/COMMIT round trips for a request that writes nothing."""
    store: Store = request.app.state.store
    async with store.unit(read=request.method in _READS) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/auth/login.")


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The raw access token, for routes that check it in transactions of their own
    (after a password check, like login: app.auth.lifecycle)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    return credentials.credentials


BearerToken = Annotated[str, Depends(bearer_token)]


async def get_current_user(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    return await user_for_token(session, settings, credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_user_id(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The token's user id without loading the whole user: for hot paths whose own
    query checks membership. The token's generation is still checked (one indexed
    column read), so a token revoked by sign-out-everywhere is refused here too."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    claims = decode_token(credentials.credentials, secret=settings.jwt_secret)
    await check_generation(session, claims)
    return claims.user_id


CurrentUserId = Annotated[str, Depends(get_current_user_id)]


class _TokenClaims(HTTPBearer):
    """The bearer token's user id and generation, its signature and expiry checked but
    **not** its generation against the user's current one: for the hot routes (an
    action, an encounter read) whose own statement makes that check, in the same round
    trip and the same snapshot as the work (:func:`app.encounters.service.act`,
    :func:`app.encounters.service.read_json`), so a revoked token is refused there with
    no statement of its own and no cache that could be stale. A route that takes these
    claims must pass them to such a check.

    One dependency, documented as the same ``HTTPBearer`` scheme as the others: FastAPI
    spends more on resolving each dependency of a request than most of them cost, and
    these routes are the hot ones."""

    async def __call__(self, request: HTTPConnection) -> TokenClaims:  # type: ignore[override]
        return claims_of(request)


def claims_of(request: HTTPConnection) -> TokenClaims:
    """:data:`UncheckedClaims` as a plain call: the bearer token of ``Authorization``
    (scheme matched case-insensitively, as ``HTTPBearer`` does), its signature and
    expiry checked, else 401. For a route that binds its own parameters
    (:class:`app.encounters.router.BoundRoute`); the same rule as the dependency."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send an access token as 'Authorization: Bearer <token>'.")
    settings: Settings = request.app.state.settings
    return decode_token(token, secret=settings.jwt_secret)


get_token_claims = _TokenClaims(
    auto_error=False, scheme_name="HTTPBearer", description=_bearer.model.description
)


UncheckedClaims = Annotated[TokenClaims, Depends(get_token_claims)]


_NUL = "\x00"
_NUL_MSG = "may not contain NUL (U+0000) characters"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def reject_nul_characters(conn: HTTPConnection) -> None:
    """Installed on the whole app: a NUL character anywhere in the path, the query or
    a JSON body is a 422 naming where it is.

    No field of the API means anything with one, and PostgreSQL cannot store it in
    text or JSONB: unchecked it failed there as a 500 (and passed on SQLite)."""
    locs: list[list[str]] = [
        ["path", name]
        for name, value in conn.path_params.items()
        if isinstance(value, str) and _NUL in value
    ]
    query: bytes = conn.scope.get("query_string", b"")
    # A query carries a NUL percent-encoded (or raw): most skip the parse.
    if b"%00" in query or b"\x00" in query:
        locs += [
            ["query", name.replace(_NUL, "\\u0000")]
            for name, value in conn.query_params.multi_items()
            if _NUL in name or _NUL in value
        ]
    # JSON can only carry a NUL escaped, so most bodies are passed by this scan.
    # (FastAPI has read, and parsed, the body already; both are cached.)
    if (
        isinstance(conn, Request)
        and conn.method in _BODY_METHODS
        and b"\\u0000" in await conn.body()
    ):
        # Not JSON: the route's own validation answers.
        with contextlib.suppress(ValueError, RecursionError):
            locs += _nul_locations(await conn.json())
    if locs:
        raise Unprocessable(
            f"{'.'.join(locs[0])}: {_NUL_MSG}",
            errors=[{"loc": loc, "msg": _NUL_MSG, "type": "string_nul"} for loc in locs[:20]],
        )


def _nul_locations(document: Any) -> list[list[str]]:
    """Where, in a parsed JSON document, a key or a string holds a NUL (iteratively:
    nesting is as deep as the JSON parser allowed)."""
    found: list[list[str]] = []
    stack: list[tuple[list[str], Any]] = [(["body"], document)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if _NUL in value:
                found.append(loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                safe_key = key.replace(_NUL, "\\u0000")
                if _NUL in key:
                    found.append([*loc, safe_key])
                stack.append(([*loc, safe_key], item))
        elif isinstance(value, list):
            stack.extend(([*loc, str(i)], item) for i, item in enumerate(value))
    return sorted(found)
