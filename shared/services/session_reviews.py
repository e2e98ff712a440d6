"""The session names its review: ``reviewId`` on the session document, set and cleared by the reviews service.

A driver's history shows whether each session has a review without a read per session. The link follows
the review's ``version`` (raised by every review write), like the station's rating does: the session
remembers the version it last applied, so a replay, or an older version arriving after a newer one, changes
nothing. A deleted review clears the link; a hidden one keeps it (its author still sees it).

Written after the review, with no transaction between them: if the link write fails, the review stands
and the request fails; posting the review again (409 ``review_exists``) writes the missing link. A crash
between a delete and its unlink leaves a link to a deleted review (reads 404) until that session is
reviewed again. Sessions reviewed before this link existed have none until their review is written again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.domain.messages import Message
from shared.domain.reviews import Review
from shared.domain.sessions import ChargingSession
from shared.services.sessions import change_session

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["link_review", "linked"]


def linked(session: ChargingSession, review: Review) -> ChargingSession | None:
    """The session pointing at this version of ``review`` (None: it is there already, or newer)."""
    if review.session_id != session.id or review.version <= session.review_version:
        return None
    review_id = None if review.status == "deleted" else review.id
    return session.model_copy(update={"review_id": review_id, "review_version": review.version})


async def link_review(deps: Deps, review: Review) -> ChargingSession | None:
    """Bring the review's session in step with ``review`` (None: no such session)."""

    def change(session: ChargingSession) -> tuple[ChargingSession, list[Message]] | None:
        changed = linked(session, review)
        return None if changed is None else (changed, [])

    return await change_session(deps, review.session_id, change)
