"""A session's meter curve, from its raw samples or, once they have expired, from its history.

The curve (``meter_curve``) is for the session's driver, the station's provider (admin or
staff) and platform admins; anyone else gets 404 (``shared.services.sessions`` decides).
It comes from the raw samples while any exist (``source: raw``), else from the session's
history (``source: history``), bucketed to the resolution asked; a history is never finer
than its own buckets. At most MAX_POINTS points: a finer resolution is refused with 422
``too_many_points`` naming the finest one that fits. At most MAX_RAW_SAMPLES raw samples are
read (``truncated`` says when there were more).

The history (``build_histories``, the ``meter_history_build`` timer) is made once per stopped
session, SETTLE after its last write, from its raw samples. Sessions are found by a cursor
of this module's own (``meter_samples/history-cursor``) over the sessions' ``updatedAt``: each
run reads stopped sessions from the cursor's second up to SETTLE ago, oldest first, at most
``scan_limit`` of them, builds at most ``build_limit`` histories, and moves the cursor to the
second of the last session it got to. ``updatedAt`` is written with the change that stops a
session, so a session cannot become stopped behind the cursor (SETTLE covers the time between
stamping and storing); a session written again later comes round again and its history's point
read says it is done. Times are compared as strings from the second (``YYYY-MM-DDTHH:MM:SS``)
because ``updatedAt`` drops a zero fraction of a second; the cursor's own second is read again
on the next run, which the point read makes harmless. The history is created, never replaced:
a second run, or two runs at once, do nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from shared.domain.errors import InvalidInput, NotFound
from shared.domain.meter_history import (
    MAX_POINTS,
    RESOLUTIONS,
    HistoryBucket,
    MeterCurve,
    MeterHistory,
    Sampled,
    buckets_of,
    curve_readings,
    history_width,
    label_of,
    merged,
    point_of,
)
from shared.domain.principal import Principal
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query
from shared.repositories import sessions as repo
from shared.services.sessions import may_see_session

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["HistoryRun", "build_histories", "build_history", "history_id", "meter_curve"]

SAMPLES = "meter_samples"
PAGE = 500
MAX_RAW_SAMPLES = 20_000  # read for one curve or one history (about 14 days of readings a minute apart)
SETTLE = timedelta(minutes=10)  # after a stopped session's last write: late frames have arrived by then
SCAN_LIMIT, BUILD_LIMIT = 1000, 100  # per timer run
CURSOR = "history-cursor"
_FIELDS = ("at", "registerWh", "powerW", "soc")


def history_id(session_id: str) -> str:
    return f"history:{session_id}"


def _second(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


async def _raw(store: DocumentStore, session_id: str) -> tuple[list[Sampled], bool]:
    """Up to MAX_RAW_SAMPLES raw samples, oldest first (``order_by`` leaves out the history document,
    which has no ``at``), and whether there were more."""
    found: list[Sampled] = []
    continuation: str | None = None
    while True:
        page = await store.query(
            SAMPLES,
            Query(
                (Filter("sessionId", "eq", session_id),),
                order_by="at", limit=PAGE, continuation=continuation, partition_key=session_id, fields=_FIELDS,
            ),
        )  # fmt: skip
        for doc in page.items:
            if len(found) == MAX_RAW_SAMPLES:
                return found, True
            register = doc.get("registerWh")
            found.append(
                Sampled(
                    at=datetime.fromisoformat(str(doc["at"])),
                    register_wh=None if register is None else int(register),
                    power_w=_number(doc.get("powerW")),
                    soc=_number(doc.get("soc")),
                )
            )
        continuation = page.continuation
        if continuation is None:
            return found, False


async def _history(store: DocumentStore, session_id: str) -> MeterHistory | None:
    try:
        return MeterHistory.model_validate(await store.read(SAMPLES, history_id(session_id), session_id))
    except DocumentNotFound:
        return None


def _fitting(buckets: list[HistoryBucket], width: int) -> str | None:
    coarser = sorted(w for w in RESOLUTIONS.values() if w > width)
    return next((label_of(w) for w in coarser if len(merged(buckets, w)) <= MAX_POINTS), None)


async def meter_curve(deps: Deps, who: Principal | None, session_id: str, resolution: str) -> MeterCurve:
    width = RESOLUTIONS.get(resolution)
    if width is None:
        raise InvalidInput(
            f"resolution is one of {', '.join(RESOLUTIONS)}.", code="invalid_resolution", allowed=list(RESOLUTIONS)
        )
    session = await repo.find_session(deps.store, session_id)
    if session is None:
        raise NotFound("No such charging session.", code="session_not_found")
    may_see_session(who, session)
    raw, more = await _raw(deps.store, session.id)
    source: Literal["raw", "history"] = "raw"
    if raw:
        readings = buckets_of(curve_readings(raw, session.meter_start_wh, session.started_at))
        buckets = readings if width == 0 else merged(readings, width)
        if len(buckets) > MAX_POINTS:
            raise InvalidInput(
                f"At {resolution} this session has {len(buckets)} points, more than {MAX_POINTS}.",
                code="too_many_points", maxPoints=MAX_POINTS, suggestedResolution=_fitting(readings, width),
            )  # fmt: skip
    elif (history := await _history(deps.store, session.id)) is not None:
        source, more = "history", history.truncated
        width = max(width, history.bucket_seconds)
        buckets = merged(history.buckets, width)
    else:
        buckets = []
    return MeterCurve(
        session_id=session.id, resolution=label_of(width), bucket_seconds=width, source=source,
        truncated=more, points=[point_of(b) for b in buckets],
    )  # fmt: skip


# ---- the history, after the session -----------------------------------------------------------

Outcome = Literal["built", "exists", "empty"]


async def build_history(
    deps: Deps, session_id: str, meter_start_wh: int | None, started_at: datetime | None
) -> Outcome:
    """The session's history from its raw samples, unless it has one; none for a session without samples."""
    if await _history(deps.store, session_id) is not None:
        return "exists"
    raw, more = await _raw(deps.store, session_id)
    if not raw:
        return "empty"
    readings = curve_readings(raw, meter_start_wh, started_at)
    width = history_width(readings)
    history = MeterHistory(
        id=history_id(session_id), session_id=session_id, bucket_seconds=width, sample_count=len(raw),
        truncated=more, built_at=deps.clock.now(), buckets=merged(buckets_of(readings), width),
    )  # fmt: skip
    try:
        await deps.store.create(SAMPLES, history.model_dump(mode="json", exclude_none=True))
    except DocumentConflict:
        return "exists"
    return "built"


