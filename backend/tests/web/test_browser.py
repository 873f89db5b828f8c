"""The player view end to end, in a real headless Chromium against ``gunicorn main:app``.

(The DM console's whole game is in test_console.py.) Every wait is for a DOM condition
(``expect``), never a fixed sleep.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.conftest import sign_up_dm

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


def _expect() -> Any:
    from playwright.async_api import expect

    return expect


class Watch:
    """Console errors, page errors and every WebSocket frame a page received."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.frames: list[str] = []
        self.sockets: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        page.on("websocket", self._socket)

    def _socket(self, ws: Any) -> None:
        self.sockets.append(ws.url)
        ws.on("framereceived", lambda payload: self.frames.append(str(payload)))

    def unexpected_errors(self) -> list[str]:
        # A deliberate 412 shows as a failed request in the console; nothing else may.
        return [e for e in self.errors if "412" not in e]


async def test_player_view_reconnects_from_its_last_version(server: str, browser: Any) -> None:
    """A dropped socket comes back with ?since=<its link's seq> and misses nothing."""
    expect = _expect()
    async with httpx.AsyncClient(base_url=server) as api:
        _, campaign = await sign_up_dm(api, "C")
        encounter = (
            await api.post(f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Crypt"})
        ).json()
        added = await api.post(
            f"/api/encounters/{encounter['id']}/combatants",
            json={"name": "Ghoul", "max_hp": 22, "initiative": 12, "count": 2},
        )
        assert added.status_code == 201, added.text
        share = (await api.post(f"/api/encounters/{encounter['id']}/share")).json()

        context = await browser.new_context(viewport=PHONE, base_url=server)
        page = await context.new_page()
        urls: list[str] = []
        drop_first = True

        async def relay(ws: Any) -> None:
            nonlocal drop_first
            urls.append(ws.url)
            ws.connect_to_server()
            if drop_first:
                drop_first = False
                await ws.close(code=1011, reason="test drop")

        await page.route_web_socket(re.compile(r".*/ws(\?.*)?$"), relay)
        await page.goto(share["url"])
        await expect(page.locator(".play-row")).to_have_count(2)
        await expect(page.locator("#play-live")).to_have_text("live")
        assert len(urls) >= 2
        assert "since=0" in urls[-1]  # the link's own sequence starts at 0

        act = await api.post(
            f"/api/encounters/{encounter['id']}/actions", json={"type": "start_combat"}
        )
        assert act.status_code == 200, act.text
        await expect(page.locator("#play-turn")).to_have_text(re.compile(r"^Ghoul [12]'s turn$"))
        await context.close()


async def test_a_dead_link_says_so(server: str, browser: Any) -> None:
    expect = _expect()
    context = await browser.new_context(viewport=PHONE, base_url=server)
    page = await context.new_page()
    await page.goto("/play/not-a-real-token")
    await expect(page.locator("#play-message")).to_have_text(re.compile("no longer works"))
    await context.close()
