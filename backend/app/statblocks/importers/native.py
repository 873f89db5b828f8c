"""Our own stat block shape (``StatBlockIn``), so that an exported block re-imports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.statblocks.importers.reader import Reader
from app.statblocks.schemas import StatBlockIn


def from_native(payload: Mapping[str, Any]) -> StatBlockIn:
    return Reader().build(dict(payload))
