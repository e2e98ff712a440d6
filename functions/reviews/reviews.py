"""Reviews of stations by drivers, and the station's rating: parse, call ``shared.services.reviews``, respond."""

from __future__ import annotations

from typing import Literal

from functions.reviews import api
from shared.domain.principal import Role
from shared.domain.reviews import RatingView, Review, ReviewCreate, ReviewUpdate, ReviewView
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import reviews
from shared.services.reviews_rating import station_rating
from shared.services.stations import read_station


class ReviewListQuery(ListQuery):
    sort: Literal["newest", "highest", "lowest"] = "newest"


def _reply(call: Call, review: Review, status: int | None = None, **headers: str) -> Reply:
    viewer = None if call.principal is None else call.principal.user_id
    return Reply(ReviewView.of(review, viewer), status=status, headers={"ETag": review.etag or "", **headers})


@api.route(
    "stations/{stationId}/reviews",
    methods=["POST"],
    roles=(Role.DRIVER,),
    body=ReviewCreate,
    response=ReviewView,
    status=201,
    errors=(403, 404, 409, 422),
    summary="Review a station after a completed session there (one review per session)",
)
async def create_review(call: Call) -> Reply:
    review = await reviews.post_review(call.deps, call.principal, call.route["stationId"], call.body)
    return _reply(call, review, 201, Location=f"/api/reviews/{review.id}")


@api.route(
    "stations/{stationId}/reviews",
    auth=Auth.OPTIONAL,
    query=ReviewListQuery,
    response=Paged[ReviewView],
    errors=(404,),
    summary="A station's visible reviews: newest, highest or lowest first",
)
async def list_station_reviews(call: Call) -> Paged[ReviewView]:
    q: ReviewListQuery = call.query
    found, token = await reviews.list_station_reviews(
        call.deps, call.principal, call.route["stationId"],
        sort=q.sort, limit=q.limit, continuation=q.continuation_token,
    )  # fmt: skip
    viewer = None if call.principal is None else call.principal.user_id
    return Paged[ReviewView](items=[ReviewView.of(r, viewer) for r in found], continuation_token=token)


@api.route(
    "reviews/{reviewId}",
    auth=Auth.OPTIONAL,
    response=ReviewView,
    errors=(404,),
    summary="A review (a hidden one: its author, the station's provider and admins only)",
)
async def get_review(call: Call) -> Reply:
    return _reply(call, await reviews.read_review(call.deps, call.principal, call.route["reviewId"]))


@api.route(
    "reviews/{reviewId}",
    methods=["PATCH"],
    body=ReviewUpdate,
    response=ReviewView,
    errors=(404, 412, 422),
    summary="Edit your review's rating or text (If-Match honoured)",
)
async def update_review(call: Call) -> Reply:
    review = await reviews.edit_review(
        call.deps, call.principal, call.route["reviewId"], call.body, if_match=call.if_match
    )
    return _reply(call, review)


@api.route(
    "reviews/{reviewId}",
    methods=["DELETE"],
    status=204,
    errors=(404, 412),
    summary="Delete your review (If-Match honoured); it leaves the rating",
)
async def delete_review(call: Call) -> None:
    await reviews.delete_review(call.deps, call.principal, call.route["reviewId"], if_match=call.if_match)


@api.route(
    "stations/{stationId}/rating",
    auth=Auth.OPTIONAL,
    response=RatingView,
    errors=(404,),
    summary="A station's rating: average, count and reviews per star",
)
async def get_station_rating(call: Call) -> RatingView:
    station = await read_station(call.route["stationId"], who=call.principal, deps=call.deps)
    return RatingView.of(await station_rating(call.deps, station.id))
