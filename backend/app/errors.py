"""The error tree of the service, free of any web framework.

Every error a client can cause is an :class:`AppError` subclass with a stable
``type`` slug, an HTTP status and a title, so the pure rules can raise them too.
:mod:`app.problems`, beside the app factory, renders each as an RFC 9457
``application/problem+json`` body::

    AppError
    ├── BadRequest (400)
    ├── Unauthorized (401)        ── InvalidCredentials, InvalidToken
    ├── NotFound (404)
    ├── Conflict (409)            ── RuleViolation (an action the rules refuse)
    ├── PreconditionFailed (412)  ── a stale If-Match version
    ├── PayloadTooLarge (413)     ── a request body over the limit (app.body_limit)
    ├── Unprocessable (422)       ── InvalidAction (well-formed but impossible values)
    └── TooManyRequests (429)
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://initiative-tracker.dev/problems/"


class AppError(Exception):
    """Base of every error a client can cause; rendered as problem+json."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class BadRequest(AppError):
    status = 400
    type = "bad-request"
    title = "Bad request"


class Unauthorized(AppError):
    status = 401
    type = "unauthorized"
    title = "Not authenticated"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class InvalidCredentials(Unauthorized):
    type = "invalid-credentials"
    title = "Invalid email or password"


class InvalidToken(Unauthorized):
    type = "invalid-token"
    title = "Invalid or expired token"


class Forbidden(AppError):
    status = 403
    type = "forbidden"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    type = "not-found"
    title = "Not found"


class MethodNotAllowed(AppError):
    status = 405
    type = "method-not-allowed"
    title = "Method not allowed"


class Conflict(AppError):
    status = 409
    type = "conflict"
    title = "Conflict"


class RuleViolation(Conflict):
    """An action the rules of the game refuse in the encounter's current state."""

    type = "rule-violation"
    title = "Action not allowed now"


class PreconditionFailed(AppError):
    status = 412
    type = "version-mismatch"
    title = "The encounter has changed"


class PayloadTooLarge(AppError):
    status = 413
    type = "payload-too-large"
    title = "Request body too large"


class Unprocessable(AppError):
    status = 422
    type = "validation-error"
    title = "Invalid input"


class InvalidAction(Unprocessable):
    """An action whose values cannot apply (e.g. an unknown combatant id)."""

    type = "invalid-action"
    title = "Invalid action"


class TooManyRequests(AppError):
    status = 429
    type = "rate-limited"
    title = "Too many requests"


class ServiceUnavailable(AppError):
    status = 503
    type = "service-unavailable"
    title = "Service unavailable"


def reject_nulls(changes: dict[str, Any]) -> None:
    """A partial update (PATCH) may leave a field out, but not set a required one
    to null: 422 naming every such field."""
    nulls = [field for field, value in changes.items() if value is None]
    if nulls:
        raise Unprocessable(
            f"{nulls[0]} cannot be null.",
            errors=[{"loc": ["body", f], "msg": "may not be null", "type": "null"} for f in nulls],
        )
