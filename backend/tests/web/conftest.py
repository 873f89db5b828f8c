"""A real server and a real headless Chromium for the front end's end-to-end tests.

Chromium is Debian's (``apt-get install chromium``), driven by the ``playwright``
package. Without it the browser tests skip locally, and fail under CI (``CI`` set):
a CI run that silently skipped the front end would prove nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.conftest import migrate
from tests.servers import gunicorn

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Saved by every run (gitignored) so a person can look at what the browser saw.
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).parent / "screenshots"))
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
# axe-core from npm, vendored by scripts/vendor.sh; injected into pages by the tests only.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


async def axe_violations(
    page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[str]:
    """axe-core's violations on the page as it is now, of the given impacts, one line each."""
    # Evaluated over the DevTools protocol, so the page's strict CSP stays as it is.
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text() + "\n;true")
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in result
        if v["impact"] in impacts
    ]


def _chromium_found() -> bool:
    return CHROMIUM.is_file()


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """``gunicorn main:app`` with one worker on a fresh SQLite database: its base URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"
    await migrate(url)
    log = tmp_path_factory.mktemp("web-log") / "server.log"
    with contextlib.ExitStack() as stack:
        base = await asyncio.to_thread(stack.enter_context, gunicorn(url, workers=1, log_path=log))
        yield base
        await asyncio.to_thread(stack.close)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not _chromium_found():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def sign_up_dm(api: Any, campaign: str = "C") -> tuple[str, dict[str, Any]]:
    """Register and sign in a new DM through ``api`` (an ``httpx.AsyncClient``, which
    then carries the token) and make a campaign: the token and the campaign."""
    body = {"email": f"dm-{uuid.uuid4().hex[:10]}@example.com", "password": "password123"}
    await api.post("/api/auth/register", json=body)
    token = str((await api.post("/api/auth/login", json=body)).json()["access_token"])
    api.headers["Authorization"] = f"Bearer {token}"
    made = await api.post("/api/campaigns", json={"name": campaign})
    assert made.status_code == 201, made.text
    return token, made.json()


async def open_signed_in(
    browser: Any, server: str, token: str, path: str = "/", **context_options: Any
) -> Any:
    """A new page of a new browser context on the console at ``path``, signed in with
    ``token`` (stored as the console stores it, then the page reloaded)."""
    context = await browser.new_context(base_url=server, **context_options)
    page = await context.new_page()
    await page.goto("/")
    await page.evaluate("t => localStorage.setItem('initiative.token', t)", token)
    if path != "/":
        await page.goto(path)
    await page.reload()
    return page
