"""Session payments in the ``payments`` container (partition ``/userId``), id ``pay_<sessionId>``.

The id is derived from the session, so two workers settling one session meet on one document and
its ETag decides between them.
"""

from __future__ import annotations

from datetime import datetime

from shared.domain.billing import SessionPayment, payment_id_for
from shared.domain.sessions import sortable_time
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = [
    "create_payment",
    "due_for_retry",
    "find_payment",
    "find_payment_by_intent",
    "holds_older_than",
    "query_payments",
    "save_payment",
    "with_open_refunds",
    "with_pending_events",
]

C = "payments"


def _dump(payment: SessionPayment) -> dict[str, object]:
    return payment.model_dump(mode="json", by_alias=True)


async def find_payment(store: DocumentStore, user_id: str, session_id: str) -> SessionPayment | None:
    try:
        return SessionPayment.model_validate(await store.read(C, payment_id_for(session_id), user_id))
    except DocumentNotFound:
        return None


async def create_payment(store: DocumentStore, payment: SessionPayment) -> SessionPayment:
    """Create it, or return the one already there (a retried start or a redelivered event)."""
    try:
        return SessionPayment.model_validate(await store.create(C, _dump(payment)))
    except DocumentConflict:
        return SessionPayment.model_validate(await store.read(C, payment.id, payment.user_id))


async def save_payment(store: DocumentStore, payment: SessionPayment) -> SessionPayment:
    """Replace under the record's ETag: a stale write raises ``PreconditionFailed``."""
    return SessionPayment.model_validate(await store.replace(C, _dump(payment), etag=payment.etag))


async def find_payment_by_intent(store: DocumentStore, intent_id: str) -> SessionPayment | None:
    for field in ("holdIntentId", "topupIntentId"):
        page = await store.query(C, Query((Filter("type", "eq", "payment"), Filter(field, "eq", intent_id)), limit=1))
        if page.items:
            return SessionPayment.model_validate(page.items[0])
    return None


async def due_for_retry(store: DocumentStore, now: datetime, *, limit: int = 100) -> list[SessionPayment]:
    where = (
        Filter("type", "eq", "payment"),
        Filter("status", "eq", "capture_failed"),
        Filter("nextAttemptAt", "le", sortable_time(now)),
    )
    page = await store.query(C, Query(where, order_by="nextAttemptAt", limit=limit))
    return [SessionPayment.model_validate(d) for d in page.items]


async def holds_older_than(store: DocumentStore, before: datetime, *, limit: int = 100) -> list[SessionPayment]:
    """Holds still open that were taken before ``before``: the release timer checks their sessions."""
    where = (
        Filter("type", "eq", "payment"),
        Filter("status", "eq", "authorized"),
        Filter("createdAt", "lt", sortable_time(before)),
    )
    page = await store.query(C, Query(where, order_by="createdAt", limit=limit))
    return [SessionPayment.model_validate(d) for d in page.items]


async def with_pending_events(store: DocumentStore, *, limit: int = 100) -> list[SessionPayment]:
    where = (Filter("type", "eq", "payment"), Filter("hasPendingEvents", "eq", True))
    page = await store.query(C, Query(where, limit=limit))
    return [SessionPayment.model_validate(d) for d in page.items]


async def with_open_refunds(store: DocumentStore, *, limit: int = 100) -> list[SessionPayment]:
    where = (Filter("type", "eq", "payment"), Filter("hasOpenRefunds", "eq", True))
    page = await store.query(C, Query(where, limit=limit))
    return [SessionPayment.model_validate(d) for d in page.items]


async def query_payments(
    store: DocumentStore,
    filters: tuple[Filter, ...],
    *,
    user_id: str | None = None,
    limit: int = 50,
    continuation: str | None = None,
) -> tuple[list[SessionPayment], str | None]:
    where = (Filter("type", "eq", "payment"), *filters)
    page = await store.query(
        C,
        Query(
            where, order_by="createdAt", descending=True, limit=limit, continuation=continuation, partition_key=user_id
        ),
    )
    return [SessionPayment.model_validate(d) for d in page.items], page.continuation
