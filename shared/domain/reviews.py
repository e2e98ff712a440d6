"""Station reviews and the station's rating document; the plain-text rule for whatever people write.

Both live in the ``reviews`` container (partition ``/stationId``):

- ``Review`` ``rev_<sessionId>``: the id is derived from the session, so there is one review per
  session for free (the store's conflict on create) and the station is read back from the id.
- ``StationRating`` ``rating:<stationId>``: count, total and distribution, kept incrementally. It
  remembers the version of every review it has counted (``counted``), so applying a review version
  twice, or an older one after a newer, changes nothing: updates are idempotent and order-free.

Problem reports share the container: ``shared.domain.problem_reports``.

Text from people is plain text: trimmed, length-limited, control characters refused, never HTML;
whoever renders it escapes it.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from shared.domain.model import ApiModel, InputModel
from shared.domain.sessions import sortable_time, station_of_session

__all__ = [
    "MAX_TEXT",
    "Outbox",
    "ModeratedReview",
    "ModerationEntry",
    "PlainText",
    "RatingView",
    "ReplyCreate",
    "ReportCreate",
    "Review",
    "ReviewCreate",
    "ReviewReply",
    "ReviewStatus",
    "ReviewUpdate",
    "ReviewView",
    "ModerationReason",
    "StationRating",
    "plain_text",
    "rating_id",
    "review_id_for",
    "station_of_review",
]

MAX_TEXT = 2000
# Bidirectional overrides reorder what a reader sees ("Trojan Source"); lone surrogates cannot be stored.
_INVISIBLE_ORDER = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def plain_text(value: str) -> str:
    text = value.replace("\r\n", "\n").strip()
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\n\t") or category == "Cs" or char in _INVISIBLE_ORDER:
            raise ValueError(f"text may not contain control characters (U+{ord(char):04X})")
    return text


PlainText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(plain_text)]
Stars = Annotated[int, Field(ge=1, le=5, strict=True, description="1 to 5 stars, a JSON integer")]
ReviewStatus = Literal["visible", "hidden", "deleted"]


def review_id_for(session_id: str) -> str:
    return f"rev_{session_id}"


def station_of_review(review_id: str) -> str | None:
    return station_of_session(review_id.removeprefix("rev_")) if review_id.startswith("rev_") else None


def rating_id(station_id: str) -> str:
    return f"rating:{station_id}"


# ---- requests ----------------------------------------------------------------------------------


class ReviewCreate(InputModel):
    session_id: str = Field(min_length=1, max_length=100, description="a stopped session of yours at this station")
    rating: Stars
    text: PlainText = ""


class ReviewUpdate(InputModel):
    rating: Stars | None = None
    text: PlainText | None = None

    @model_validator(mode="after")
    def _something(self) -> ReviewUpdate:
        if self.rating is None and self.text is None:
            raise ValueError("give rating or text")
        return self


class ReplyCreate(InputModel):
    text: PlainText = Field(min_length=1)


class ReportCreate(InputModel):
    reason: PlainText = ""


class ModerationReason(InputModel):
    reason: PlainText = Field(min_length=1)


# ---- documents ---------------------------------------------------------------------------------


class ReviewReply(ApiModel):
    text: str
    by: str = Field(description="user id of the provider's member who replied")
    at: datetime


class ModerationEntry(ApiModel):
    action: Literal["hide", "restore"]
    reason: str
    by: str
    at: datetime


class Outbox(ApiModel):
    """Notifications written with the change that causes them, published after it (DESIGN section 5)."""

    pending_messages: list[dict[str, Any]] = Field(default_factory=list)
    has_pending_messages: bool = False
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class Review(Outbox):
    id: str
    type: Literal["review"] = "review"
    station_id: str
    provider_id: str
    station_name: str
    session_id: str
    connector_key: str
    user_id: str
    rating: Stars
    text: str = ""
    status: ReviewStatus = "visible"
    version: int = Field(default=1, description="raised by every change; the rating counts each version once")
    reply: ReviewReply | None = None
    report_count: int = 0
    open_reports: bool = False  # reported since the last moderation: in the moderators' queue
    last_reported_at: datetime | None = None
    reported_key: str | None = None  # last_reported_at, sortable as text: the queue's order
    moderation: list[ModerationEntry] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None = None
    # one ORDER BY per query: newest; highest (then newest); lowest (then newest)
    newest_key: str = ""
    high_key: str = ""
    low_key: str = ""
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @property
    def counted_stars(self) -> int:
        """What this version adds to the rating: its stars while visible, nothing hidden or deleted."""
        return self.rating if self.status == "visible" else 0

    def with_keys(self) -> Review:
        at = sortable_time(self.created_at)
        return self.model_copy(
            update={"newest_key": at, "high_key": f"{self.rating}|{at}", "low_key": f"{6 - self.rating}|{at}"}
        )


class StationRating(ApiModel):
    id: str
    type: Literal["rating"] = "rating"
    station_id: str
    count: int = 0
    total: int = 0
    distribution: dict[str, int] = Field(default_factory=lambda: {str(n): 0 for n in range(1, 6)})
    # review id -> [version counted, stars counted (0: not counted)]
    counted: dict[str, list[int]] = Field(default_factory=dict)
    revision: int = 0
    updated_at: datetime | None = None
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @property
    def average(self) -> float | None:
        return None if self.count == 0 else round(self.total / self.count, 2)

    def applied(self, review_id: str, version: int, stars: int, at: datetime) -> StationRating | None:
        """This rating with ``review_id`` counted at ``version``; None if that version (or a later) is in."""
        before = self.counted.get(review_id)
        if before is not None and before[0] >= version:
            return None
        distribution = dict(self.distribution)
        count, total = self.count, self.total
        old = 0 if before is None else before[1]
        if old:
            count, total = count - 1, total - old
            distribution[str(old)] -= 1
        if stars:
            count, total = count + 1, total + stars
            distribution[str(stars)] = distribution.get(str(stars), 0) + 1
        counted = {**self.counted, review_id: [version, stars]}
        return self.model_copy(
            update={
                "count": count,
                "total": total,
                "distribution": distribution,
                "counted": counted,
                "revision": self.revision + 1,
                "updated_at": at,
            }
        )


class RatingView(ApiModel):
    station_id: str
    average: float | None
    count: int
    distribution: dict[str, int] = Field(description="reviews per star, '1' to '5'")

    @classmethod
    def of(cls, rating: StationRating) -> RatingView:
        return cls(
            station_id=rating.station_id,
            average=rating.average,
            count=rating.count,
            distribution=rating.distribution,
        )


# ---- what the API shows ------------------------------------------------------------------------


class ReviewView(ApiModel):
    """A review as anyone sees it: no author id (``mine`` tells the author), nothing internal."""

    id: str
    station_id: str
    rating: int
    text: str = Field(description="plain text: escape it when rendering, never interpret it as HTML")
    status: ReviewStatus
    reply: ReviewReply | None
    mine: bool = False
    created_at: datetime
    updated_at: datetime
    edited_at: datetime | None

    @classmethod
    def of(cls, review: Review, viewer: str | None) -> ReviewView:
        return cls(
            id=review.id,
            station_id=review.station_id,
            rating=review.rating,
            text=review.text,
            status=review.status,
            reply=review.reply,
            mine=viewer == review.user_id,
            created_at=review.created_at,
            updated_at=review.updated_at,
            edited_at=review.edited_at,
        )


class ModeratedReview(ReviewView):
    """A review as moderators see it: who wrote it, its reports and its moderation history."""

    user_id: str
    session_id: str
    provider_id: str
    report_count: int
    open_reports: bool
    last_reported_at: datetime | None
    moderation: list[ModerationEntry]

    @classmethod
    def of(cls, review: Review, viewer: str | None) -> ModeratedReview:
        base = ReviewView.of(review, viewer).model_dump()
        fields = ("user_id", "session_id", "provider_id", "report_count", "open_reports", "last_reported_at")
        return cls(**base, **{f: getattr(review, f) for f in fields}, moderation=review.moderation)
