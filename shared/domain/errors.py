"""Domain errors. Each carries a stable ``code``; the HTTP layer maps them to problem+json.

DomainError
├── InvalidInput          a request that is well-formed but not acceptable (422)
├── MalformedRequest      a body that is not JSON, or not the right shape (400)
├── Unauthenticated       no credentials, bad or expired ones (401)
├── PaymentRequired       no way to pay, or the card refused the hold (402)
├── Forbidden             signed in, but not allowed (403)
├── NotFound              no such thing, or not yours to see (404)
├── Conflict              the state forbids it, or a duplicate (409)
├── StaleVersion          If-Match no longer matches (412)
├── PayloadTooLarge       request body over the limit (413)
├── TooManyRequests       throttled; carries retry_after seconds (429)
└── DependencyFailed      a backing service failed (503)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Conflict",
    "DependencyFailed",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "MalformedRequest",
    "NotFound",
    "PayloadTooLarge",
    "PaymentRequired",
    "StaleVersion",
    "TooManyRequests",
    "Unauthenticated",
]


class DomainError(Exception):
    code = "error"
    title = "Error"

    def __init__(self, detail: str, *, code: str | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extensions = extensions


class InvalidInput(DomainError):
    code = "invalid_input"
    title = "Invalid input"


class MalformedRequest(DomainError):
    code = "malformed_request"
    title = "Malformed request"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Authentication required"


class PaymentRequired(DomainError):
    code = "payment_required"
    title = "Payment required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class StaleVersion(DomainError):
    code = "stale_version"
    title = "Precondition failed"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    title = "Payload too large"


class TooManyRequests(DomainError):
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code, retryAfter=retry_after)
        self.retry_after = retry_after


class DependencyFailed(DomainError):
    code = "dependency_failed"
    title = "Service unavailable"
