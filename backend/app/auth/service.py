"""Accounts: registration, login with throttling, token checks."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository, throttle
from app.auth.models import User
from app.auth.schemas import ConsoleSettingsIn, RegisterIn
from app.auth.security import (
    IssuedToken,
    TokenClaims,
    decode_token,
    hash_password,
    issue_token,
    verify_password,
)
from app.config import Settings
from app.errors import InvalidCredentials, InvalidToken


def require_generation(current: int | None, claims: TokenClaims) -> None:
    """Refuse a token whose user is gone (``current`` None) or whose generation is
    not the user's current one (signed out everywhere, password changed)."""
    if current is None:
        raise InvalidToken("The access token's user no longer exists.")
    if current != claims.generation:
        raise InvalidToken("The access token was revoked; sign in again.")


async def check_generation(session: AsyncSession, claims: TokenClaims) -> None:
    """:func:`require_generation` against the user's row: one indexed read."""
    require_generation(await repository.token_generation(session, claims.user_id), claims)


async def user_for_token(session: AsyncSession, settings: Settings, token: str) -> User:
    """The user an access token stands for; :class:`InvalidToken` for anything else.
    Requests (:func:`app.deps.get_current_user`), the DM's WebSocket and the account's
    own session-ending operations authenticate here."""
    claims = decode_token(token, secret=settings.jwt_secret)
    user = await repository.get_user(session, claims.user_id)
    if user is None:
        raise InvalidToken("The access token's user no longer exists.")
    require_generation(user.token_generation, claims)
    return user


async def register(
    sessions: async_sessionmaker[AsyncSession],
    data: RegisterIn,
    *,
    client: str | None,
    settings: Settings,
) -> str:
    """Create the account unless its email is taken; the answer is the same either
    way, so registering tells nobody who has an account. The password is hashed in
    both cases (the same argon2 cost), after the per-address limit admits the attempt.

    Its own transactions (like login): the attempt stays counted whatever happens.
    """
    await throttle.admit_registration(sessions, client, settings)
    email = str(data.email).lower()
    password_hash = await asyncio.to_thread(hash_password, data.password)
    async with sessions() as session, session.begin():
        if await repository.get_user_by_email(session, email) is not None:
            return email
        user = User(
            email=email,
            display_name=data.display_name or email.split("@", 1)[0],
            password_hash=password_hash,
        )
        try:
            async with session.begin_nested():
                await repository.add_user(session, user)
        except IntegrityError:  # a concurrent registration won the race: same answer
            pass
    return email


async def login(
    sessions: async_sessionmaker[AsyncSession],
    *,
    email: str,
    password: str,
    client: str | None,
    settings: Settings,
) -> IssuedToken:
    """Check the password; the same argon2 cost whether or not the email exists.

    Login runs its own short transactions rather than the request's: the attempt
    is counted (and the throttle's rows unlocked) before argon2 works, in a
    thread, off the event loop; a failure stays counted though the request then
    answers 401. See :mod:`app.auth.throttle` for the limits.
    """
    keys = throttle.login_keys(email, client)
    await throttle.admit_login(sessions, keys, settings)
    async with sessions() as session:
        user = await repository.get_user_by_email(session, email)
    stored_hash = user.password_hash if user else None
    valid = await asyncio.to_thread(verify_password, password, stored_hash)
    if not valid or user is None:
        raise InvalidCredentials("The email or password is wrong.")
    await throttle.login_succeeded(sessions, keys)
    return issue_token(
        user.id,
        secret=settings.jwt_secret,
        expires_minutes=settings.jwt_expires_minutes,
        generation=user.token_generation,
    )


async def console_settings(session: AsyncSession, user_id: str) -> ConsoleSettingsIn:
    """The user's console settings as they chose them (defaults if never saved)."""
    stored = await repository.get_settings(session, user_id)
    return ConsoleSettingsIn() if stored is None else ConsoleSettingsIn.model_validate(stored)


async def save_console_settings(
    session: AsyncSession, user_id: str, chosen: ConsoleSettingsIn
) -> ConsoleSettingsIn:
    await repository.put_settings(session, user_id, chosen.model_dump(mode="json"))
    return chosen
