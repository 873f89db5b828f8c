"""Attempt limits for login and registration (the policy is in README, Operations).

Login counts attempts against three keys, each in a window of
``LOGIN_WINDOW_SECONDS`` that opens with its first attempt:

- the account-and-address pair: ``LOGIN_ATTEMPTS`` (10) verified attempts;
- the address: ``LOGIN_ADDRESS_ATTEMPTS`` (100), so one proxy's many users
  share only a ceiling far above what one of them needs;
- the account, from every address: past ``LOGIN_ACCOUNT_ATTEMPTS`` (50) only a
  clean pair (no attempt yet in its window) is still verified, so an attack
  spread over many addresses gets one guess per address, and the owner, from
  where they always sign in, is never locked out by it.

An attempt is counted *before* its password is checked, in one transaction
that locks the keys' rows (an upsert): of any number of racing attempts, in
any worker, at most the limit reach the password check. A refused attempt is
not counted (its transaction is rolled back); a successful one is taken back
and clears its pair.

Registration counts every attempt per address: ``REGISTER_ATTEMPTS`` (10) per
``REGISTER_WINDOW_SECONDS`` (an hour).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository
from app.config import Settings
from app.errors import TooManyRequests

# Counters whose window closed this long ago are deleted, now and then.
_FORGET_AFTER_SECONDS = 24 * 3600
_FORGET_ONE_IN = 200


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _refused(started: int, window: int, now: int, what: str) -> TooManyRequests:
    retry = max(1, math.ceil(started + window - now))
    return TooManyRequests(
        f"Too many {what}; try again later.",
        headers={"Retry-After": str(retry)},
        extra={"retry_after": retry},
    )


@dataclass(frozen=True, slots=True)
class LoginKeys:
    pair: str
    address: str | None
    account: str

    def held(self) -> list[str]:
        return [k for k in (self.pair, self.address, self.account) if k is not None]


def login_keys(email: str, client: str | None) -> LoginKeys:
    email = email.strip().lower()
    return LoginKeys(
        pair=_key("login-pair", email, client or ""),
        address=_key("login-address", client) if client else None,
        account=_key("login-account", email),
    )


async def admit_login(
    sessions: async_sessionmaker[AsyncSession], keys: LoginKeys, settings: Settings
) -> None:
    """Count this attempt, or raise TooManyRequests (and count nothing)."""
    window, now = settings.login_window_seconds, int(time.time())
    async with sessions() as session, session.begin():
        # Always pair, address, account: one lock order, so racing attempts never deadlock.
        pair = await repository.count_attempt(session, keys.pair, now=now, window=window)
        if pair.attempts > settings.login_attempts:
            raise _refused(pair.window_started, window, now, "failed logins")
        if keys.address is not None:
            addr = await repository.count_attempt(session, keys.address, now=now, window=window)
            if addr.attempts > settings.login_address_attempts:
                raise _refused(addr.window_started, window, now, "failed logins from here")
        account = await repository.count_attempt(session, keys.account, now=now, window=window)
        if account.attempts > settings.login_account_attempts and pair.attempts > 1:
            raise _refused(account.window_started, window, now, "failed logins")
        if random.randrange(_FORGET_ONE_IN) == 0:
            await repository.forget_counts_before(session, now - _FORGET_AFTER_SECONDS)


async def login_succeeded(sessions: async_sessionmaker[AsyncSession], keys: LoginKeys) -> None:
    """A correct password: its attempt does not count, and its pair starts clean."""
    async with sessions() as session, session.begin():
        await repository.uncount_attempt(session, keys.pair, clear=True)
        if keys.address is not None:
            await repository.uncount_attempt(session, keys.address)
        await repository.uncount_attempt(session, keys.account)


async def admit_registration(
    sessions: async_sessionmaker[AsyncSession], client: str | None, settings: Settings
) -> None:
    """Count a registration from ``client``, or raise TooManyRequests (counting
    nothing). Its own short transaction: checked before any password is hashed."""
    window, now = settings.register_window_seconds, int(time.time())
    async with sessions() as session, session.begin():
        key = _key("register-address", client or "")
        count = await repository.count_attempt(session, key, now=now, window=window)
        if count.attempts > settings.register_attempts:
            raise _refused(count.window_started, window, now, "registrations from here")
