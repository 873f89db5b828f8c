"""The console at the table, in Chromium: typing initiatives keeps the focus where the DM
is, the party prompt's Tab order holds, a combatant without an AC says so, and the
phone's row and header read right."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import SCREENSHOTS, open_signed_in, sign_up_dm
from tests.web.test_browser import PHONE
from tests.web.test_console import DESKTOP, _expect, row

pytestmark = pytest.mark.slow

FOCUSED = (
    "() => [document.activeElement?.getAttribute('aria-label'),"
    " document.activeElement?.selectionStart ?? null]"
)


async def _console(browser: Any, server: str, viewport: dict[str, int], *, start: bool) -> Any:
    """Four PCs, two goblins, an assassin without an AC and a dragon, open in a signed-in
    console."""
    async with httpx.AsyncClient(base_url=server, timeout=60) as api:
        token, campaign = await sign_up_dm(api, "C")
        encounter = (
            await api.post(f"/api/campaigns/{campaign['id']}/encounters", json={"name": "Keep"})
        ).json()
        eid = encounter["id"]
        for body in (
            *({"name": n, "kind": "character", "max_hp": 30, "ac": 15} for n in "ABCD"),
            {"name": "Goblin", "max_hp": 7, "ac": 15, "count": 2, "initiative": 12},
            {"name": "Assassin", "max_hp": 40},
            # A long name with legendary actions and resistances.
            {
                "name": "Adult Red Dragon",
                "max_hp": 256,
                "ac": 19,
                "legendary_actions": 3,
                "legendary_resistances": 3,
            },
        ):
            added = await api.post(f"/api/encounters/{eid}/combatants", json=body)
            assert added.status_code == 201, added.text
        if start:
            r = await api.post(f"/api/encounters/{eid}/actions", json={"type": "start_combat"})
            assert r.status_code == 200, r.text
    page = await open_signed_in(
        browser, server, token, f"/#/c/{campaign['id']}/e/{eid}", viewport=viewport
    )
    await _expect()(page.locator("#order > li")).to_have_count(8)
    page.encounter_api = (server, token, eid)  # type: ignore[attr-defined]
    return page


async def test_typing_initiatives_keeps_the_focus_through_the_re_sort(
    server: str, browser: Any
) -> None:
    expect = _expect()
    page = await _console(browser, server, DESKTOP, start=False)
    names = page.locator("#order > li .name")
    # Enter: the row jumps to the top, its box keeps the focus and the caret.
    box = row(page, "D").locator(".init")
    await box.click()
    await page.keyboard.type("25")
    await page.keyboard.press("Enter")
    await expect(names.first).to_have_text("D")
    await expect(box).to_have_value("25")
    assert await page.evaluate(FOCUSED) == ["Initiative of D", 2]
    # Tab: the typed value goes when the box is left, and the focus stays on the control
    # Tab went to (the same row's name) after that row moved.
    box = row(page, "C").locator(".init")
    await box.click()
    await page.keyboard.type("30")
    await page.keyboard.press("Tab")
    await expect(names.first).to_have_text("C")
    await expect(page.get_by_role("button", name="Select C")).to_be_focused()
    # A row that does not move keeps its focus too, and a bad value is refused.
    box = row(page, "A").locator(".init")
    await box.fill("x")
    await box.press("Enter")
    await expect(page.locator(".toast.error")).to_contain_text("whole number")
    await expect(box).to_have_value("")

    # The party prompt: one box per PC in the order they joined, Tab straight from one to
    # the next, and a frame from the stream while typing leaves what was typed alone.
    await page.keyboard.press("Escape")
    await page.locator("body").press("r")
    prompt = page.locator("#initiative-form")
    await expect(prompt.get_by_label("A's initiative roll")).to_be_focused()
    order = []
    for value in ("11", "", "", "7"):
        order.append(await page.evaluate("document.activeElement.getAttribute('aria-label')"))
        if value:
            await page.keyboard.type(value)
        await page.keyboard.press("Tab")
    assert order == [f"{n}'s initiative roll" for n in "ABCD"]
    base, token, eid = page.encounter_api
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        state = (await api.get(f"/api/encounters/{eid}")).json()
        goblin = next(c["id"] for c in state["combatants"] if c["name"] == "Goblin 1")
        r = await api.post(
            f"/api/encounters/{eid}/actions",
            json={"type": "set_initiative", "combatant_id": goblin, "initiative": 13},
        )
        assert r.status_code == 200, r.text
    await expect(row(page, "Goblin 1").locator(".init")).to_have_value("13")
    await expect(prompt.get_by_label("A's initiative roll")).to_have_value("11")
    await expect(prompt.get_by_label("D's initiative roll")).to_have_value("7")
    await page.context.close()


async def test_a_dragon_row_keeps_its_menu_beside_the_sidebar(server: str, browser: Any) -> None:
    """Building at 1280x800 the tracker is narrow; LA and LR wrap, HP, AC and menu stay."""
    page = await _console(browser, server, DESKTOP, start=False)
    assert await page.locator(".sidebar").count() == 1
    dragon = row(page, "Adult Red Dragon")
    edge = await dragon.evaluate("r => r.getBoundingClientRect().right")
    for part in (".hp-text", ".ac", ".row-menu > summary"):
        box = await dragon.locator(part).bounding_box()
        assert box and box["x"] + box["width"] <= edge + 1, f"{part} is out of the row"
    await _expect()(dragon.locator(".ac")).to_have_text("19")
    await page.context.close()


async def test_a_combatant_without_an_ac_says_so_and_gets_one(server: str, browser: Any) -> None:
    expect = _expect()
    page = await _console(browser, server, DESKTOP, start=True)
    assassin = row(page, "Assassin")
    await expect(assassin.locator(".ac")).to_have_text("—")
    await assassin.get_by_label("More actions for Assassin").click()
    await assassin.get_by_label("Armour class of Assassin").fill("15")
    await assassin.get_by_role("button", name="Set AC").click()
    await expect(assassin.locator(".ac")).to_have_text("15")
    await expect(row(page, "Goblin 1").locator(".ac")).to_have_text("15")
    await page.context.close()


async def test_the_phone_row_and_header_read_whole(server: str, browser: Any) -> None:
    expect = _expect()
    page = await _console(browser, server, PHONE, start=False)
    box = row(page, "A").locator(".init")
    await box.fill("25")
    await box.press("Enter")
    await expect(page.locator("#order > li .name").first).to_have_text("A")
    # "25" fits its box: nothing scrolled out of sight inside it.
    assert await box.evaluate("b => b.scrollWidth <= b.clientWidth"), "the box cuts 25 short"
    settings = page.get_by_role("button", name="Encounter settings")
    assert await settings.inner_text() == "Settings"  # what shows, capitalised
    await expect(row(page, "Assassin").locator(".who-ac")).to_have_text("AC —")
    # The dragon's legendary pools take a line of their own: its name keeps its room.
    name = row(page, "Adult Red Dragon").locator(".name")
    assert (await name.bounding_box() or {}).get("width", 0) > 100, "the name is squeezed"
    await expect(row(page, "Adult Red Dragon").locator(".res")).to_have_count(2)
    await page.screenshot(path=str(SCREENSHOTS / "console-planning-390.png"))
    # The header is one line of buttons; signing out lives in "Your settings" too.
    top = await page.locator(".topbar").bounding_box()
    assert top and top["height"] < 60, f"the header wraps: {top}"
    await page.get_by_role("button", name="Your settings").click()
    await expect(page.get_by_role("dialog", name="Your settings")).to_contain_text("Sign out")
    await page.context.close()


async def test_a_stat_block_on_the_phone_opens_in_sight_and_its_rolls_show(
    server: str, browser: Any
) -> None:
    """Below the tracker the block scrolls into view, and a roll's total comes up at once
    (the log, where it also goes, is further down); at 1280 the log is in sight instead.
    A reload keeps the tab's rolls."""
    expect = _expect()
    page = await _console(browser, server, PHONE, start=True)
    base, token, eid = page.encounter_api
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        found = (await api.get("/api/statblocks", params={"q": "goblin"})).json()["items"]
        goblin = next(b["id"] for b in found if b["name"] == "Goblin")
        r = await api.post(
            f"/api/encounters/{eid}/combatants", json={"statblock_id": goblin, "alias": "Snik"}
        )
        assert r.status_code == 201, r.text
    await expect(page.locator("#order > li")).to_have_count(9)
    # The SRD goblin joins as "Goblin 3" beside the two ad hoc ones.
    newest = page.locator("#order > li").filter(has=page.locator(".alias"))
    name = await newest.locator(".name").inner_text()
    await newest.get_by_label(f"More actions for {name}").click()
    await newest.get_by_role("button", name=f"Stat block of {name}").click()
    block = page.get_by_role("article", name="Goblin stat block")
    await expect(block).to_be_in_viewport()
    await block.get_by_role("button", name="+4 to hit, Scimitar").click()
    toast = page.locator(".toast.roll")
    await expect(toast).to_be_visible()
    await expect(toast).to_contain_text(f"{name} Scimitar: to hit: ")
    await expect(page.locator("#log > li.roll")).to_have_count(1)
    await page.screenshot(path=str(SCREENSHOTS / "console-roll-390.png"))
    await page.set_viewport_size(DESKTOP)
    await expect(toast).to_be_hidden()  # the log is beside the block there
    # The tab keeps its rolls through a reload, still beside the events they came after.
    await page.reload()
    await expect(page.locator("#log > li.roll")).to_contain_text(f"{name} Scimitar: to hit")
    assert "joins" in await page.locator("#log > li").nth(1).inner_text()
    await page.context.close()
