"""Accounts: registration, login with throttling, token checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import math

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository
from app.auth.models import User
from app.auth.schemas import ConsoleSettingsIn, RegisterIn
from app.auth.security import IssuedToken, hash_password, issue_token, verify_password
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, InvalidCredentials, TooManyRequests


class EmailTaken(Conflict):
    type = "email-taken"
    title = "An account with this email exists"


async def register(session: AsyncSession, data: RegisterIn) -> User:
    email = str(data.email).lower()
    if await repository.get_user_by_email(session, email) is not None:
        raise EmailTaken(f"An account for {email} already exists.")
    user = User(
        email=email,
        display_name=data.display_name or email.split("@", 1)[0],
        password_hash=await asyncio.to_thread(hash_password, data.password),
    )
    try:
        async with session.begin_nested():
            await repository.add_user(session, user)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken(f"An account for {email} already exists.") from exc
    return user


def _throttle_keys(email: str, client: str | None) -> list[str]:
    keys = [f"email:{email.lower()}"]
    if client:
        keys.append(f"addr:{client}")
    return keys


async def login(
    sessions: async_sessionmaker[AsyncSession],
    *,
    email: str,
    password: str,
    client: str | None,
    settings: Settings,
) -> IssuedToken:
    """Check the password; the same argon2 cost whether or not the email exists.

    Login runs its own short transactions rather than the request's: no lock is
    held while argon2 works (in a thread, off the event loop), and a failure is
    recorded even though the request then answers 401.
    """
    keys = _throttle_keys(email, client)
    window = dt.timedelta(seconds=settings.login_window_seconds)
    now = utcnow()
    async with sessions() as session, session.begin():
        failures = await repository.failures_since(session, keys, now - window)
        user = await repository.get_user_by_email(session, email)
    for _key, count, oldest in failures:
        if count >= settings.login_attempts:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=dt.UTC)
            retry = max(1, math.ceil((oldest + window - now).total_seconds()))
            raise TooManyRequests(
                "Too many failed logins; try again later.",
                headers={"Retry-After": str(retry)},
                extra={"retry_after": retry},
            )
    stored_hash = user.password_hash if user else None
    valid = await asyncio.to_thread(verify_password, password, stored_hash)
    if not valid or user is None:
        async with sessions() as session, session.begin():
            await repository.record_failure(session, keys, now - window)
        raise InvalidCredentials("The email or password is wrong.")
    return issue_token(
        user.id, secret=settings.jwt_secret, expires_minutes=settings.jwt_expires_minutes
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
