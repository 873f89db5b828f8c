"""Password hashing (argon2 via pwdlib) and access tokens (JWT, HS256 only)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.errors import InvalidToken

ALGORITHM = "HS256"

_hasher = PasswordHash((Argon2Hasher(),))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both paths cost one argon2
    verify. Made on first use: hashing at import would slow every worker's start."""
    return _hasher.hash("not-a-real-password-used-for-timing-only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _dummy_hash())
        return False
    return _hasher.verify(password, password_hash)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int


def issue_token(
    user_id: str, *, secret: str, expires_minutes: int, generation: int = 0
) -> IssuedToken:
    """A token for ``user_id`` in the user's current token ``generation`` (``gen``):
    it is refused once the user's generation moves on (sign out everywhere)."""
    now = dt.datetime.now(dt.UTC)
    expires = now + dt.timedelta(minutes=expires_minutes)
    payload = {"sub": user_id, "iat": now, "exp": expires, "typ": "access", "gen": generation}
    token = jwt.encode(payload, secret, algorithm=ALGORITHM)
    return IssuedToken(access_token=token, expires_in=expires_minutes * 60)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    generation: int


def decode_token(token: str, *, secret: str) -> TokenClaims:
    """The user id and token generation in a valid token; InvalidToken for anything
    else (another algorithm, ``none`` included, a bad signature, expiry, missing
    claims). Whether the generation is still the user's is the caller's check
    (:func:`app.auth.service.user_for_token`). A token without ``gen`` is generation 0."""
    subject, expires, generation = _verified(token, secret)
    # The signature check is cached; expiry is not: it is checked on every use.
    if expires <= time.time():
        raise InvalidToken("The access token is invalid or has expired.")
    return TokenClaims(subject, generation)


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[str, float, int]:
    """(subject, expiry, generation) of a token whose signature and claims check out. A DM's
    console sends the same token with every tap: verify it once, not each time.
    Failures raise, and exceptions are never cached."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken("The access token is invalid or has expired.") from exc
    sub, generation = payload.get("sub"), payload.get("gen", 0)
    if not isinstance(sub, str) or not sub:
        raise InvalidToken("The access token is invalid or has expired.")
    if type(generation) is not int:
        raise InvalidToken("The access token is invalid or has expired.")
    return sub, float(payload["exp"]), generation
