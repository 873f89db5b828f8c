"""Bring the database to the newest Alembic revision from inside a process that is
about to serve: Gunicorn's master runs this (``MIGRATE_ON_START=1``, which the
container's entrypoint sets) after it has imported the app and before it forks the
workers, so a container starts one Python process, not two.

The Alembic environment (``migrations/env.py``) holds a PostgreSQL advisory lock while
it migrates, so several containers starting at once serialise there and all but the
first find nothing to do. A database still starting is retried: ``attempts`` tries,
``pause_s`` apart; the last failure is raised, and Gunicorn does not start.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"

log = logging.getLogger("app.migrate")


def upgrade_to_head(*, attempts: int = 5, pause_s: float = 2.0) -> None:
    config = Config(str(ALEMBIC_INI))
    # The caller has configured logging already (Gunicorn's master has).
    config.attributes["skip_logging"] = True
    for attempt in range(1, attempts + 1):
        try:
            command.upgrade(config, "head")
            return
        except Exception as exc:  # any failure: the database may still be starting
            if attempt >= attempts:
                log.error("migrations failed %d times; not starting: %s", attempt, exc)
                raise
            log.warning(
                "migrations failed (attempt %d/%d), retrying in %.0f s: %s",
                attempt,
                attempts,
                pause_s,
                exc,
            )
            time.sleep(pause_s)
