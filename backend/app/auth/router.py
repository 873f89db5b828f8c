from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth import service
from app.auth.schemas import LoginIn, RegisterIn, TokenOut, UserOut
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
