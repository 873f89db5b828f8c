"""A PostgreSQL server of a test's own (initdb on a temporary directory), so a
test can stop and start it without touching the machine's shared server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import pytest

from tests.servers import free_port


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


@dataclass
class PgInstance:
    bindir: str
    datadir: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", self.datadir, "-w", "-t", "30", "-l", f"{self.datadir}/log",
            "-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.datadir, "-w", "-m", "fast", "stop")


@contextmanager
def pg_instance() -> Iterator[PgInstance]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb) are required in CI")
        pytest.skip("no PostgreSQL server binaries on this machine")
    root = tempfile.mkdtemp(prefix="it-pg-")
    datadir = os.path.join(root, "data")
    os.makedirs(datadir)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(datadir, "postgres")
    inst = PgInstance(bindir=bindir, datadir=datadir, port=free_port())
    inst._run("initdb", "-D", datadir, "-U", "postgres", "-A", "trust", "--no-sync")
    inst.start()
    try:
        yield inst
    finally:
        with suppress(subprocess.CalledProcessError):
            inst.stop()
        shutil.rmtree(root, ignore_errors=True)
