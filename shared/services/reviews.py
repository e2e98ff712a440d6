"""Reviews by drivers: write one after a completed session, edit or delete it, read and list them.

"Completed session": stopped, with energy delivered, the caller's own, at this station. The review's id
is derived from the session (``rev_<sessionId>``): a second review of one session is the store's
conflict. Every write raises the review's ``version`` under its ETag and is then counted in the
station's rating (``shared.services.reviews_rating``). Deleting leaves a tombstone, so the version
keeps rising if the driver reviews that session again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, InvalidInput, NotFound, StaleVersion
from shared.domain.principal import PROVIDER_ROLES, Principal, Role, guard
from shared.domain.reviews import Review, ReviewCreate, ReviewUpdate, review_id_for
from shared.ports.store import DocumentConflict, PreconditionFailed
from shared.repositories import reviews as repo
from shared.repositories import sessions as session_repo
from shared.repositories.reviews import ReviewSort
from shared.services import stations
from shared.services.reviews_outbox import flush, notification, queued
from shared.services.reviews_rating import count_review
from shared.services.session_reviews import link_review

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "ATTEMPTS",
    "change_review",
    "delete_review",
    "edit_review",
    "list_station_reviews",
    "may_moderate",
    "post_review",
    "read_review",
]

ATTEMPTS = 8


def _missing() -> NotFound:
    return NotFound("No such review.", code="review_not_found")


def may_moderate(who: Principal | None, review: Review) -> bool:
    """The author, the station's provider and platform admins see a hidden review."""
    if who is None:
        return False
    member = who.provider_id == review.provider_id and who.has_any(PROVIDER_ROLES)
    return who.is_admin or member or who.user_id == review.user_id


async def change_review(
    deps: Deps, review_id: str, change: Callable[[Review], Review | None], *, if_match: str | None = None
) -> Review:
    """Apply ``change`` (None: nothing to do; it may raise) under the review's ETag, raising its version.

    With ``if_match`` the caller's copy must be current (412 otherwise); without, a concurrent write
    (a report, a reply) is re-read and the change applied again."""
    for _ in range(ATTEMPTS):
        review = await repo.find_review(deps.store, review_id)
        if review is None or review.status == "deleted":
            raise _missing()
        if if_match is not None and if_match != review.etag:
            raise StaleVersion("The review changed since you read it; reload.", code="stale_version")
        changed = change(review)
        if changed is None:
            return review
        changed = changed.model_copy(update={"version": review.version + 1, "updated_at": deps.clock.now()})
        try:
            return await repo.save_review(deps.store, changed)
        except PreconditionFailed:
            if if_match is not None:
                raise StaleVersion("The review changed since you read it; reload.", code="stale_version") from None
    raise Conflict("The review kept changing; retry.", code="review_busy")


def _posted(review: Review) -> Review:
    body = {
        "providerId": review.provider_id,
        "stationId": review.station_id,
        "stationName": review.station_name,
        "reviewId": review.id,
        "rating": review.rating,
        "text": review.text,
    }
    message = notification(
        "ReviewPosted", (review.id, review.version), body, tenant_id=review.provider_id, at=review.updated_at
    )
    return queued(review, message)


async def post_review(deps: Deps, who: Principal | None, station_id: str, cmd: ReviewCreate) -> Review:
    user = guard.role(who, Role.DRIVER)
    session = await session_repo.find_session(deps.store, cmd.session_id)
    if session is None or session.user_id != user.user_id:
        raise NotFound("No such charging session.", code="session_not_found")
    if session.station_id != station_id:
        raise InvalidInput("That session was not at this station.", code="session_not_at_station")
    if session.status != "stopped" or session.energy_wh <= 0:
        raise Conflict(
            "A station can be reviewed once a session there has completed (stopped, energy delivered).",
            code="session_not_completed",
        )
    now = deps.clock.now()
    review = Review(
        id=review_id_for(session.id),
        station_id=session.station_id,
        provider_id=session.provider_id,
        station_name=session.station_name,
        session_id=session.id,
        connector_key=session.connector_key,
        user_id=user.user_id,
        rating=cmd.rating,
        text=cmd.text,
        created_at=now,
        updated_at=now,
    )
    try:
        stored = await repo.create_review(deps.store, _posted(review))
    except DocumentConflict:
        stored = await _write_again(deps, review)
    await count_review(deps, stored)
    posted = await flush(deps, stored)
    await link_review(deps, stored)
    return posted


async def _write_again(deps: Deps, review: Review) -> Review:
    """A session whose review was deleted may be reviewed again: the tombstone becomes the new review."""
    existing = await repo.find_review(deps.store, review.id)
    if existing is None or existing.status != "deleted":
        if existing is not None:  # counting and linking are idempotent: a retry after a crash repairs them
            await count_review(deps, existing)
            await link_review(deps, existing)
        raise Conflict(
            "You reviewed this session already; edit that review instead.", code="review_exists", reviewId=review.id
        )
    again = review.model_copy(
        update={"version": existing.version + 1, "moderation": existing.moderation, "etag": existing.etag}
    )
    try:
        return await repo.save_review(deps.store, _posted(again))
    except PreconditionFailed as exc:
        raise Conflict("This review is being written right now; retry.", code="review_busy") from exc


async def _own(deps: Deps, who: Principal | None, review_id: str) -> Review:
    review = await repo.find_review(deps.store, review_id)
    if review is None or review.status == "deleted":
        raise _missing()
    guard.owner(who, review.user_id)
    return review


async def edit_review(
    deps: Deps, who: Principal | None, review_id: str, cmd: ReviewUpdate, *, if_match: str | None
) -> Review:
    await _own(deps, who, review_id)
    now = deps.clock.now()

    def edit(review: Review) -> Review | None:
        changes = {k: v for k, v in (("rating", cmd.rating), ("text", cmd.text)) if v is not None}
        if all(getattr(review, k) == v for k, v in changes.items()):
            return None
        return review.model_copy(update={**changes, "edited_at": now})

    stored = await change_review(deps, review_id, edit, if_match=if_match)
    await count_review(deps, stored)
    return stored


async def delete_review(deps: Deps, who: Principal | None, review_id: str, *, if_match: str | None) -> None:
    await _own(deps, who, review_id)
    tombstone = {"status": "deleted", "text": "", "reply": None}
    stored = await change_review(deps, review_id, lambda r: r.model_copy(update=tombstone), if_match=if_match)
    await count_review(deps, stored)
    await link_review(deps, stored)


async def read_review(deps: Deps, who: Principal | None, review_id: str) -> Review:
    review = await repo.find_review(deps.store, review_id)
    if review is None or review.status == "deleted":
        raise _missing()
    if review.status == "hidden" and not may_moderate(who, review):
        raise _missing()
    own = who is not None and who.user_id == review.user_id
    if not own and not may_moderate(who, review):
        try:  # a review is shown where its station is: not at a private or retired one
            await stations.read_station(review.station_id, who=who, deps=deps)
        except NotFound as exc:
            raise _missing() from exc
    return review


async def list_station_reviews(
    deps: Deps, who: Principal | None, station_id: str, *, sort: ReviewSort, limit: int, continuation: str | None
) -> tuple[list[Review], str | None]:
    """The visible reviews of a station its caller may see (``stations.read_station``'s rule)."""
    await stations.read_station(station_id, who=who, deps=deps)
    return await repo.station_reviews(deps.store, station_id, sort=sort, limit=limit, continuation=continuation)