@dataclass
class HistoryRun:
    scanned: int = 0
    built: int = 0
    existing: int = 0
    empty: int = 0
    cursor: str = ""


async def _save_cursor(store: DocumentStore, reached: str, doc: dict[str, Any] | None, now: datetime) -> None:
    fresh = {"id": CURSOR, "sessionId": CURSOR, "type": "history_cursor", "reached": reached, "savedAt": _second(now)}
    try:
        if doc is None:
            await store.create(SAMPLES, fresh)
        else:
            await store.replace(SAMPLES, fresh, etag=doc.get("_etag"))
    except (DocumentConflict, PreconditionFailed, DocumentNotFound):
        pass  # another run moved it: it is ahead of or level with this one


async def build_histories(deps: Deps, *, scan_limit: int = SCAN_LIMIT, build_limit: int = BUILD_LIMIT) -> HistoryRun:
    """One bounded timer run (see the module docstring)."""
    store, now = deps.store, deps.clock.now()
    try:
        cursor: dict[str, Any] | None = await store.read(SAMPLES, CURSOR, CURSOR)
    except DocumentNotFound:
        cursor = None
    start = str(cursor["reached"]) if cursor is not None else ""
    where = (
        Filter("type", "eq", "session"),
        Filter("status", "eq", "stopped"),
        Filter("updatedAt", "lt", _second(now - SETTLE)),
        *((Filter("updatedAt", "ge", start),) if start else ()),
    )
    run, continuation = HistoryRun(cursor=start), None
    while run.scanned < scan_limit and run.built < build_limit:
        page = await store.query(
            "sessions",
            Query(
                where, order_by="updatedAt", limit=min(PAGE, scan_limit - run.scanned), continuation=continuation,
                fields=("updatedAt", "meterStartWh", "startedAt"),
            ),
        )  # fmt: skip
        for doc in page.items:
            if run.scanned >= scan_limit or run.built >= build_limit:
                break
            run.scanned += 1
            started = doc.get("startedAt")
            outcome = await build_history(
                deps, str(doc["id"]), doc.get("meterStartWh"),
                None if started is None else datetime.fromisoformat(str(started)),
            )  # fmt: skip
            run.built += outcome == "built"
            run.existing += outcome == "exists"
            run.empty += outcome == "empty"
            run.cursor = max(run.cursor, _second(datetime.fromisoformat(str(doc["updatedAt"]))))
        continuation = page.continuation
        if continuation is None:
            break
    if run.cursor != start:
        await _save_cursor(store, run.cursor, cursor, now)
    return run
