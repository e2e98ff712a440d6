"""The station's rating: a document counted incrementally from reviews, and the station's figures in step.

``count_review`` applies one review version to ``rating:<stationId>`` under its ETag. The document
remembers the version it counted for each review, so a replay (a retried request, a concurrent writer
applying the same version) or an older version arriving late changes nothing; a hidden or deleted review
counts 0 stars, so it leaves the rating. ``rebuild_rating`` recomputes the document from the station's
reviews (after a crash between a review write and its count, or to check it).

The station document carries ``ratingAverage``/``ratingCount`` for search (filters and ranking in the
store). ``sync_station`` reads the station, then the rating, and writes under the station's ETag, always:
so whatever it stores is at least as new as what any concurrent sync stored before it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict, NotFound
from shared.domain.reviews import Review, StationRating, rating_id
from shared.domain.stations import Station
from shared.ports.store import DocumentConflict, PreconditionFailed
from shared.repositories import reviews as repo
from shared.repositories.stations import change_station

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["ATTEMPTS", "count_review", "rebuild_rating", "station_rating", "sync_station"]

log = logging.getLogger(__name__)
ATTEMPTS = 30  # ETag rounds: reviews of one station rarely race, but a burst must not fail


def _empty(station_id: str) -> StationRating:
    return StationRating(id=rating_id(station_id), station_id=station_id)


async def station_rating(deps: Deps, station_id: str) -> StationRating:
    return await repo.read_rating(deps.store, station_id) or _empty(station_id)


async def count_review(deps: Deps, review: Review) -> StationRating:
    """Count ``review`` (this version) in its station's rating, then bring the station's figures in step."""
    rating: StationRating | None = None
    for _ in range(ATTEMPTS):
        current = await station_rating(deps, review.station_id)
        changed = current.applied(review.id, review.version, review.counted_stars, deps.clock.now())
        if changed is None:
            rating = current
            break
        try:
            rating = await repo.save_rating(deps.store, changed)
            break
        except (PreconditionFailed, DocumentConflict):
            continue
    if rating is None:
        raise Conflict("The station's rating kept changing; retry.", code="rating_busy")
    await sync_station(deps, review.provider_id, review.station_id)
    return rating


async def sync_station(deps: Deps, provider_id: str, station_id: str) -> Station | None:
    """Copy the rating's average and count onto the station (None: no such station any more)."""

    async def change(station: Station) -> Station:
        rating = await station_rating(deps, station_id)
        return station.model_copy(update={"rating_average": rating.average, "rating_count": rating.count})

    try:
        return await change_station(deps.store, provider_id, station_id, change, attempts=ATTEMPTS)
    except NotFound:
        return None
    except Conflict:  # the rating document is right; the next review's sync or a rebuild copies it
        log.warning("station %s kept changing; its rating figures are left for the next sync", station_id)
        return None


async def _all_reviews(deps: Deps, station_id: str) -> list[Review]:
    found: list[Review] = []
    token: str | None = None
    for _ in range(1000):  # bounded: 1000 pages of 200
        page, token = await repo.station_reviews(deps.store, station_id, status=None, limit=200, continuation=token)
        found.extend(page)
        if token is None:
            break
    return found


async def rebuild_rating(deps: Deps, provider_id: str, station_id: str) -> StationRating:
    """Recompute the rating document from the station's reviews, under its ETag (retried), then the station.

    Read before the reviews, the document's ETag makes a count applied meanwhile force another round."""
    for _ in range(ATTEMPTS):
        current = await repo.read_rating(deps.store, station_id)
        now = deps.clock.now()
        fresh = _empty(station_id)
        for review in await _all_reviews(deps, station_id):
            fresh = fresh.applied(review.id, review.version, review.counted_stars, now) or fresh
        revision = 1 if current is None else current.revision + 1
        fresh = fresh.model_copy(
            update={"revision": revision, "updated_at": now, "etag": None if current is None else current.etag}
        )
        try:
            rating = await repo.save_rating(deps.store, fresh)
        except (PreconditionFailed, DocumentConflict):
            continue
        await sync_station(deps, provider_id, station_id)
        return rating
    raise Conflict("The station's rating kept changing; retry.", code="rating_busy")
