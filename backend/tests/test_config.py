"""Production refuses an unsafe configuration at start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.config import ConfigError, Settings
from tests.servers import BACKEND_DIR, BIN_DIR

GOOD_SECRET = "x" * 40


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "JWT_SECRET"),
        ({"JWT_SECRET": "short-secret"}, "JWT_SECRET"),
        ({"JWT_SECRET": "your-secret-key"}, "JWT_SECRET"),
        ({"JWT_SECRET": GOOD_SECRET, "WEB_CONCURRENCY": "3"}, "WEB_CONCURRENCY"),
    ],
)
def test_production_checks(env: dict[str, str], names: str) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database_url="sqlite:///./x.db",
        **{k.lower(): v for k, v in env.items()},
    )
    with pytest.raises(ConfigError, match=names):
        settings.check_production()


def test_production_accepts_a_safe_setup() -> None:
    Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        database_url="postgresql://u@h/db",
        jwt_secret=GOOD_SECRET,
        web_concurrency=3,
    ).check_production()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"JWT_SECRET", "WEB_CONCURRENCY"}}
    env.update(extra)
    return env


@pytest.mark.parametrize("command", ["gunicorn", "import"])
def test_unsafe_production_stops_startup(command: str, tmp_path: object) -> None:
    env = _clean_env(ENVIRONMENT="production", DATABASE_URL=f"sqlite:///{tmp_path}/p.db")
    argv = (
        [str(BIN_DIR / "gunicorn"), "main:app", "--bind", "127.0.0.1:0"]
        if command == "gunicorn"
        else [sys.executable, "-c", "import main"]
    )
    proc = subprocess.run(argv, cwd=BACKEND_DIR, env=env, capture_output=True, timeout=60)
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.decode().splitlines() if line.strip()]
    assert lines == [lines[0]] and "JWT_SECRET" in lines[0], proc.stderr.decode()
