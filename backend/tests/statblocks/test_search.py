"""Stat block search forgives typos: near misses after every name holding the text,
homebrew included, paginated with the right totals (through HTTP, both databases)."""

from __future__ import annotations

import random

import httpx
import pytest
from rapidfuzz.distance import OSA

from app.statblocks.matching import allowed_edits, pieces, rank
from tests.conftest import register
from tests.statblocks.test_api import Headers, homebrew, names, search


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("gobln", "Goblin"),
        ("bugbaer", "Bugbear"),
        ("adult red dragn", "Adult Red Dragon"),
        ("ADULT RED DRAGN", "Adult Red Dragon"),
        ("owlbaer", "Owlbear"),
        ("skeletn", "Skeleton"),
        ("ancent red dragon", "Ancient Red Dragon"),
        ("adlt red drag", "Adult Red Dragon"),  # a word still being typed
        ("giant spidr", "Giant Spider"),
        ("tyranosaurus rex", "Tyrannosaurus Rex"),
    ],
)
async def test_typos_find_the_monster_meant(
    client: httpx.AsyncClient, dm: Headers, typed: str, meant: str
) -> None:
    found = await names(client, dm, q=typed)
    assert found and found[0] == meant, found


async def test_near_misses_come_after_every_name_holding_the_text(
    client: httpx.AsyncClient, dm: Headers
) -> None:
    await homebrew(client, dm, name="Goblyn Raider")  # one letter off
    await homebrew(client, dm, name="Goblin Warchief")  # starts with the text
    await homebrew(client, dm, name="Qoblyn Raider")  # two letters off: too far
    found = await names(client, dm, q="goblin")
    assert found == ["Goblin", "Goblin Warchief", "Hobgoblin", "Goblyn Raider"]
    # The homebrew is its owner's only, near miss or not.
    stranger = await register(client)
    assert await names(client, stranger, q="goblin") == ["Goblin", "Hobgoblin"]
    # Fewer edits first among near misses.
    await homebrew(client, dm, name="Gblin Scout")  # one edit
    await homebrew(client, dm, name="Gobbling Horror")  # "gobbli" is one edit from "goblin"
    near = await names(client, dm, q="goblyn raider")
    assert near[0] == "Goblyn Raider" and "Goblin Warchief" not in near


async def test_short_words_are_not_forgiven(client: httpx.AsyncClient, dm: Headers) -> None:
    assert await names(client, dm, q="gob") == ["Goblin", "Hobgoblin"]
    assert (await search(client, dm, q="gbo"))["total"] == 0
    assert (await search(client, dm, q="zzzz"))["total"] == 0
    assert (await search(client, dm, q="orc"))["total"] == 1


async def test_pages_of_near_misses_add_up(client: httpx.AsyncClient, dm: Headers) -> None:
    await homebrew(client, dm, name="Dragn Whelp")
    whole = await search(client, dm, q="dragn", limit=200)
    dragons = [item["name"] for item in whole["items"]]
    assert whole["total"] == len(dragons) == 43  # the SRD's 42 dragons and the whelp
    assert dragons[0] == "Dragn Whelp"  # it holds the text itself
    assert all("dragon" in name.lower() for name in dragons[1:])
    pages: list[str] = []
    for offset in range(0, whole["total"], 10):
        page = await search(client, dm, q="dragn", limit=10, offset=offset)
        assert page["total"] == whole["total"]
        pages += [item["id"] for item in page["items"]]
    assert pages == [item["id"] for item in whole["items"]]
    assert await search(client, dm, q="dragn", limit=10, offset=500) == {
        "items": [],
        "total": 43,
    }


async def test_filters_still_apply_to_near_misses(client: httpx.AsyncClient, dm: Headers) -> None:
    old = await names(client, dm, q="dragn", cr_min=20, limit=200)
    assert old and all(name.startswith("Ancient") for name in old)
    assert await names(client, dm, q="dragn", type="construct") == []
    assert await names(client, dm, q="gobln", source="homebrew") == []
    srd = await search(client, dm, q="gobln", source="srd", size="small")
    assert [item["id"] for item in srd["items"]] == ["srd-goblin"] and srd["total"] == 1


# --- the matcher as pure functions -----------------------------------------------------------


def test_the_database_prefilter_never_drops_a_match() -> None:
    """Whatever the matcher accepts contains one piece of each query word."""
    rng = random.Random(7)
    letters = "abcde"
    for _ in range(5000):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(4, 11)))
        typo = list(word)
        for _ in range(rng.randint(1, allowed_edits(word))):
            i = rng.randrange(len(typo))
            match rng.randint(0, 3):
                case 0:
                    typo[i] = rng.choice(letters)
                case 1 if len(typo) > 1:
                    del typo[i]
                case 2:
                    typo.insert(i, rng.choice(letters))
                case _ if i + 1 < len(typo):
                    typo[i], typo[i + 1] = typo[i + 1], typo[i]
        typed = "".join(typo)
        name = "the " + typed + rng.choice(["", "xyz", " scout"])
        found = rank(word, [("x", name)]) == ["x"]
        # Within the edits a word forgives, the name is found, whole or begun...
        assert found or OSA.distance(word, typed) > allowed_edits(word), (word, name)
        # ...and whatever is found passes the database's cheaper test first.
        if found:
            assert any(piece in name for piece in pieces(word)[0]), (word, name)
