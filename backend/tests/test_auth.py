from __future__ import annotations

import datetime as dt
import time

import httpx
import jwt
import pytest

from tests.conftest import TEST_SECRET, assert_problem, register, unique_email


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    email = unique_email()
    r = await client.post(
        "/api/auth/register",
        json={"email": email.upper(), "password": "a long password", "display_name": "Mira"},
    )
    assert r.status_code == 202
    assert r.json()["email"] == email  # stored lower-case
    assert "password" not in r.text and "hash" not in r.text

    r = await client.post("/api/auth/login", json={"email": email, "password": "a long password"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert {"sub", "exp", "iat"} <= set(claims)

    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["display_name"] == "Mira"


async def test_email_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await register(client, email)
    r = await client.post("/api/auth/register", json={"email": email.upper(), "password": "x" * 12})
    assert r.status_code == 202  # the same answer as for a new email (test_registration.py)
    login = {"email": email, "password": "x" * 12}
    assert_problem(await client.post("/api/auth/login", json=login), 401)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "long enough"},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": "long enough", "admin": True},
    ],
)
async def test_register_rejects_bad_input(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    problem = assert_problem(await client.post("/api/auth/register", json=body), 422)
    assert problem["errors"] and problem["errors"][0]["loc"][0] == "body"


async def test_malformed_json_is_a_problem(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/auth/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(r, 422)


async def test_wrong_password_and_unknown_email_look_alike(client: httpx.AsyncClient) -> None:
    email = unique_email()
    await register(client, email)
    wrong = await client.post("/api/auth/login", json={"email": email, "password": "nope nope"})
    unknown = await client.post(
        "/api/auth/login", json={"email": unique_email(), "password": "nope nope"}
    )
    a, b = assert_problem(wrong, 401), assert_problem(unknown, 401)
    assert a["detail"] == b["detail"] and a["type"] == b["type"]


def _token(claims: dict[str, object], key: str = TEST_SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


async def test_bad_tokens_are_401(client: httpx.AsyncClient) -> None:
    headers = await register(client)
    me = await client.get("/api/auth/me", headers=headers)
    sub = me.json()["id"]
    now = int(time.time())
    good = {"sub": sub, "iat": now, "exp": now + 600}
    header_only = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(
        f'{{"sub":"{sub}","iat":{now},"exp":{now + 600}}}'.encode()
    ).decode()
    candidates = [
        f"{header_only}.{body}.",  # alg none
        _token(good, key="another-secret-entirely-0123456789abcdef-0123456789"),  # bad signature
        _token({**good, "exp": now - 10}),  # expired
        _token({"sub": sub, "exp": now + 600}),  # no iat
        _token({**good, "sub": "00000000-0000-0000-0000-000000000000"}),  # no such user
        _token(good, key=TEST_SECRET * 2, alg="HS512"),  # another algorithm
        "garbage",
    ]
    for token in candidates:
        r = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer"
    assert_problem(await client.get("/api/auth/me"), 401)
    ok = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {_token(good)}"})
    assert ok.status_code == 200


def test_token_expiry_is_in_the_future() -> None:
    from app.auth.security import decode_token, issue_token

    issued = issue_token("user-1", secret=TEST_SECRET, expires_minutes=5)
    assert decode_token(issued.access_token, secret=TEST_SECRET).user_id == "user-1"
    claims = jwt.decode(issued.access_token, TEST_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 300
    assert claims["exp"] > dt.datetime.now(dt.UTC).timestamp()
