"""The error tree of the service and the one place that renders it.

Every error a client can cause is an :class:`AppError` subclass with a stable
``type`` slug, an HTTP status and a title. :func:`install_handlers` turns each of
them, FastAPI's validation errors and Starlette's HTTP errors into an
RFC 9457 ``application/problem+json`` body::

    AppError
    ├── BadRequest (400)
    ├── Unauthorized (401)        ── InvalidCredentials, InvalidToken
    ├── NotFound (404)
    ├── Conflict (409)            ── RuleViolation (an action the rules refuse)
    ├── PreconditionFailed (412)  ── a stale If-Match version
    ├── PayloadTooLarge (413)     ── a request body over the limit
    ├── Unprocessable (422)       ── InvalidAction (well-formed but impossible values)
    └── TooManyRequests (429)
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def problem_response(
    error: AppError, instance: str | None = None, request_id: str | None = None
) -> JSONResponse:
    body = error.to_problem(instance)
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(
        body, status_code=error.status, headers=error.headers, media_type=PROBLEM_JSON
    )


_STATUS_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        details.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return details


def install_handlers(app: FastAPI) -> None:
    """Every error leaves the service as problem+json. (Unexpected errors are
    answered by the observability middleware, which hides the trace outside
    development and logs it with the request id.)"""

    def _rid(request: Request) -> str | None:
        return getattr(request.state, "request_id", None)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return problem_response(exc, request.url.path, _rid(request))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        # A dropped connection (database restarted or failed over) is the client's
        # to retry, not a bug; anything else is a real 500.
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return problem_response(
                ServiceUnavailable(
                    "The database is unavailable; retry shortly.", headers={"Retry-After": "1"}
                ),
                request.url.path,
                _rid(request),
            )
        raise exc

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = _validation_details(exc)
        first = details[0] if details else None
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first else "The request is invalid."
        return problem_response(
            Unprocessable(detail, errors=details), request.url.path, _rid(request)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        cls = _STATUS_ERRORS.get(exc.status_code)
        if cls is None:
            err: AppError = AppError(str(exc.detail))
            body = err.to_problem(request.url.path)
            body["status"] = exc.status_code
            body["title"] = str(exc.detail)
            return JSONResponse(
                body, status_code=exc.status_code, headers=exc.headers, media_type=PROBLEM_JSON
            )
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail in ("Not Found", "Method Not Allowed"):
            detail = None
        err = cls(detail, headers=dict(exc.headers or {}))
        return problem_response(err, request.url.path, _rid(request))


def responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route: each error class documents itself."""
    out: dict[int | str, dict[str, Any]] = {}
    for cls in errors:
        entry = out.setdefault(
            cls.status,
            {"description": cls.title, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}},
        )
        if cls.title not in entry["description"]:
            entry["description"] += f"; {cls.title}"
    return out


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the handlers above send: FastAPI documents
    its own 422 as ``application/json`` (``HTTPValidationError``), and says nothing of
    the 400 for a body that cannot be read at all (not UTF-8) or the 413 for one over
    the size limit (:mod:`app.body_limit`)."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            problem = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}
            if "422" in responses and PROBLEM_JSON not in responses["422"].get("content", {}):
                responses["422"] = {"description": Unprocessable.title, "content": problem}
            if "requestBody" in operation and "400" not in responses:
                responses["400"] = {"description": BadRequest.title, "content": problem}
            if "requestBody" in operation and "413" not in responses:
                responses["413"] = {"description": PayloadTooLarge.title, "content": problem}
    schemas = schema.get("components", {}).get("schemas", {})
    text = json.dumps(schema.get("paths", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and f'"#/components/schemas/{name}"' not in text:
            del schemas[name]
    return schema
