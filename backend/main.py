"""What ``gunicorn main:app`` (run from ``backend/``) serves."""

import sys

from app.config import ConfigError
from app.main import create_app

try:
    app = create_app()
except ConfigError as exc:  # one clear line, then a non-zero exit
    print(f"configuration error: {exc}", file=sys.stderr)
    raise SystemExit(1) from None
