"""DocumentStore: the persistence port, shaped by what Cosmos DB can do.

Point read (also conditional: ``read_if_changed``, for a caller keeping a copy), create,
replace under an ETag precondition, upsert, delete, and queries by a small spec
(equality and range filters, one ORDER BY, a limit and a continuation token, an
optional geo radius and bounding box). No
multi-document transactions: one aggregate per write, optimistic concurrency by ETag.

Geo (``Near``, ``Within``) applies to GeoJSON points with numeric coordinates ``{"type": "Point",
"coordinates": [lon, lat]}``; anything else at the field never matches. A
container's ``spatial_paths`` are indexed (Cosmos: a spatial index; SQLite: an
R*Tree kept in the same transaction as every write), so geo queries on them
read only nearby documents; on other paths they still work, by a scan.
``Near`` measures great-circle distance on a sphere of the mean Earth radius
(Cosmos itself measures on the WGS-84 ellipsoid: up to ~0.5 % apart, so a point
within that margin of the radius may fall either side). ``Within`` is the
longitude/latitude rectangle, edges included (not a geodesic polygon), and does
not wrap around the antimeridian: a view across it is two queries.

Documents are plain JSON dicts. Every stored document carries ``id``, its
partition key field (named by the container) and, once stored, ``_etag``.

Errors::

    StoreError
    ├── DocumentNotFound      read/replace/delete of a missing id
    ├── DocumentConflict      create of an id that exists
    ├── PreconditionFailed    the ETag given no longer matches (a stale write)
    └── InvalidContinuation   a continuation token the store cannot read (the caller's input)

A malformed spec (a field path that is not dotted identifiers, a range filter
on null, a list or an object, ``limit`` below 1) raises ``ValueError``: it is
a programming error, not a state of the data. ``upsert`` with an ETag on a
missing document creates it, as Cosmos DB does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "ContainerSpec",
    "Document",
    "DocumentConflict",
    "DocumentNotFound",
    "DocumentStore",
    "Filter",
    "InvalidContinuation",
    "Near",
    "Page",
    "PreconditionFailed",
    "Query",
    "StoreError",
    "Within",
    "projected_paths",
]

Document = dict[str, Any]
FilterOp = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "contains", "startswith", "defined"]


class StoreError(Exception):
    """Base of the store's errors."""


class DocumentNotFound(StoreError):
    """No document with that id in that partition."""


class DocumentConflict(StoreError):
    """A document with that id already exists in that partition."""


class PreconditionFailed(StoreError):
    """The ETag given does not match the stored document: someone wrote first."""


class InvalidContinuation(StoreError, ValueError):
    """A continuation token this store did not issue, or cannot read any more.

    It comes from the caller (a query parameter), so the HTTP edge answers it as bad input.
    """


@dataclass(frozen=True)
class ContainerSpec:
    """A container (Cosmos) or table (SQLite) of documents.

    ``partition_key`` names the document field holding the partition key
    (``stationId`` for the path ``/stationId``). ``default_ttl`` follows Cosmos:
    None means no expiry at all, -1 means per-document ``ttl`` only, a positive
    number of seconds applies to every document without its own ``ttl``.

    ``indexed_fields`` names "hot" scalar fields (dotted paths) that queries
    filter, sort or project on often. A hint for speed only, never for results:
    the SQLite adapter keeps each in its own columns beside the body (value and
    JSON type, written with it) and reads those instead of parsing the JSON;
    Cosmos indexes every path already and needs nothing.
    """

    name: str
    partition_key: str = "id"
    default_ttl: int | None = None
    spatial_paths: tuple[str, ...] = ()
    indexed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filter:
    """One condition on a (dotted, camelCase) field path.

    ``in`` takes a list of values; ``contains`` tests that an array field holds
    the value; ``startswith`` is a string prefix; ``defined`` (value True/False)
    tests the field's presence. Values compare within their JSON type only.
    """

    field: str
    op: FilterOp
    value: Any = None


@dataclass(frozen=True)
class Near:
    """Documents whose GeoJSON point at ``field`` lies within ``radius_m`` metres."""

    field: str
    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True)
class Within:
    """Documents whose GeoJSON point at ``field`` lies in the box, edges included.

    ``min_lon <= max_lon`` and ``min_lat <= max_lat``, in degrees within
    -180..180 and -90..90; anything else raises ``ValueError`` (see the module
    docstring: no wrapping around the antimeridian).
    """

    field: str
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def __post_init__(self) -> None:
        lons, lats = (self.min_lon, self.max_lon), (self.min_lat, self.max_lat)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (*lons, *lats)):
            raise ValueError("Within takes numbers")
        if not (-180 <= self.min_lon <= self.max_lon <= 180 and -90 <= self.min_lat <= self.max_lat <= 90):
            raise ValueError(f"not a box within -180..180, -90..90 with min <= max: {self}")


@dataclass(frozen=True)
class Query:
    """A query spec. With ``order_by`` set, only documents defining that field match.

    ``partition_key`` restricts the query to one partition. ``limit`` caps one
    page; a page may hold fewer items even when more follow, so callers page on
    ``Page.continuation`` until it is None.

    ``fields`` projects the results (None: whole documents). Each is a dotted
    camelCase path (``location``, ``address.city``); a result then holds only
    those fields, nested as in the document (``{"address": {"city": ...}}``),
    plus ``id`` and the partition key field. A field a document lacks is absent
    from its result, as in Cosmos, and so is an enclosing object none of whose
    requested fields it has; a path through an array or a scalar is missing. A
    path below another requested path adds nothing. Projected results carry no
    ``_etag``: they are for reading, not for writing back. Filters and
    ``order_by`` still see the whole document.
    """

    filters: tuple[Filter, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int = 100
    continuation: str | None = None
    partition_key: Any = None
    near: Near | None = None
    within: Within | None = None
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Page:
    items: list[Document]
    continuation: str | None


class DocumentStore(Protocol):
    """Implemented by the SQLite (embedded) and Cosmos DB (Azure) adapters."""

    async def read(self, container: str, id: str, partition_key: Any) -> Document: ...

    async def read_if_changed(self, container: str, id: str, partition_key: Any, etag: str) -> Document | None:
        """``read``, unless the document's ETag is still ``etag``: then None (Cosmos: If-None-Match, 304).

        For a caller that keeps a copy of a document it reads often (a session on every MeterValues frame):
        an unchanged document costs neither its body nor its parsing. DocumentNotFound if it is gone.
        """
        ...

    async def create(self, container: str, doc: Document) -> Document: ...

    async def replace(self, container: str, doc: Document, *, etag: str | None = None) -> Document: ...

    async def upsert(self, container: str, doc: Document, *, etag: str | None = None) -> Document: ...

    async def delete(self, container: str, id: str, partition_key: Any, *, etag: str | None = None) -> None: ...

    async def query(self, container: str, query: Query) -> Page: ...

    async def check(self) -> None:
        """Raise if the store cannot be reached (used by the health endpoint)."""
        ...

    async def close(self) -> None: ...


def projected_paths(fields: tuple[str, ...], partition_key: str) -> list[tuple[str, ...]]:
    """The paths a projection reads, as segment tuples: ``id`` and the partition key added,
    duplicates and paths below another requested path dropped, in a stable order.

    For the adapters, so both build the same shape (see ``Query.fields``).
    """
    paths = sorted({tuple(f.split(".")) for f in ("id", partition_key, *fields)}, key=lambda p: (len(p), p))
    kept: list[tuple[str, ...]] = []
    for path in paths:
        if not any(path[: len(k)] == k for k in kept):
            kept.append(path)
    return kept
