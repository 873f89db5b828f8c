"""The front end end to end, in a real headless Chromium against ``gunicorn main:app``.

One DM runs a whole fight through the console; the table watches on the player view.
Every wait is for a DOM condition (``expect``), never a fixed sleep.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from tests.web.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 1000}


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


async def _no_horizontal_scroll(page: Any) -> None:
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"horizontal scroll: {widths}"


async def _names_in_order(page: Any) -> list[str]:
    names: list[str] = await page.locator("#order > li .name").all_inner_texts()
    return names


async def test_dm_runs_combat_and_the_table_watches_live(server: str, browser: Any) -> None:
    expect = _expect()
    dm_context = await browser.new_context(viewport=DESKTOP, base_url=server)
    dm = await dm_context.new_page()
    dm_watch = Watch(dm)

    # Sign in page, then register (the token lands in localStorage).
    await dm.goto("/")
    await expect(dm.get_by_role("heading", name="Sign in")).to_be_visible()
    await dm.screenshot(path=str(SCREENSHOTS / "initiative-sign-in.png"))
    register = dm.locator("#register-form")
    await register.get_by_label("Email").fill(f"dm-{uuid.uuid4().hex[:10]}@example.com")
    await register.get_by_label("Password").fill("correct horse battery")
    await register.get_by_role("button", name="Register").click()
    await expect(dm.locator("#user-box")).to_be_visible()
    assert await dm.evaluate("localStorage.getItem('initiative.token')")

    # A campaign and a character.
    await dm.get_by_label("New campaign").fill("Lost Mine of Phandelver")
    await dm.locator("#campaign-form").get_by_role("button", name="Create").click()
    await expect(dm.locator("#campaign-list [aria-current=true]")).to_have_text(
        "Lost Mine of Phandelver"
    )
    await dm.get_by_text("Add a character").click()
    character = dm.locator("#character-form")
    await character.get_by_label("Name").fill("Aria")
    await character.get_by_label("Max HP").fill("24")
    await character.get_by_label("Init. bonus").fill("3")
    await character.get_by_role("button", name="Add character").click()
    await expect(dm.locator("#character-list")).to_contain_text("Aria")

    # Editing a character's HP between fights.
    await dm.get_by_label("Current HP of Aria").fill("20")
    await dm.get_by_role("button", name="Save HP of Aria").click()
    await expect(dm.locator(".toast").filter(has_text="20/24 HP saved")).to_be_visible()

    # An encounter: the party, two goblins from the SRD, a hidden ad hoc assassin.
    await dm.get_by_label("New encounter").fill("Goblin ambush")
    await dm.locator("#encounter-form").get_by_role("button", name="Create").click()
    await expect(dm.locator("#encounter-name")).to_have_text("Goblin ambush")
    await dm.get_by_role("button", name="Add selected characters").click()
    await expect(dm.locator("#order > li")).to_have_count(1)

    await dm.locator("body").press("/")
    await expect(dm.locator("#monster-q")).to_be_focused()
    await dm.keyboard.type("gob")
    await dm.get_by_label("How many Goblin", exact=True).fill("2")
    await dm.get_by_role("button", name="Add Goblin", exact=True).click()
    await expect(dm.locator("#order > li")).to_have_count(3)

    await dm.get_by_text("Ad hoc combatant").click()
    adhoc = dm.locator("#adhoc-form")
    await adhoc.get_by_label("Name").fill("Assassin")
    await adhoc.get_by_label("Max HP").fill("40")
    await adhoc.get_by_label("Hidden from players").check()
    await adhoc.get_by_role("button", name="Add").click()
    await expect(dm.locator("#order > li")).to_have_count(4)
    await expect(dm.locator("#order > li.is-hidden .name")).to_have_text("Assassin")

    # The player view link, opened on a phone.
    await dm.get_by_role("button", name="Share player view").click()
    await expect(dm.locator("#share-link")).to_have_value(re.compile(r"/play/[\w-]{20,}$"))
    link = await dm.locator("#share-link").input_value()
    table_context = await browser.new_context(viewport=PHONE)
    table = await table_context.new_page()
    table_watch = Watch(table)
    await table.goto(link)
    await expect(table.locator("#play-live")).to_have_text("live")
    await expect(table.locator(".play-row")).to_have_count(3)
    await expect(table.locator("#play-turn")).to_have_text(re.compile("Waiting for the DM"))

    # A second DM tab on the same encounter follows along over its own socket.
    second = await dm_context.new_page()
    second_watch = Watch(second)
    await second.goto(dm.url)
    await expect(second.locator("#live-indicator")).to_have_text("live")
    await expect(second.locator("#order > li")).to_have_count(4)
    # Background tabs get no animation frames, and clicks wait for stable elements.
    await dm.bring_to_front()

    # Initiative: roll for everyone, put the assassin last, start.
    await dm.get_by_role("button", name="Roll initiative").click()
    await expect(dm.locator("#order > li .init").first).not_to_have_value("")
    await dm.get_by_label("Initiative of Assassin").fill("-10")
    await dm.get_by_label("Initiative of Assassin").press("Enter")
    await dm.locator("#order-title").click()  # leave the field: the change is sent
    await expect(dm.locator("#order > li").last.locator(".name")).to_have_text("Assassin")
    await dm.get_by_role("button", name="Start combat").click()
    await expect(dm.locator("#order > li.current")).to_have_count(1)
    order = await _names_in_order(dm)
    first, second_name = order[0], order[1]
    await expect(dm.locator("#turn-banner")).to_have_text(f"Round 1: {first}'s turn")
    await expect(table.locator("#play-turn")).to_have_text(f"{first}'s turn")
    await expect(table.locator(".play-row.current .play-name")).to_have_text(first)
    await expect(second.locator("#order > li.current .name")).to_have_text(first)

    # Damage by clicking: 4 of a goblin's 7 hit points; the table sees "Bloodied", no numbers.
    await dm.get_by_label("Amount for Goblin 1").fill("4")
    await dm.get_by_role("button", name="Damage Goblin 1").click()
    goblin_row = dm.locator("#order > li").filter(has=dm.locator(".name", has_text="Goblin 1"))
    await expect(goblin_row.locator(".hp-text")).to_have_text("3/7")
    await expect(dm.locator("#log")).to_contain_text("Goblin 1 takes 4 damage")
    table_goblin = table.locator(".play-row").filter(has_text="Goblin 1")
    await expect(table_goblin.locator(".badge")).to_have_text("Bloodied")
    assert "3/7" not in await table_goblin.inner_text()
    await expect(
        second.locator("#order > li").filter(has_text="Goblin 1").locator(".hp-text")
    ).to_have_text("3/7")

    # A condition, removed again with one tap on its chip.
    await goblin_row.get_by_label("More actions for Goblin 1").click()
    await goblin_row.get_by_label("Condition for Goblin 1").fill("prone")
    await goblin_row.get_by_role("button", name="Add", exact=True).click()
    await expect(table_goblin).to_contain_text("prone")
    await dm.get_by_role("button", name="Remove prone from Goblin 1").click()
    await expect(table_goblin).not_to_contain_text("prone")

    # Next turn from the keyboard, then undo it from the keyboard.
    await dm.locator("body").press("n")
    await expect(dm.locator("#turn-banner")).to_have_text(f"Round 1: {second_name}'s turn")
    await expect(table.locator("#play-turn")).to_have_text(f"{second_name}'s turn")
    await expect(second.locator("#order > li.current .name")).to_have_text(second_name)
    await dm.screenshot(path=str(SCREENSHOTS / "initiative-dm-console.png"), full_page=True)
    await table.screenshot(path=str(SCREENSHOTS / "initiative-player-phone.png"), full_page=True)

    await dm.locator("body").press("u")
    await expect(dm.locator("#turn-banner")).to_have_text(f"Round 1: {first}'s turn")
    await expect(table.locator("#play-turn")).to_have_text(f"{first}'s turn")
    await expect(dm.locator("#log li.undone").first).to_be_visible()

    # Somebody else acted first: the console reloads and says so.
    async def stale(route: Any) -> None:
        await route.fulfill(
            status=412,
            content_type="application/problem+json",
            body=json.dumps({"title": "The encounter has changed", "status": 412}),
        )

    await dm.route("**/api/encounters/*/actions", stale, times=1)
    await dm.get_by_role("button", name="Next turn").click()
    await expect(dm.locator(".toast.error")).to_contain_text("changed in another window")
    await expect(dm.locator("#turn-banner")).to_have_text(f"Round 1: {first}'s turn")

    # The hidden assassin never reached the table, not even in a socket frame.
    assert "Assassin" not in await table.content()
    assert table_watch.frames
    assert not [f for f in table_watch.frames if "Assassin" in f]
    assert any("Assassin" in f for f in dm_watch.frames)

    # The same console on a phone: no horizontal scrolling.
    phone = await dm_context.new_page()
    await phone.set_viewport_size(PHONE)
    await phone.goto(dm.url)
    await expect(phone.locator("#order > li.current")).to_have_count(1)
    await _no_horizontal_scroll(phone)
    await phone.screenshot(path=str(SCREENSHOTS / "initiative-dm-phone.png"), full_page=True)
    await _no_horizontal_scroll(table)
    await dm.bring_to_front()

    # The player view on a TV.
    tv_context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    tv = await tv_context.new_page()
    await tv.goto(link)
    await expect(tv.locator(".play-row.current .play-name")).to_have_text(first)
    await tv.screenshot(path=str(SCREENSHOTS / "initiative-player-tv.png"))

    # End of combat: the summary.
    await dm.get_by_role("button", name="End combat").click()
    await expect(dm.locator("#summary")).to_be_visible()
    await expect(dm.locator("#summary")).to_contain_text("XP")
    await expect(table.locator("#play-turn")).to_have_text("Combat is over.")
    await dm.screenshot(path=str(SCREENSHOTS / "initiative-dm-summary.png"), full_page=True)

    for watch in (dm_watch, second_watch, table_watch):
        assert not watch.unexpected_errors(), watch.unexpected_errors()
    for context in (dm_context, table_context, tv_context):
        await context.close()


async def test_player_view_reconnects_from_its_last_seq(server: str, browser: Any) -> None:
    """A dropped socket comes back with ?since=<its link's seq> and misses nothing."""
    expect = _expect()
    async with httpx.AsyncClient(base_url=server) as api:
        email = f"dm-{uuid.uuid4().hex[:10]}@example.com"
        await api.post("/api/auth/register", json={"email": email, "password": "password123"})
        login = await api.post("/api/auth/login", json={"email": email, "password": "password123"})
        api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        campaign = (await api.post("/api/campaigns", json={"name": "C"})).json()
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
