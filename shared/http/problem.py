"""RFC 9457 problem+json responses, and the mapping from errors to them."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import ValidationError

from shared.domain import errors as e
from shared.ports.store import DocumentConflict, DocumentNotFound, InvalidContinuation, PreconditionFailed

__all__ = ["PROBLEM_JSON", "problem_response", "response_for_error", "validation_problem"]

PROBLEM_JSON = "application/problem+json"

_STATUS: dict[type[e.DomainError], int] = {
    e.InvalidInput: 422,
    e.MalformedRequest: 400,
    e.Unauthenticated: 401,
    e.PaymentRequired: 402,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.StaleVersion: 412,
    e.PayloadTooLarge: 413,
    e.TooManyRequests: 429,
    e.DependencyFailed: 503,
}

# A store error that reaches the edge unhandled still means something precise to the client.
_STORE: dict[type[Exception], tuple[int, str, str, str]] = {
    DocumentNotFound: (404, "not_found", "Not found", "No such resource."),
    DocumentConflict: (409, "conflict", "Conflict", "It already exists."),
    PreconditionFailed: (412, "stale_version", "Precondition failed", "Someone changed it first; reload."),
    InvalidContinuation: (
        422,
        "invalid_continuation_token",
        "Invalid continuation token",
        "The continuation token is not valid; start the listing again.",
    ),
}


def problem_response(
    status: int, code: str, title: str, detail: str, correlation_id: str, **extensions: Any
) -> func.HttpResponse:
    body = {
        "type": f"https://wattsup.dev/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "correlationId": correlation_id,
        **extensions,
    }
    headers = {"x-correlation-id": correlation_id}
    if "retryAfter" in extensions:
        headers["Retry-After"] = str(extensions["retryAfter"])
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="wattsup"'
    return func.HttpResponse(json.dumps(body), status_code=status, headers=headers, mimetype=PROBLEM_JSON)


def validation_problem(exc: ValidationError, correlation_id: str, *, source: str) -> func.HttpResponse:
    fields = [
        {
            "field": ".".join(str(p) for p in err["loc"]) or source,
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]
    return problem_response(
        422,
        "validation_failed",
        "Validation failed",
        f"The request {source} has {len(fields)} invalid field(s).",
        correlation_id,
        errors=fields,
    )


def response_for_error(exc: Exception, correlation_id: str) -> func.HttpResponse | None:
    """The problem response for a known error, or None for an unexpected one."""
    if isinstance(exc, e.DomainError):
        status = next(s for cls, s in _STATUS.items() if isinstance(exc, cls))
        return problem_response(status, exc.code, exc.title, exc.detail, correlation_id, **exc.extensions)
    for cls, (status, code, title, detail) in _STORE.items():
        if isinstance(exc, cls):
            return problem_response(status, code, title, detail, correlation_id)
    return None
