"""The login throttle (README, Operations): per account-and-address pair, a much
higher per-address ceiling, an account-wide limit that spares clean pairs, and
a count-and-check that is one atomic step, so no more than the limit is ever
verified, however many attempts race (in one process or across workers)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.conftest import (
    PG_URL,
    assert_problem,
    create_pg_database,
    drop_pg_database,
    make_settings,
    migrate,
    unique_email,
)
from tests.servers import gunicorn

PAIR, ADDRESS, ACCOUNT = 5, 20, 8
RIGHT, WRONG = "the right password", "a wrong password"


@pytest.fixture(scope="module")
async def app(database_url: str) -> AsyncIterator[Any]:
    application = create_app(
        make_settings(
            database_url,
            login_attempts=PAIR,
            login_address_attempts=ADDRESS,
            login_account_attempts=ACCOUNT,
        )
    )
    async with application.router.lifespan_context(application):
        yield application


def address() -> str:
    """A fresh client address for each caller: tests share the app."""
    n = uuid.uuid4().int
    return f"100.{64 + n % 64}.{(n >> 8) % 256}.{(n >> 16) % 254 + 1}"


async def login(app: Any, client: str, email: str, password: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client, 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        return await c.post("/api/auth/login", json={"email": email, "password": password})


async def account(app: Any) -> str:
    email = unique_email()
    transport = httpx.ASGITransport(app=app, client=(address(), 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.post("/api/auth/register", json={"email": email, "password": RIGHT})
        assert r.status_code < 300, r.text
    return email


async def test_racing_attempts_verify_at_most_the_limit(app: Any) -> None:
    email, client = await account(app), address()
    answers = await asyncio.gather(*(login(app, client, email, WRONG) for _ in range(25)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses[401] <= PAIR, statuses
    assert statuses[401] + statuses[429] == 25, statuses


async def test_a_busy_address_does_not_lock_out_its_other_users(app: Any) -> None:
    """Ten bad logins with random emails from one address (one proxy for a whole
    table), then another user's correct password from there: signed in."""
    email, proxy = await account(app), address()
    for _ in range(2 * PAIR):
        assert (await login(app, proxy, unique_email(), WRONG)).status_code == 401
    assert (await login(app, proxy, email, RIGHT)).status_code == 200


async def test_a_pair_is_limited_but_a_clean_pair_signs_in(app: Any) -> None:
    email, attacker, owner = await account(app), address(), address()
    for _ in range(PAIR):
        assert (await login(app, attacker, email, WRONG)).status_code == 401
    r = await login(app, attacker, email, RIGHT)
    problem = assert_problem(r, 429)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert problem["retry_after"] == int(r.headers["retry-after"])
    # The account's owner, elsewhere, is not locked out by the attacker.
    assert (await login(app, owner, email, RIGHT)).status_code == 200


async def test_an_address_has_a_much_higher_ceiling(app: Any) -> None:
    stuffer = address()
    for _ in range(ADDRESS):
        assert (await login(app, stuffer, unique_email(), WRONG)).status_code == 401
    email = await account(app)
    r = await login(app, stuffer, email, RIGHT)
    assert_problem(r, 429)
    assert int(r.headers["retry-after"]) > 0
    assert (await login(app, address(), email, RIGHT)).status_code == 200


async def test_an_account_under_attack_still_verifies_clean_pairs(app: Any) -> None:
    """Spread over many addresses, each gets one guess once the account has seen
    too many; a clean pair with the right password is never refused."""
    email = await account(app)
    bots = [address() for _ in range(ACCOUNT)]
    for bot in bots:
        assert (await login(app, bot, email, WRONG)).status_code == 401
    assert_problem(await login(app, bots[0], email, WRONG), 429)
    late_bot = address()
    assert (await login(app, late_bot, email, WRONG)).status_code == 401
    assert_problem(await login(app, late_bot, email, WRONG), 429)
    assert (await login(app, address(), email, RIGHT)).status_code == 200


async def test_signing_in_clears_the_pair(app: Any) -> None:
    email, client = await account(app), address()
    # (The account's own limit stays out of the way: ACCOUNT >= 3 + PAIR.)
    for _ in range(3):
        assert (await login(app, client, email, WRONG)).status_code == 401
    assert (await login(app, client, email, RIGHT)).status_code == 200
    for _ in range(PAIR):
        assert (await login(app, client, email, WRONG)).status_code == 401
    assert_problem(await login(app, client, email, WRONG), 429)


@pytest.mark.slow
async def test_racing_attempts_across_workers_verify_at_most_the_limit() -> None:
    """40 wrong passwords at once for one email against 3 Gunicorn workers on
    PostgreSQL: at most the limit (10) are checked, the rest are refused."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI always sets it)")
    url = await create_pg_database()
    try:
        await migrate(url)
        with gunicorn(url, workers=3, env={"LOGIN_ATTEMPTS": "10"}) as base:
            async with httpx.AsyncClient(base_url=base, timeout=60) as c:
                email = unique_email()
                r = await c.post("/api/auth/register", json={"email": email, "password": RIGHT})
                assert r.status_code < 300, r.text
                body = {"email": email, "password": WRONG}
                answers = await asyncio.gather(
                    *(c.post("/api/auth/login", json=body) for _ in range(40))
                )
            statuses = Counter(r.status_code for r in answers)
            assert statuses[401] <= 10, statuses
            assert statuses[401] + statuses[429] == 40, statuses
            # The owner, from another address, still signs in.
            other = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
            async with httpx.AsyncClient(base_url=base, transport=other, timeout=30) as c:
                r = await c.post("/api/auth/login", json={"email": email, "password": RIGHT})
                assert r.status_code == 200, r.text
    finally:
        await drop_pg_database(url)
