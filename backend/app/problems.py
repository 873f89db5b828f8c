"""Errors leave the service as RFC 9457 ``application/problem+json``: the handlers
that render the :mod:`app.errors` tree (and FastAPI's, Starlette's and the
database driver's errors), and the OpenAPI ``responses`` that document them."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    PROBLEM_JSON,
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
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


# SQLSTATE classes that mean "the server cannot take this right now": 08 connection
# exception, 53 insufficient resources (too many clients, out of memory or disk),
# 57 operator intervention (shutting down, starting up, terminated by an
# administrator). asyncpg's errors of classes 53 and 57 reach us as a plain DBAPIError.
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57"})


def _sqlstate(exc: DBAPIError) -> str:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code if isinstance(code, str) else ""


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
        if (
            exc.connection_invalidated
            or isinstance(exc, OperationalError | InterfaceError)
            or _sqlstate(exc)[:2] in _UNAVAILABLE_CLASSES
        ):
            return problem_response(
                ServiceUnavailable(
                    "The database is unavailable; retry shortly.", headers={"Retry-After": "1"}
                ),
                request.url.path,
                _rid(request),
            )
        raise exc

    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def _unreachable(request: Request, exc: OSError) -> Response:
        # A new connection to the database refused or timed out (it is down or
        # restarting): the driver raises the socket's error, not a DBAPIError.
        return problem_response(
            ServiceUnavailable(
                "The database is unavailable; retry shortly.", headers={"Retry-After": "1"}
            ),
            request.url.path,
            _rid(request),
        )

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
