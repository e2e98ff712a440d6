"""Reviews, their reports, the rating documents and problem reports in ``reviews`` (partition ``/stationId``).

Reviews and problems are point reads from their ids alone (the station is inside the id). Every query
names the document ``type`` and, for a station's documents, ``stationId`` in WHERE as well as the
partition (the Cosmos stand-in ignores ``partition_key`` in queries, DESIGN section 10).
"""

from __future__ import annotations

from typing import Any, Literal

from shared.domain.problem_reports import ProblemReport, station_of_problem
from shared.domain.reviews import Review, ReviewStatus, StationRating, rating_id, station_of_review
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = [
    "ReviewSort",
    "add_report",
    "create_problem",
    "create_review",
    "find_problem",
    "find_review",
    "moderation_queue",
    "open_problems",
    "pending_outbox",
    "provider_problems",
    "read_rating",
    "save_problem",
    "save_rating",
    "save_review",
    "station_reviews",
]

C = "reviews"
ReviewSort = Literal["newest", "highest", "lowest"]
_SORT_KEYS: dict[str, str] = {"newest": "newestKey", "highest": "highKey", "lowest": "lowKey"}


def _doc(model: Review | ProblemReport | StationRating) -> dict[str, Any]:
    return model.model_dump(mode="json")


# ---- reviews -----------------------------------------------------------------------------------


async def find_review(store: DocumentStore, review_id: str) -> Review | None:
    station_id = station_of_review(review_id)
    if station_id is None:
        return None
    try:
        doc = await store.read(C, review_id, station_id)
    except DocumentNotFound:
        return None
    return Review.model_validate(doc) if doc.get("type") == "review" else None


async def create_review(store: DocumentStore, review: Review) -> Review:
    """Create; a review of this session already there raises the store's DocumentConflict."""
    return Review.model_validate(await store.create(C, _doc(review.with_keys())))


async def save_review(store: DocumentStore, review: Review) -> Review:
    """Replace under the review's ETag; a concurrent writer raises PreconditionFailed."""
    return Review.model_validate(await store.replace(C, _doc(review.with_keys()), etag=review.etag))


async def station_reviews(
    store: DocumentStore,
    station_id: str,
    *,
    sort: ReviewSort = "newest",
    status: ReviewStatus | None = "visible",
    limit: int = 20,
    continuation: str | None = None,
) -> tuple[list[Review], str | None]:
    filters = [Filter("type", "eq", "review"), Filter("stationId", "eq", station_id)]
    if status is not None:
        filters.append(Filter("status", "eq", status))
    query = Query(
        tuple(filters),
        order_by=_SORT_KEYS[sort],
        descending=True,
        limit=limit,
        continuation=continuation,
        partition_key=station_id,
    )
    page = await store.query(C, query)
    return [Review.model_validate(d) for d in page.items], page.continuation


async def moderation_queue(
    store: DocumentStore, *, reported: bool, status: ReviewStatus | None, limit: int, continuation: str | None
) -> tuple[list[Review], str | None]:
    """Across stations: reviews with open reports (oldest report first), or all by the filters."""
    filters = [Filter("type", "eq", "review")]
    if reported:
        filters.append(Filter("openReports", "eq", True))
    if status is not None:
        filters.append(Filter("status", "eq", status))
    order = "reportedKey" if reported else "newestKey"
    query = Query(tuple(filters), order_by=order, descending=not reported, limit=limit, continuation=continuation)
    page = await store.query(C, query)
    return [Review.model_validate(d) for d in page.items], page.continuation


async def add_report(store: DocumentStore, review: Review, user_id: str, reason: str, at: str) -> bool:
    """Record ``user_id``'s report of ``review``: False if that user had reported it already."""
    doc = {
        "id": f"report:{review.id}:{user_id}",
        "type": "review_report",
        "stationId": review.station_id,
        "reviewId": review.id,
        "userId": user_id,
        "reason": reason,
        "at": at,
    }
    try:
        await store.create(C, doc)
    except DocumentConflict:
        return False
    return True


# ---- the rating document -----------------------------------------------------------------------


async def read_rating(store: DocumentStore, station_id: str) -> StationRating | None:
    try:
        return StationRating.model_validate(await store.read(C, rating_id(station_id), station_id))
    except DocumentNotFound:
        return None


async def save_rating(store: DocumentStore, rating: StationRating) -> StationRating:
    """Create (no ETag yet: a concurrent creator wins, DocumentConflict) or replace under the ETag."""
    if rating.etag is None:
        return StationRating.model_validate(await store.create(C, _doc(rating)))
    return StationRating.model_validate(await store.replace(C, _doc(rating), etag=rating.etag))


# ---- problem reports ---------------------------------------------------------------------------


async def find_problem(store: DocumentStore, problem_id: str) -> ProblemReport | None:
    station_id = station_of_problem(problem_id)
    if station_id is None:
        return None
    try:
        doc = await store.read(C, problem_id, station_id)
    except DocumentNotFound:
        return None
    return ProblemReport.model_validate(doc) if doc.get("type") == "problem" else None


async def create_problem(store: DocumentStore, problem: ProblemReport) -> ProblemReport:
    return ProblemReport.model_validate(await store.create(C, _doc(problem)))


async def save_problem(store: DocumentStore, problem: ProblemReport) -> ProblemReport:
    return ProblemReport.model_validate(await store.replace(C, _doc(problem), etag=problem.etag))


async def open_problems(store: DocumentStore, station_id: str) -> list[ProblemReport]:
    """The station's open problems (few: resolving or a good session closes them)."""
    filters = (Filter("type", "eq", "problem"), Filter("stationId", "eq", station_id), Filter("status", "eq", "open"))
    found: list[ProblemReport] = []
    continuation: str | None = None
    for _ in range(100):  # bounded: 100 pages of 100
        page = await store.query(
            C, Query(filters, order_by="createdKey", limit=100, continuation=continuation, partition_key=station_id)
        )
        found.extend(ProblemReport.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None:
            break
    return found


async def provider_problems(
    store: DocumentStore,
    provider_id: str,
    *,
    status: Literal["open", "resolved"] | None,
    station_id: str | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[ProblemReport], str | None]:
    filters = [Filter("type", "eq", "problem"), Filter("providerId", "eq", provider_id)]
    if status is not None:
        filters.append(Filter("status", "eq", status))
    if station_id is not None:
        filters.append(Filter("stationId", "eq", station_id))
    query = Query(
        tuple(filters),
        order_by="createdKey",
        descending=True,
        limit=limit,
        continuation=continuation,
        partition_key=station_id,
    )
    page = await store.query(C, query)
    return [ProblemReport.model_validate(d) for d in page.items], page.continuation


# ---- outbox ------------------------------------------------------------------------------------


async def pending_outbox(store: DocumentStore, limit: int = 100) -> list[dict[str, Any]]:
    """Reviews and problems whose notifications were stored but not yet published (a crash, a bus outage)."""
    page = await store.query(C, Query((Filter("hasPendingMessages", "eq", True),), limit=limit))
    return page.items
