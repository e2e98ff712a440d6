"""Around a review: the provider's reply, reports, and the platform's moderation (hide, restore, the queue)."""

from __future__ import annotations

from functions.reviews import api
from shared.domain.principal import Role
from shared.domain.reviews import (
    ModeratedReview,
    ModerationReason,
    RatingView,
    ReplyCreate,
    ReportCreate,
    ReviewStatus,
    ReviewView,
)
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import reviews_moderation as moderation
from shared.services.reviews_rating import rebuild_rating
from shared.services.stations import own_station

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class ModerationQuery(ListQuery):
    reported: bool = True
    status: ReviewStatus | None = None


@api.route(
    "reviews/{reviewId}/reply",
    methods=["POST"],
    roles=PROVIDER_ROLES,
    body=ReplyCreate,
    response=ReviewView,
    status=201,
    errors=(403, 404, 409),
    summary="The station's provider replies to a review, once",
)
async def reply_to_review(call: Call) -> Reply:
    review = await moderation.reply_to_review(call.deps, call.principal, call.route["reviewId"], call.body)
    return Reply(ReviewView.of(review, call.user.user_id), headers={"ETag": review.etag or ""})


@api.route(
    "reviews/{reviewId}/reports",
    methods=["POST"],
    body=ReportCreate,
    status=202,
    errors=(404, 409, 422),
    summary="Report a review to the moderators (once per person)",
)
async def report_review(call: Call) -> Reply:
    await moderation.report_review(call.deps, call.principal, call.route["reviewId"], call.body)
    return Reply({"reported": True}, status=202)


@api.route(
    "platform/reviews/{reviewId}/hide",
    methods=["POST"],
    roles=(Role.ADMIN,),
    body=ModerationReason,
    response=ModeratedReview,
    errors=(403, 404),
    summary="Hide a review, with a reason: out of the listing and the rating",
)
async def hide_review(call: Call) -> ModeratedReview:
    review = await moderation.hide_review(call.deps, call.principal, call.route["reviewId"], call.body.reason)
    return ModeratedReview.of(review, call.user.user_id)


@api.route(
    "platform/reviews/{reviewId}/restore",
    methods=["POST"],
    roles=(Role.ADMIN,),
    body=ModerationReason,
    response=ModeratedReview,
    errors=(403, 404),
    summary="Restore a hidden review (or keep a reported one, dismissing its reports), with a reason",
)
async def restore_review(call: Call) -> ModeratedReview:
    review = await moderation.restore_review(call.deps, call.principal, call.route["reviewId"], call.body.reason)
    return ModeratedReview.of(review, call.user.user_id)


@api.route(
    "platform/reviews",
    roles=(Role.ADMIN,),
    query=ModerationQuery,
    response=Paged[ModeratedReview],
    errors=(403,),
    summary="The moderation queue: reviews with open reports, oldest report first",
)
async def list_reported_reviews(call: Call) -> Paged[ModeratedReview]:
    q: ModerationQuery = call.query
    found, token = await moderation.moderation_queue(
        call.deps, call.principal,
        reported=q.reported, status=q.status, limit=q.limit, continuation=q.continuation_token,
    )  # fmt: skip
    return Paged[ModeratedReview](
        items=[ModeratedReview.of(r, call.user.user_id) for r in found], continuation_token=token
    )


@api.route(
    "platform/stations/{stationId}/rating/rebuild",
    methods=["POST"],
    roles=(Role.ADMIN,),
    response=RatingView,
    errors=(403, 404),
    summary="Recompute a station's rating from its reviews",
)
async def rebuild_station_rating(call: Call) -> RatingView:
    station = await own_station(call.route["stationId"], call.principal, call.deps)
    return RatingView.of(await rebuild_rating(call.deps, station.provider_id, station.id))
