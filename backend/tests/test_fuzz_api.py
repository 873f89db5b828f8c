"""Fuzz every operation of the API in-process with Schemathesis: no input, valid or
not, is answered with a 5xx, and every error is ``application/problem+json``.

The cases are generated from the app's own OpenAPI document and sent through the
session's ``app`` (on SQLite and, with TEST_DATABASE_URL, on PostgreSQL), on the
test's event loop: Hypothesis runs in a worker thread and hands each request back to
the loop. A header hook authenticates every case; a path hook swaps in ids that
exist (a fresh campaign, character, encounter with combatants, stat block, share
token) for about half of them, so the cases reach past the 404s; body and query
hooks make one string or integer of some cases hostile (a NUL, a number beyond 32 or
64 bits), the values PostgreSQL refuses and SQLite takes. Bounded (``MAX_EXAMPLES``
per operation, positive and negative) and derandomized: the same cases on every run.

Then the volume run: Schemathesis' state machine, with the links it infers between
operations (create, then act on what was created), at least 10,000 requests on
PostgreSQL: no 5xx, and every response conforms to the document (status code,
content type, body schema).

Then one test per bug the fuzzer found, each naming the request that was a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.conftest import assert_problem, make_settings, register

MAX_EXAMPLES = 12

SCHEMA = schemathesis.openapi.from_dict(create_app(make_settings("sqlite://")).openapi())
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}

# Operations that end the caller's sessions (or the account itself): fuzzed as a
# throwaway account of their own, never as the shared fuzzing DM, whose token they would
# revoke for every test after them.
SESSION_ENDING = {
    "POST /api/auth/me/sign-out-everywhere",
    "POST /api/auth/me/password",
    "DELETE /api/auth/me",
}
assert set(OPERATIONS) >= SESSION_ENDING, SESSION_ENDING - set(OPERATIONS)

# What the hooks add to the cases of the test that is running (tests run one by one).
_CURRENT: dict[str, dict[str, str]] = {"headers": {}, "ids": {}}


@SCHEMA.hook
def map_headers(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> Any:
    return {**(headers or {}), **_CURRENT["headers"]}


# Values PostgreSQL refuses and SQLite takes: the bugs of this kind were 500s on
# PostgreSQL only, and plain generation rarely draws them in a few examples.
HOSTILE_TEXT = "\x00"
HOSTILE_INTS = (2**31, -(2**31) - 1, 2**63)


def _leaves(value: Any, kind: type) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v, kind) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v, kind) for v in value)
    return int(isinstance(value, kind) and not isinstance(value, bool))


def _plant(value: Any, kind: type, index: int, hostile: Any) -> Any:
    """`value` with its index-th leaf of `kind` (str or int) made hostile."""
    seen = -1

    def walk(v: Any) -> Any:
        nonlocal seen
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, kind) and not isinstance(v, bool):
            seen += 1
            if seen == index:
                return v + hostile if kind is str else hostile
        return v

    return walk(value)


def hostile_variants(value: Any) -> st.SearchStrategy[Any]:
    """The value as generated, or with one of its strings or integers made hostile."""
    options: list[st.SearchStrategy[Any]] = [st.just(value)]
    if n := _leaves(value, str):
        options.append(st.integers(0, n - 1).map(lambda i: _plant(value, str, i, HOSTILE_TEXT)))
    if n := _leaves(value, int):
        options.append(
            st.tuples(st.integers(0, n - 1), st.sampled_from(HOSTILE_INTS)).map(
                lambda a: _plant(value, int, a[0], a[1])
            )
        )
    return st.one_of(options)


@SCHEMA.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> Any:
    """Generated ids, or the test's existing ones (so cases get past the 404s)."""
    if not path_parameters:
        return st.just(path_parameters)
    known = {k: v for k, v in _CURRENT["ids"].items() if k in path_parameters}
    return st.sampled_from([path_parameters, {**path_parameters, **known}]).flatmap(
        hostile_variants
    )


@SCHEMA.hook
def flatmap_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> Any:
    return hostile_variants(query)


@SCHEMA.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    return hostile_variants(body)


OWLBEAR = {"name": "Fuzzbear", "size": "large", "type": "monstrosity", "ac": 13, "hp": 59}


async def existing_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, str]:
    async def post(url: str, body: Any = None) -> Any:
        r = await client.post(url, json=body, headers=headers)
        assert r.status_code in (200, 201), r.text
        return r.json()

    me = (await client.get("/api/auth/me", headers=headers)).json()
    campaign = await post("/api/campaigns", {"name": "Fuzz"})
    cid = campaign["id"]
    character = await post(f"/api/campaigns/{cid}/characters", {"name": "Aria", "level": 3})
    encounter = await post(f"/api/campaigns/{cid}/encounters", {"name": "Ambush"})
    eid = encounter["id"]
    await post(f"/api/encounters/{eid}/combatants", {"character_id": character["id"]})
    await post(f"/api/encounters/{eid}/combatants", {"statblock_id": "srd-goblin", "count": 2})
    state = (await client.get(f"/api/encounters/{eid}", headers=headers)).json()
    statblock = await post("/api/statblocks", OWLBEAR)
    share = await post(f"/api/encounters/{eid}/share")
    return {
        "campaign_id": cid,
        "character_id": character["id"],
        "encounter_id": eid,
        "combatant_id": state["combatants"][-1]["id"],
        "statblock_id": statblock["id"],
        "user_id": me["id"],
        "token": share["token"],
    }


