"""Around a review: the provider's one reply, reports by anyone signed in, and admins hiding or restoring it.

A report is its own document (``report:<reviewId>:<userId>``), so "once per user" is the store's
conflict; the review's ``reportCount`` is then recounted from those documents (a retry after a crash in
between repairs it) and ``openReports`` puts the review in the moderators' queue until an admin hides
or restores it. A hidden review counts 0 stars: it leaves the rating, and comes back when restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.principal import Principal, Role, guard
from shared.domain.reviews import ModerationEntry, ReplyCreate, ReportCreate, Review, ReviewReply, ReviewStatus
from shared.domain.sessions import sortable_time
from shared.ports.store import Filter, Query
from shared.repositories import reviews as repo
from shared.services.reviews import change_review, read_review
from shared.services.reviews_outbox import flush, notification, queued
from shared.services.reviews_rating import count_review

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["hide_review", "moderation_queue", "reply_to_review", "report_review", "restore_review"]


async def reply_to_review(deps: Deps, who: Principal | None, review_id: str, cmd: ReplyCreate) -> Review:
    """The station's provider (admin or staff) replies once; another provider gets 404, a second reply 409."""
    review = await read_review(deps, who, review_id)
    member = guard.tenant(who, review.provider_id)
    now = deps.clock.now()

    def reply(r: Review) -> Review:
        if r.reply is not None:
            raise Conflict("This review has a reply already.", code="already_replied")
        body = {"userId": r.user_id, "stationId": r.station_id, "stationName": r.station_name, "reviewId": r.id}
        message = notification("ReviewReplied", (r.id,), {**body, "text": cmd.text}, tenant_id=r.provider_id, at=now)
        return queued(r.model_copy(update={"reply": ReviewReply(text=cmd.text, by=member.user_id, at=now)}), message)

    return await flush(deps, await change_review(deps, review_id, reply))


async def _report_count(deps: Deps, review: Review) -> int:
    filters = (
        Filter("type", "eq", "review_report"),
        Filter("reviewId", "eq", review.id),
        Filter("stationId", "eq", review.station_id),
    )
    count, token = 0, None
    for _ in range(100):  # bounded: 100 pages of 200
        page = await deps.store.query(
            repo.C, Query(filters, fields=("id",), limit=200, continuation=token, partition_key=review.station_id)
        )
        count += len(page.items)
        token = page.continuation
        if token is None:
            break
    return count


async def report_review(deps: Deps, who: Principal | None, review_id: str, cmd: ReportCreate) -> Review:
    """Anyone signed in reports a review they can see, once (409 ``already_reported`` after that)."""
    user = guard.signed_in(who)
    review = await read_review(deps, who, review_id)
    if review.user_id == user.user_id:
        raise InvalidInput("You cannot report your own review.", code="own_review")
    now = deps.clock.now()
    added = await repo.add_report(deps.store, review, user.user_id, cmd.reason, now.isoformat())
    count = await _report_count(deps, review)

    def recount(r: Review) -> Review | None:
        if r.report_count >= count:
            return None
        return r.model_copy(
            update={
                "report_count": count,
                "open_reports": True,
                "last_reported_at": now,
                "reported_key": sortable_time(now),
            }
        )

    stored = await change_review(deps, review_id, recount)
    if not added:
        raise Conflict("You reported this review already.", code="already_reported")
    return stored


async def _moderate(deps: Deps, who: Principal | None, review_id: str, to: ReviewStatus, reason: str) -> Review:
    admin = guard.role(who, Role.ADMIN)
    now = deps.clock.now()
    action = "hide" if to == "hidden" else "restore"

    def moderate(r: Review) -> Review | None:
        if r.status == to and not r.open_reports:
            return None  # done already: a repeated request changes nothing
        entry = ModerationEntry(action=action, reason=reason, by=admin.user_id, at=now)
        changed = r.model_copy(update={"status": to, "open_reports": False, "moderation": [*r.moderation, entry][-20:]})
        if to == "hidden" and r.status != "hidden":
            body = {"userId": r.user_id, "stationId": r.station_id, "stationName": r.station_name, "reviewId": r.id}
            message = notification(
                "ReviewHidden", (r.id, r.version), {**body, "reason": reason}, tenant_id=r.provider_id, at=now
            )
            changed = queued(changed, message)
        return changed

    stored = await change_review(deps, review_id, moderate)
    await count_review(deps, stored)
    return await flush(deps, stored)


async def hide_review(deps: Deps, who: Principal | None, review_id: str, reason: str) -> Review:
    """Hidden: out of the listing and the rating, its reports dealt with; the author is told why."""
    return await _moderate(deps, who, review_id, "hidden", reason)


async def restore_review(deps: Deps, who: Principal | None, review_id: str, reason: str) -> Review:
    """Visible again (and counted); on a visible review with open reports: kept, the reports dismissed."""
    return await _moderate(deps, who, review_id, "visible", reason)


async def moderation_queue(
    deps: Deps,
    who: Principal | None,
    *,
    reported: bool,
    status: ReviewStatus | None,
    limit: int,
    continuation: str | None,
) -> tuple[list[Review], str | None]:
    guard.role(who, Role.ADMIN)
    return await repo.moderation_queue(
        deps.store, reported=reported, status=status, limit=limit, continuation=continuation
    )
