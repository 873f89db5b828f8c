from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth import service
from app.auth.schemas import LoginIn, RegisterIn, RegistrationOut, TokenOut, UserOut
from app.deps import CurrentUser, SettingsDep, get_sessionmaker
from app.errors import InvalidCredentials, InvalidToken, TooManyRequests, Unprocessable
from app.errors import responses as errs

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