async def send(client: httpx.AsyncClient, case: schemathesis.Case) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["content"] = json.dumps(kwargs["json"]).encode()
    elif isinstance(kwargs.get("data"), str | bytes):
        body["content"] = kwargs["data"]
    elif "data" in kwargs:
        body["data"] = kwargs["data"]
    headers = dict(kwargs.get("headers") or {})
    if kwargs.get("cookies"):  # (httpx deprecates per-request cookies)
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in kwargs["cookies"].items())
    return await client.request(
        kwargs["method"], kwargs["url"], headers=headers, params=kwargs.get("params"), **body
    )


@pytest.fixture(scope="module")
async def fuzz_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("10.251.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="module")
async def fuzz_dm(fuzz_client: httpx.AsyncClient) -> dict[str, str]:
    return await register(fuzz_client)  # once per backend: Argon2 is most of the setup


@pytest.mark.parametrize("label", list(OPERATIONS))
async def test_no_input_is_a_server_error(
    fuzz_client: httpx.AsyncClient, fuzz_dm: dict[str, str], label: str
) -> None:
    client = fuzz_client
    caller = await register(client) if label in SESSION_ENDING else fuzz_dm
    _CURRENT["headers"] = caller
    _CURRENT["ids"] = await existing_ids(client, caller)
    operation = OPERATIONS[label]
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def fuzz(case: schemathesis.Case) -> None:
        response = asyncio.run_coroutine_threadsafe(send(client, case), loop).result(60)
        case.validate_response(response, checks=[not_a_server_error])
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", "")
            assert content_type.startswith("application/problem+json"), (
                f"{case.method} {response.request.url} -> {response.status_code} "
                f"{content_type}: {response.text[:300]}"
            )

    try:
        await asyncio.to_thread(fuzz)
    finally:
        _CURRENT["headers"], _CURRENT["ids"] = {}, {}


# --- The bugs it found: each was a 500 on PostgreSQL -------------------------------


async def test_events_after_a_seq_beyond_32_bits_is_a_422(
    client: httpx.AsyncClient, dm: dict[str, str], campaign: dict[str, Any]
) -> None:
    """GET /events?after=23934520769 overflowed the seq column's int32 parameter."""
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Log"}, headers=dm
    )
    url = f"/api/encounters/{r.json()['id']}/events"
    problem = assert_problem(await client.get(url, params={"after": 2**31}, headers=dm), 422)
    assert problem["errors"][0]["loc"] == ["query", "after"]
    r = await client.get(url, params={"after": 2**31 - 1}, headers=dm)
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []


@pytest.mark.parametrize(
    ("url", "body", "loc"),
    [
        ("/api/campaigns", {"name": "Strahd\u0000"}, ["body", "name"]),
        ("/api/statblocks", {**OWLBEAR, "speed": {"walk\u0000": "40 ft."}}, None),
        ("{enc}/combatants", {"name": "Goblin", "max_hp": 7, "notes": "\u0000"}, None),
        ("{enc}/combatants", {"character_id": "\u0000"}, ["body", "character_id"]),
        (
            "{enc}/actions",
            {"type": "set_concentration", "combatant_id": "x", "spell": "\u0000"},
            None,
        ),
        ("/api/auth/login", {"email": "a\u0000@example.com", "password": "x" * 12}, None),
    ],
)
async def test_a_nul_character_in_a_body_is_a_422_that_writes_nothing(
    client: httpx.AsyncClient,
    dm: dict[str, str],
    campaign: dict[str, Any],
    url: str,
    body: dict[str, Any],
    loc: list[str] | None,
) -> None:
    """PostgreSQL stores no U+0000 in text or JSONB: these were 500s there (and were
    stored on SQLite). Now a 422 naming the field, on every database."""
    r = await client.post(
        f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Nul"}, headers=dm
    )
    encounter = r.json()
    target = url.format(enc=f"/api/encounters/{encounter['id']}")
    problem = assert_problem(await client.post(target, json=body, headers=dm), 422)
    assert problem["errors"][0]["type"] == "string_nul"
    if loc:
        assert problem["errors"][0]["loc"] == loc
    after = (await client.get(f"/api/encounters/{encounter['id']}", headers=dm)).json()
    assert after["version"] == encounter["version"]
    assert after["combatants"] == []
    campaigns = (await client.get("/api/campaigns", headers=dm)).json()
    assert [c["id"] for c in campaigns["items"]] == [campaign["id"]]
    homebrew = (await client.get("/api/statblocks?source=homebrew", headers=dm)).json()
    assert homebrew["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/campaigns/a%00b",
        "/api/statblocks/srd-%00",
        "/api/statblocks?q=gob%00",
        "/api/statblocks?type=%00",
    ],
)
async def test_a_nul_character_in_the_path_or_query_is_a_422(
    client: httpx.AsyncClient, dm: dict[str, str], url: str
) -> None:
    problem = assert_problem(await client.get(url, headers=dm), 422)
    assert problem["errors"][0]["type"] == "string_nul"


