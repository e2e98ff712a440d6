"""Map search: the stations in an area that match the filters, nearest first, a page at a time.

Filters the store can evaluate go into its query (one standard, minimum power,
price, rating, reliability, provider); the rest run here on the ranked candidates, walked
lazily from the cursor until the page is full: several standards, the text, a
connector that has both the standard and the power asked for, and
``availableNow`` (such a connector whose effective status is ``Available``:
``Unknown`` never counts).

Candidates are ranked on a projection (``RANK_FIELDS``, plus the name and
address when there is a text to look for, so that most misses are dropped
before any full read); only the stations the page walks past are then read in
full, a batch at a time, and validated and matched exactly as before. So the
results are those of ranking and filtering whole documents, at the cost of one
more store round trip (rarely more) for a page.

The continuation token is the last result's ``(rank distance, id)`` and a
fingerprint of the search, so a page starts exactly after the previous one (no
duplicates, no gaps, even if stations appear or change status in between) and
a token from another search is refused (400 ``invalid_continuation_token``).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, ValidationError

from shared.domain.availability import effective_status
from shared.domain.errors import MalformedRequest
from shared.domain.geo import GeoPoint
from shared.domain.model import ApiModel
from shared.domain.reliability import ReliabilityView
from shared.domain.stations import Address, ConnectorStandard, ConnectorStatus, PriceSummary, Station
from shared.ports.store import Document, DocumentStore, Filter
from shared.repositories.station_search import Area, Candidate, find_candidates, read_stations

__all__ = ["Availability", "RatingSummary", "SearchStations", "StationSearchResult", "search_stations"]

log = logging.getLogger("wattsup.search")


@dataclass(frozen=True)
class SearchStations:
    area: Area
    standards: frozenset[ConnectorStandard] = frozenset()
    min_power_kw: float | None = None
    available_now: bool = False
    max_price_per_kwh: float | None = None
    min_rating: float | None = None
    min_reliability: int | None = None
    provider_id: str | None = None
    text: str | None = None
    limit: int = 20
    continuation_token: str | None = None

    def fingerprint(self) -> str:
        """What decides the results and their order (not the page size): a token belongs to one search."""
        a, text = self.area, (self.text or "").casefold()
        parts: tuple[object, ...] = (a.origin, a.near, a.within, sorted(self.standards), self.min_power_kw)
        parts += (self.available_now, self.max_price_per_kwh, self.min_rating, self.provider_id, text)
        if self.min_reliability is not None:  # absent, the fingerprints of older tokens stay valid
            parts += (self.min_reliability,)
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


class Availability(ApiModel):
    available: int = Field(description="connectors whose effective status is Available now")
    total: int
    suspect: int = Field(0, description="connectors a driver reported a problem with, not resolved yet")


class RatingSummary(ApiModel):
    average: float | None
    count: int


class StationSearchResult(ApiModel):
    id: str
    name: str
    address: Address
    location: GeoPoint
    distance_m: int = Field(description="metres from the search point (a bbox's centre), rounded")
    provider_id: str
    provider_name: str
    promoted: bool = Field(description="featured now: ranked as if up to 20 % (at most 1 km) nearer")
    availability: dict[ConnectorStandard, Availability]
    max_power_kw: float
    price_summary: PriceSummary | None
    rating: RatingSummary
    reliability: ReliabilityView | None = Field(description="null until the station has been scored")


def _store_filters(cmd: SearchStations) -> list[Filter]:
    filters = []
    if cmd.provider_id is not None:
        filters.append(Filter("providerId", "eq", cmd.provider_id))
    if cmd.min_power_kw is not None:
        filters.append(Filter("maxPowerKw", "ge", cmd.min_power_kw))
    if cmd.max_price_per_kwh is not None:
        filters.append(Filter("energyPricePerKwh", "le", cmd.max_price_per_kwh))
    if cmd.min_rating is not None:
        filters.append(Filter("ratingAverage", "ge", cmd.min_rating))
    if cmd.min_reliability is not None:  # an unscored station (no score) does not match, as with the rating
        filters.append(Filter("reliability.score", "ge", cmd.min_reliability))
    if len(cmd.standards) == 1:  # the store has no "contains any of": several are checked here
        filters.append(Filter("standards", "contains", str(next(iter(cmd.standards)))))
    return filters


def _matches(cmd: SearchStations, station: Station, now: datetime) -> bool:
    if cmd.text is not None:
        needle = cmd.text.casefold()
        if not any(needle in s.casefold() for s in (station.name, station.address.street, station.address.city)):
            return False
    if not (cmd.standards or cmd.min_power_kw is not None or cmd.available_now):
        return True
    return any(
        (not cmd.standards or c.standard in cmd.standards)
        and (cmd.min_power_kw is None or c.max_power_kw >= cmd.min_power_kw)
        and (not cmd.available_now or effective_status(station, c, now) is ConnectorStatus.AVAILABLE)
        for c in station.connectors
    )


_TEXT_FIELDS = ("name", "address.street", "address.city")


def _may_match_text(needle: str, doc: Document) -> bool:
    """False only when the projected name and address surely miss ``needle`` (``_matches`` decides)."""
    address = doc.get("address")
    texts = [doc.get("name"), *(address.get(k) for k in ("street", "city"))] if isinstance(address, dict) else []
    if len(texts) != 3 or not all(isinstance(t, str) for t in texts):
        return True  # unusual: let validation and _matches rule on the whole document
    return any(needle in str(t).casefold() for t in texts)


def _visible(station: Station, member_of: str | None) -> bool:
    """What the store query asked for, again on the whole document: it may have changed since."""
    if station.lifecycle != "active" or not station.provider_active:
        return False
    return station.access == "public" or station.provider_id == member_of


def _result(candidate: Candidate, station: Station, now: datetime) -> StationSearchResult:
    availability: dict[ConnectorStandard, Availability] = {}
    for c in station.connectors:
        slot = availability.setdefault(c.standard, Availability(available=0, total=0))
        slot.total += 1
        slot.suspect += c.suspect
        slot.available += effective_status(station, c, now) is ConnectorStatus.AVAILABLE
    return StationSearchResult(
        id=station.id,
        name=station.name,
        address=station.address,
        location=station.location,
        distance_m=round(candidate.distance_m),
        provider_id=station.provider_id,
        provider_name=station.provider_name,
        promoted=candidate.promoted,
        availability=availability,
        max_power_kw=station.max_power_kw,
        price_summary=station.price_summary,
        rating=RatingSummary(average=station.rating_average, count=station.rating_count),
        reliability=None if station.reliability is None else ReliabilityView.of(station.reliability, now),
    )


def _token(key: tuple[float, str], fingerprint: str) -> str:
    raw = json.dumps({"r": key[0], "i": key[1], "q": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(token: str, fingerprint: str) -> tuple[float, str]:
    refused = MalformedRequest("The continuation token is not from this search.", code="invalid_continuation_token")
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        key = (float(data["r"]), str(data["i"]))
        same = data["q"] == fingerprint
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise refused from exc
    if not same:
        raise refused
    return key


async def search_stations(
    cmd: SearchStations, *, store: DocumentStore, now: datetime, member_of: str | None = None
) -> tuple[list[StationSearchResult], str | None]:
    """One page of results and the token for the next (None on the last page)."""
    fingerprint = cmd.fingerprint()
    after = None if cmd.continuation_token is None else _after(cmd.continuation_token, fingerprint)
    fields = _TEXT_FIELDS if cmd.text is not None else ()
    filters = _store_filters(cmd)
    candidates = await find_candidates(store, cmd.area, filters, now=now, member_of=member_of, fields=fields)
    start = 0 if after is None else bisect.bisect_right([c.key for c in candidates], after)
    walk: Iterator[Candidate] = iter(candidates[start:])
    if cmd.text is not None:
        needle = cmd.text.casefold()
        walk = (c for c in walk if _may_match_text(needle, c.doc))
    page: list[StationSearchResult] = []
    last: Candidate | None = None
    seen = kept = 0
    while True:
        # Read in full only as many as should fill the page (and show whether one more follows),
        # scaled by the share kept so far; one batch is the rule, a second one is rare.
        needed = cmd.limit + 1 - len(page)
        size = needed if seen == 0 else math.ceil(needed * seen / max(kept, 1)) + 1
        batch = [c for _, c in zip(range(size), walk, strict=False)]
        if not batch:
            return page, None
        docs = await read_stations(store, [(c.doc["providerId"], c.id) for c in batch])
        for candidate in batch:
            seen += 1
            doc = docs.get((candidate.doc["providerId"], candidate.id))
            if doc is None:  # deleted since the candidates were read
                continue
            try:
                station = Station.model_validate(doc)
            except ValidationError:  # one malformed document must not break the map around it
                log.warning("station %s does not validate; left out of search", candidate.id)
                continue
            if not _visible(station, member_of) or not _matches(cmd, station, now):
                continue
            kept += 1
            if len(page) == cmd.limit:
                assert last is not None
                return page, _token(last.key, fingerprint)
            page.append(_result(candidate, station, now))
            last = candidate
