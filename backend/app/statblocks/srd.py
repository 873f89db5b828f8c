"""The SRD 5.1 monsters that ship with the product, read from this package's data."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

_RESOURCE = files("app.statblocks").joinpath("data", "srd_monsters.json")


@cache
def _document_text() -> str:
    return _RESOURCE.read_text(encoding="utf-8")


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_document_text())
    return document


def load_srd_monsters() -> list[dict[str, Any]]:
    """All 334 SRD monsters as ``StatBlockData`` dicts (with ``slug``), sorted by name.

    A fresh list on every call, so a caller may change it freely.
    """
    monsters: list[dict[str, Any]] = _document()["monsters"]
    return monsters


def srd_attribution() -> str:
    """The CC-BY-4.0 attribution that must accompany the SRD content."""
    return str(_document()["attribution"])
