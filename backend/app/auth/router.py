from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth import service
from app.auth.schemas import (
    ConsoleSettingsIn,
    ConsoleSettingsOut,
    LoginIn,
    RegisterIn,
    TokenOut,
    UserOut,
)
from app.deps import CurrentUser, SessionDep, SettingsDep, get_sessionmaker
from app.errors import Conflict, InvalidCredentials, InvalidToken, TooManyRequests, Unprocessable
from app.problems import responses as errs

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=errs(Conflict, Unprocessable),
    summary="Create an account",
)
async def register(body: RegisterIn, session: SessionDep) -> UserOut:
    """Emails are unique regardless of case; the password is stored as an argon2 hash."""
    user = await service.register(session, body)
    return UserOut.model_validate(user)


@router.post(
    "/login",
    response_model=TokenOut,
    responses=errs(InvalidCredentials, TooManyRequests, Unprocessable),
    summary="Exchange email and password for a bearer token",
)
async def login(body: LoginIn, request: Request, settings: SettingsDep) -> TokenOut:
    """Failed logins are limited per email and per client address (429 with
    ``Retry-After``)."""
    issued = await service.login(
        get_sessionmaker(request),
        email=body.email,
        password=body.password,
        client=request.client.host if request.client else None,
        settings=settings,
    )
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get(
    "/me", response_model=UserOut, responses=errs(InvalidToken), summary="The signed-in user"
)
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get(
    "/me/settings",
    response_model=ConsoleSettingsOut,
    responses=errs(InvalidToken),
    summary="The signed-in user's console settings",
)
async def get_console_settings(user: CurrentUser, session: SessionDep) -> ConsoleSettingsOut:
    """Keybindings (every action, with the defaults filled in), how monsters from a
    stat block get their hit points, the initiative roll mode and whether same-kind
    monsters are grouped. A user who never saved any has the defaults."""
    return ConsoleSettingsOut.of(await service.console_settings(session, user.id))


@router.put(
    "/me/settings",
    response_model=ConsoleSettingsOut,
    responses=errs(InvalidToken, Unprocessable),
    summary="Replace the signed-in user's console settings",
)
async def put_console_settings(
    body: ConsoleSettingsIn, user: CurrentUser, session: SessionDep
) -> ConsoleSettingsOut:
    """The whole document: a field left out takes its default. ``keybindings``
    may name any of the known actions (others are a 422); an action left out keeps
    its default key and ``null`` unbinds it; a key bound to two actions is a 422.
    ``monster_hp`` applies when monsters are added from a stat block without an
    ``hp`` choice of their own."""
    return ConsoleSettingsOut.of(await service.save_console_settings(session, user.id, body))