async def test_an_escaped_backslash_before_u0000_is_no_nul(
    client: httpx.AsyncClient, dm: dict[str, str]
) -> None:
    """`\\\\u0000` in JSON is a backslash and the text "u0000": allowed."""
    r = await client.post(
        "/api/campaigns",
        content=b'{"name": "C:\\\\u0000"}',
        headers={**dm, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "C:\\u0000"


async def test_openapi_documents_every_error_as_problem_json(client: httpx.AsyncClient) -> None:
    """FastAPI's own 422 was documented as application/json, and the 400 for a body
    that is not UTF-8 not at all."""
    spec = (await client.get("/openapi.json")).json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert "400" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert "application/problem+json" in response["content"], (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


# --- Stateful, at volume: create, then act on what was created ---------------------

# The same document without the hostile-value hooks above (the per-operation test has
# them): generating a scenario's cases through them cost more than sending them.
# The session-ending operations are left out: one sign-out would turn the rest of the
# run into 401s (they are fuzzed above, each as its own account).
STATEFUL_SCHEMA = schemathesis.openapi.from_dict(SCHEMA.raw_schema).exclude(
    path_regex=r"^/api/auth/me(/sign-out-everywhere|/password)?$", method=["POST", "DELETE"]
)


@STATEFUL_SCHEMA.hook("map_headers")
def _stateful_headers(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> Any:
    return {**(headers or {}), **_CURRENT["headers"]}


# Requests per run: at least 10,000 on PostgreSQL (CI), a smoke run on SQLite.
STATEFUL_REQUESTS = {"postgresql": 10_000, "sqlite": 300}
STATEFUL_STEPS = 25


async def test_stateful_fuzzing_at_volume(
    fuzz_client: httpx.AsyncClient, fuzz_dm: dict[str, str], database_url: str
) -> None:
    """Schemathesis' state machine over every operation, with the links it infers
    between them (a campaign's ``id`` feeds ``campaign_id``, an encounter's its
    combatants, actions and share link, ...), authenticated: scenarios of up to
    :data:`STATEFUL_STEPS` calls, until :data:`STATEFUL_REQUESTS` requests were sent.
    No 5xx, and every response conforms to the OpenAPI document (status, content type,
    body schema)."""
    client = fuzz_client
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    target = STATEFUL_REQUESTS[backend]
    _CURRENT["headers"] = fuzz_dm
    _CURRENT["ids"] = await existing_ids(client, fuzz_dm)
    loop = asyncio.get_running_loop()
    sent = [0]
    failures: list[str] = []
    operations: set[str] = set()
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    class Machine(STATEFUL_SCHEMA.as_state_machine()):  # type: ignore[misc]
        def call(self, case: schemathesis.Case, **kwargs: Any) -> Response:
            response = asyncio.run_coroutine_threadsafe(send(client, case), loop).result(60)
            sent[0] += 1
            operations.add(f"{case.method.upper()} {case.path}")
            return Response.from_httpx(response, verify=False)

        def validate_response(
            self, response: Response, case: schemathesis.Case, **kwargs: Any
        ) -> None:
            # Collected, not raised: Hypothesis would replay the scenario against a
            # database that has moved on, and report only that the replay differed.
            try:
                case.validate_response(response, checks=checks)
            except Exception as exc:
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

    def run() -> None:
        while sent[0] < target:
            # The server's state is outside Hypothesis's control, so the rules a replayed
            # prefix may take can differ: Hypothesis then stops with Flaky, and we start
            # another run (what Schemathesis's own runner does). Failures are collected.
            with contextlib.suppress(Flaky):
                Machine.run(
                    settings=settings(
                        max_examples=max(10, (target - sent[0]) // STATEFUL_STEPS),
                        stateful_step_count=STATEFUL_STEPS,
                        database=None,
                        deadline=None,
                        suppress_health_check=list(HealthCheck),
                        phases=[Phase.generate],
                    )
                )

    try:
        await asyncio.to_thread(run)
    finally:
        _CURRENT["headers"], _CURRENT["ids"] = {}, {}
    assert not failures, "\n\n".join(failures[:5])
    assert sent[0] >= target
    assert len(operations) >= len(OPERATIONS) // 2, sorted(operations)
    assert not operations & SESSION_ENDING
    r = await client.get("/api/auth/me", headers=fuzz_dm)
    assert r.status_code == 200, "the run signed its own DM out: " + r.text
