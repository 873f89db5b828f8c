#!/usr/bin/env python3
"""Derive the shipped SRD monster library from the 5e-bits SQLite release.

    cd backend && ../.venv/bin/python scripts/derive_srd.py [path/to/dnd5e-...sqlite3]

Without a path it reads the source ``scripts/srd_source.py`` finds (beside the
checkout, or fetched from PyPI with ``srd_source.py --fetch``).

Reads the ``monsters`` table (one 5e-bits/dnd5eapi JSON record per row),
converts every record with the same converter the import endpoint uses, and
writes ``app/statblocks/data/srd_monsters.json``: sorted by name, one key order,
no timestamps, so running it twice gives identical bytes and a data change
shows up as a readable diff. The product reads only the generated JSON; the
SQLite file stays outside the project (see the SRD README).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parent.parent
REPO = BACKEND.parent
OUTPUT = BACKEND / "app/statblocks/data/srd_monsters.json"
EXPECTED_MONSTERS = 334

# Known errors in the 5e-bits v5.10.0 data, corrected to the SRD 5.1 text.
# Cult Fanatic: the SRD prints "Hit Points 33 (6d8 + 6)"; the data has 22 (and
# "6d8+6" as its hit dice, which the converter already trims). The others carry
# the XP of a lower challenge rating than their own; the SRD prints the table
# value (e.g. "Challenge 1 (200 XP)" for the Brass Dragon Wyrmling).
# Six records list "blinded" twice among their condition immunities where the SRD
# prints "blinded, ... deafened" (Flying Sword, Ochre Jelly, Rug of Smothering,
# Shambling Mound, Shrieker, Violet Fungus).
_DEAFENED = "deafened"
ERRATA: dict[str, dict[str, Any]] = {
    "cult-fanatic": {"hp": 33},
    "flying-sword": {
        "condition_immunities": [
            *("blinded", "charmed", _DEAFENED, "frightened", "paralyzed", "petrified", "poisoned"),
        ]
    },
    "ochre-jelly": {
        "condition_immunities": [
            "blinded",
            "charmed",
            _DEAFENED,
            "exhaustion",
            "frightened",
            "prone",
        ]
    },
    "rug-of-smothering": {
        "condition_immunities": [
            *("blinded", "charmed", _DEAFENED, "frightened", "paralyzed", "petrified", "poisoned"),
        ]
    },
    "shambling-mound": {"condition_immunities": ["blinded", _DEAFENED, "exhaustion"]},
    "shrieker": {"condition_immunities": ["blinded", _DEAFENED, "frightened"]},
    "violet-fungus": {"condition_immunities": ["blinded", _DEAFENED, "frightened"]},
    "brass-dragon-wyrmling": {"xp": 200},
    "deep-gnome-svirfneblin": {"xp": 100},
    "dretch": {"xp": 50},
    "riding-horse": {"xp": 50},
}

sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(BACKEND / "scripts"))

from srd_source import find as find_source  # noqa: E402

from app.statblocks.importers import from_5e_bits  # noqa: E402
from app.statblocks.schemas import COMPUTED_FIELDS, StatBlockData  # noqa: E402


def read_source(path: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    # Read-only URI so a typo in the path fails instead of creating an empty file.
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute('SELECT "index", data FROM monsters ORDER BY "index"').fetchall()
        metadata = dict(db.execute("SELECT key, value FROM metadata").fetchall())
    records = []
    for index, data in rows:
        record = json.loads(data)
        if record.get("index") != index:
            raise SystemExit(f"Row {index!r} holds a record for {record.get('index')!r}")
        records.append(record)
    return records, metadata


def convert(record: dict[str, Any]) -> dict[str, Any]:
    block = from_5e_bits(record)
    fields = block.model_dump() | ERRATA.get(record["index"], {})
    data = StatBlockData.model_validate({**fields, "slug": record["index"], "source": "SRD 5.1"})
    return data.model_dump(mode="json", exclude=set(COMPUTED_FIELDS))


def render(monsters: list[dict[str, Any]], metadata: dict[str, str]) -> str:
    document = {
        "source": "System Reference Document 5.1 (SRD 5.1), Wizards of the Coast LLC",
        "derived_from": f"{metadata['source_repo']} {metadata['source_tag']} "
        f"({metadata['generator']})",
        "license": metadata["license"],
        "attribution": metadata["attribution"],
        "count": len(monsters),
        "monsters": monsters,
    }
    # One monster per line: compact, yet each monster reads and diffs on its own.
    head = json.dumps({k: v for k, v in document.items() if k != "monsters"}, indent=1)
    lines = ",\n".join(json.dumps(m, ensure_ascii=False) for m in monsters)
    return head[:-2] + ',\n "monsters": [\n' + lines + "\n ]\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=find_source())
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    if args.source is None or not args.source.is_file():
        raise SystemExit(f"SRD source not found: {args.source} (pass its path as the argument)")
    records, metadata = read_source(args.source)
    unknown = set(ERRATA) - {r["index"] for r in records}
    if unknown:
        raise SystemExit(f"Errata for monsters not in the source: {sorted(unknown)}")
    if len(records) != EXPECTED_MONSTERS:
        raise SystemExit(f"Expected {EXPECTED_MONSTERS} monsters, found {len(records)}")
    monsters = sorted((convert(r) for r in records), key=lambda m: (m["name"], m["slug"]))
    text = render(monsters, metadata)
    json.loads(text)  # the hand-joined layout must still be valid JSON
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"Wrote {len(monsters)} monsters to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
