from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from app.auth import lifecycle, service
from app.auth.lifecycle import WrongPassword
from app.auth.schemas import (
    ConsoleSettingsIn,
    ConsoleSettingsOut,
    LoginIn,
    PasswordChangeIn,
    PasswordConfirmIn,
    RegisterIn,
    RegistrationOut,
    TokenOut,
    UserOut,
)
from app.deps import BearerToken, CurrentUser, SessionDep, SettingsDep, get_sessionmaker
from app.errors import (
    InvalidCredentials,
    InvalidToken,
    TooManyRequests,
    Unprocessable,
)
from app.problems import responses as errs

router = APIRouter(prefix="/api/auth", tags=["auth"])


REGISTERED = "If no account used this email, it has one now: sign in with it."


@router.post(
    "/register",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RegistrationOut,
    responses=errs(TooManyRequests, Unprocessable),
    summary="Create an account",
)
async def register(body: RegisterIn, request: Request, settings: SettingsDep) -> RegistrationOut:
    """202 whether or not the email already had an account (which is left as it was):
    the answer never tells who has one. Emails are unique regardless of case; the
    password is stored as an argon2 hash. Limited per client address
    (``REGISTER_ATTEMPTS`` per ``REGISTER_WINDOW_SECONDS``; 429 with ``Retry-After``)."""
    email = await service.register(
        get_sessionmaker(request),
        body,
        client=request.client.host if request.client else None,
        settings=settings,
    )
    return RegistrationOut(email=email, detail=REGISTERED)


@router.post(
    "/login",
    response_model=TokenOut,
    responses=errs(InvalidCredentials, TooManyRequests, Unprocessable),
    summary="Exchange email and password for a bearer token",
)
async def login(body: LoginIn, request: Request, settings: SettingsDep) -> TokenOut:
    """Attempts are limited per account-and-address pair, per address and per
    account (429 with ``Retry-After``); README, Operations, has the policy."""
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


@router.post(
    "/me/password",
    response_model=TokenOut,
    responses=errs(InvalidToken, WrongPassword, TooManyRequests, Unprocessable),
    summary="Change your password",
)
async def change_password(
    body: PasswordChangeIn, token: BearerToken, request: Request, settings: SettingsDep
) -> TokenOut:
    """Needs the current password (403 ``wrong-password`` when it is not; checked
    and throttled like a login). Every token issued so far stops working and
    every DM socket of yours closes (4403); the answer is a new token for this
    session."""
    issued = await lifecycle.change_password(
        get_sessionmaker(request),
        token=token,
        current_password=body.current_password,
        new_password=body.new_password,
        client=request.client.host if request.client else None,
        settings=settings,
    )
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.post(
    "/me/sign-out-everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(InvalidToken),
    summary="Sign out every session",
)
async def sign_out_everywhere(user: CurrentUser, session: SessionDep) -> Response:
    """Every token issued to you so far, this one included, stops working at once
    (401 on the next request), and your DM sockets close (4403)."""
    await lifecycle.sign_out_everywhere(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errs(InvalidToken, WrongPassword, TooManyRequests, Unprocessable),
    summary="Delete your account",
)
async def delete_account(
    body: PasswordConfirmIn, token: BearerToken, request: Request, settings: SettingsDep
) -> Response:
    """Needs the password (``{"password": ...}``; 403 ``wrong-password``). Deletes
    the account, the campaigns where you are the only DM (with their characters
    and encounters), and your homebrew; a campaign you own with co-DMs passes to
    the one who joined first. Your sockets close. Export first if you want a copy."""
    await lifecycle.delete_account(
        get_sessionmaker(request),
        token=token,
        password=body.password,
        client=request.client.host if request.client else None,
        settings=settings,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me/export",
    responses={200: {"description": "One JSON document (a download)."}, **errs(InvalidToken)},
    summary="Export everything your account owns",
)
async def export_account(user: CurrentUser, session: SessionDep) -> JSONResponse:
    """The account, the campaigns you own (characters; encounters as their exports
    with their whole logs), your homebrew stat blocks, and the names of the
    campaigns you co-DM. No password hash."""
    document = await lifecycle.export(session, user)
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": 'attachment; filename="initiative-tracker-account.json"',
            "Cache-Control": "no-store",
        },
    )
