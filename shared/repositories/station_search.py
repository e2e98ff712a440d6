"""Station search candidates: what the map may show in an area, ranked by distance.

The store does the geo pre-filter (``Near`` or ``Within``) and every filter it
can (the caller's, plus what search may ever see: active, public, provider
active); this module reads the matching documents and ranks them. The store
cannot order by distance, so every candidate is read and sorted here: at most
``CANDIDATE_CAP`` of them, beyond which the search is refused as too broad
rather than answered from an arbitrary subset (which would drop near stations).
Ranking needs only ``RANK_FIELDS``, so callers may read the candidates as that
projection (``fields``) and then only the page's stations in full (``read_stations``).

Rank distance = distance - min(20 % of it, 1 km) while a station is featured
(``featuredFrom <= now < featuredUntil``): a bounded boost, so a promoted
station climbs a little, never across town. A station whose reliability score is
below the neutral one is demoted: rank distance + ``demotion_m`` (see
``shared.domain.reliability``), so one that says Available but fails sessions ranks
below an equally near one that works. Ties go by id, so the order is total
and a page cursor ``(rank, id)`` is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

from shared.domain.errors import InvalidInput
from shared.domain.geo import distance_m
from shared.domain.reliability import demotion_m
from shared.ports.store import Document, DocumentStore, Filter, Near, Query, Within

__all__ = ["CANDIDATE_CAP", "RANK_FIELDS", "Area", "Candidate", "find_candidates", "rank_distance", "read_stations"]

S = "stations"
# Bounds one search's work: a 10 km radius in a dense city holds a few hundred stations.
CANDIDATE_CAP = 5_000
BOOST_SHARE, BOOST_MAX_M = 0.2, 1_000.0
# What ranking reads (id comes with every projection): a candidate's projection holds at least these.
RANK_FIELDS = ("providerId", "location", "featuredFrom", "featuredUntil", "reliability.score")
_VISIBLE = (
    Filter("type", "eq", "station"),
    Filter("lifecycle", "eq", "active"),
    Filter("providerActive", "eq", True),
)


@dataclass(frozen=True)
class Area:
    """Where to search, and the point distances are measured from (a box's centre)."""

    origin: tuple[float, float]  # lon, lat
    near: Near | None = None
    within: Within | None = None

    @classmethod
    def around(cls, lon: float, lat: float, radius_m: float) -> Area:
        return cls((lon, lat), near=Near("location", lon, lat, radius_m))

    @classmethod
    def box(cls, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Area:
        centre = ((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
        return cls(centre, within=Within("location", min_lon, min_lat, max_lon, max_lat))


class Candidate(NamedTuple):  # a tuple: thousands are built per search
    rank_m: float
    id: str
    distance_m: float
    promoted: bool
    doc: Document

    @property
    def key(self) -> tuple[float, str]:
        return (self.rank_m, self.id)


def rank_distance(distance: float, promoted: bool) -> float:
    return distance - min(BOOST_SHARE * distance, BOOST_MAX_M) if promoted else distance


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _featured(doc: Document, now: datetime) -> bool:
    if doc.get("featuredFrom") is None:  # most stations: no dates to parse
        return False
    start, end = _instant(doc.get("featuredFrom")), _instant(doc.get("featuredUntil"))
    return start is not None and end is not None and start <= now < end


def _candidate(doc: Document, origin: tuple[float, float], now: datetime) -> Candidate:
    lon, lat = doc["location"]["coordinates"][:2]  # the store matched it as a point
    distance = distance_m(lon, lat, *origin)
    promoted = _featured(doc, now)
    reliability = doc.get("reliability")
    demoted = demotion_m(reliability.get("score"), distance) if isinstance(reliability, dict) else 0.0
    return Candidate(rank_distance(distance, promoted) + demoted, doc["id"], distance, promoted, doc)


def _order(c: Candidate) -> tuple[float, str, str]:
    return (c.rank_m, c.id, c.doc["providerId"])  # never compares documents, even if an id repeats


async def _read(store: DocumentStore, query: Query, cap: int, into: dict[tuple[str, str], Document]) -> None:
    continuation: str | None = None
    while True:
        page = await store.query(S, replace(query, continuation=continuation))
        into.update(((d["providerId"], d["id"]), d) for d in page.items)
        if len(into) > cap:
            raise InvalidInput(
                f"More than {cap} stations match this area and filters: zoom in or add filters.",
                code="search_too_broad",
            )
        continuation = page.continuation
        if continuation is None:
            return


async def find_candidates(
    store: DocumentStore,
    area: Area,
    filters: Sequence[Filter],
    *,
    now: datetime,
    member_of: str | None = None,
    cap: int | None = None,
    fields: Sequence[str] | None = None,
) -> list[Candidate]:
    """Every station in ``area`` matching ``filters`` that the caller may see, by (rank distance, id).

    Public stations for everyone; a provider's private ones too when the caller
    is one of its members (``member_of``), read from that provider's partition.
    Raises ``InvalidInput`` (``search_too_broad``) past ``cap`` (default ``CANDIDATE_CAP``) candidates.
    With ``fields``, each candidate's ``doc`` is the projection on ``RANK_FIELDS`` plus those.
    """
    cap = CANDIDATE_CAP if cap is None else cap
    projection = None if fields is None else tuple(dict.fromkeys((*RANK_FIELDS, *fields)))
    # One page of cap + 1 when the store allows: SQLite then answers in a single statement.
    # The caller's filters first: they are the selective ones, and SQLite tests terms in order.
    base = Query((*filters, *_VISIBLE), near=area.near, within=area.within, limit=cap + 1, fields=projection)
    docs: dict[tuple[str, str], Document] = {}
    await _read(store, replace(base, filters=(*base.filters, Filter("access", "eq", "public"))), cap, docs)
    if member_of is not None:
        private = (*base.filters, Filter("access", "eq", "private"), Filter("providerId", "eq", member_of))
        await _read(store, replace(base, filters=private, partition_key=member_of), cap, docs)
    return sorted((_candidate(doc, area.origin, now) for doc in docs.values()), key=_order)


async def read_stations(store: DocumentStore, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Document]:
    """The stations at these ``(providerId, id)`` keys, in full, by key; a missing one is left out.

    One query, ``id in [...]`` and ``providerId in [...]``, which SQLite answers from
    its primary key (no scan, no JSON test): faster there than one point read per
    station, each a round trip to the store's thread. The two lists may pair an id
    with a partition not asked for, so only the keys asked for are kept.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    ids, providers = sorted({k[1] for k in wanted}), sorted({k[0] for k in wanted})
    query = Query((Filter("id", "in", ids), Filter("providerId", "in", providers)), limit=len(wanted) + 1)
    found: dict[tuple[str, str], Document] = {}
    continuation: str | None = None
    while True:
        page = await store.query(S, replace(query, continuation=continuation))
        found.update(((d["providerId"], d["id"]), d) for d in page.items if (d["providerId"], d["id"]) in wanted)
        continuation = page.continuation
        if continuation is None:
            return found
