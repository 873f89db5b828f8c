"""Accounts: registration, login with throttling, token checks."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository, throttle
from app.auth.models import User
from app.auth.schemas import RegisterIn
from app.auth.security import IssuedToken, hash_password, issue_token, verify_password
from app.config import Settings
from app.errors import Conflict, InvalidCredentials


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
        user.id, secret=settings.jwt_secret, expires_minutes=settings.jwt_expires_minutes
    )
