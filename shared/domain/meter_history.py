"""Meter curves: a session's readings as energy and power over time, in buckets; pure functions.

Raw samples (``meter_samples``, one per reading) expire after METER_SAMPLE_RETENTION_DAYS.
What is kept after them is one ``MeterHistory`` per stopped session (``history:<sessionId>``
in the session's own partition, no ``ttl``): fixed buckets of HISTORY_WIDTHS seconds (one
minute, coarser for a session so long that a minute would make more than MAX_POINTS), each
with the session's energy at its last reading, the average and highest power, the last state
of charge and how many readings it holds.

The energy of each reading is recomputed from the registers in time order with the rules of
the session's own total (``shared.domain.metering``: a register that falls counts nothing),
then held to a running maximum: the energy curve never decreases.

A bucket is named by its start (UTC, aligned to multiples of its width since the epoch).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from shared.domain.metering import EnergyState, Reading, advance
from shared.domain.model import ApiModel

__all__ = [
    "MAX_POINTS",
    "RESOLUTIONS",
    "CurvePoint",
    "HistoryBucket",
    "MeterCurve",
    "MeterHistory",
    "Sampled",
    "buckets_of",
    "curve_readings",
    "history_width",
    "label_of",
    "merged",
    "point_of",
]

# resolution -> bucket width in seconds (0: every reading as it is)
RESOLUTIONS: dict[str, int] = {"raw": 0, "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}
HISTORY_WIDTHS = (60, 300, 900, 3600, 86400)
MAX_POINTS = 1500  # points in one answer, buckets in one history document (about 200 KB)


@dataclass(frozen=True, slots=True)
class Sampled:
    """One stored reading, as much of it as a curve needs; ``energy_wh`` filled in by ``curve_readings``."""

    at: datetime
    register_wh: int | None = None
    power_w: float | None = None
    soc: float | None = None
    energy_wh: int = 0


class HistoryBucket(ApiModel):
    at: datetime  # the bucket's start
    energy_wh: int  # the session's energy at the bucket's last reading
    power_avg_w: float | None = None
    power_max_w: float | None = None
    power_samples: int = 0  # readings with a power value (weights the average when buckets merge)
    soc: float | None = None  # the last state of charge reported in the bucket
    samples: int


class MeterHistory(ApiModel):
    """``meter_samples/history:<sessionId>``: no top-level ``at``, so sample queries ordered by it never see it."""

    id: str
    type: Literal["history"] = "history"
    session_id: str
    bucket_seconds: int
    sample_count: int
    truncated: bool = False  # the session had more raw samples than were read
    built_at: datetime
    buckets: list[HistoryBucket]


class CurvePoint(ApiModel):
    at: datetime
    energy_kwh: float
    power_kw: float | None
    max_power_kw: float | None
    soc: float | None


class MeterCurve(ApiModel):
    """``GET /api/sessions/{id}/meter-samples``: the energy and power curve at one resolution."""

    session_id: str
    resolution: str
    bucket_seconds: int
    source: Literal["raw", "history"]
    truncated: bool
    points: list[CurvePoint]


def label_of(width: int) -> str:
    return next((name for name, seconds in RESOLUTIONS.items() if seconds == width), f"{width}s")


def curve_readings(
    samples: Iterable[Sampled], meter_start_wh: int | None, started_at: datetime | None
) -> list[Sampled]:
    """The readings in time order with the session's energy at each (never decreasing); readings from
    before the start are not the session's (as in ``metering.reconcile``)."""
    ordered = sorted(samples, key=lambda s: s.at)
    if started_at is not None:
        ordered = [s for s in ordered if s.at >= started_at]
    first_register = next((s.register_wh for s in ordered if s.register_wh is not None), 0)
    state = EnergyState.start(first_register if meter_start_wh is None else meter_start_wh, started_at)
    best, out = 0, []
    for sample in ordered:
        state, _ = advance(state, Reading(at=sample.at, register_wh=sample.register_wh))
        best = max(best, state.energy_wh)
        out.append(Sampled(sample.at, sample.register_wh, sample.power_w, sample.soc, best))
    return out


def buckets_of(readings: Iterable[Sampled]) -> list[HistoryBucket]:
    """Each reading as a bucket of its own (width 0), ready for ``merged``."""
    return [
        HistoryBucket(
            at=r.at,
            energy_wh=r.energy_wh,
            power_avg_w=r.power_w,
            power_max_w=r.power_w,
            power_samples=0 if r.power_w is None else 1,
            soc=r.soc,
            samples=1,
        )  # fmt: skip
        for r in readings
    ]


def _start(at: datetime, width: int) -> datetime:
    seconds = int(at.timestamp())
    return datetime.fromtimestamp(seconds - seconds % width, UTC)


def merged(buckets: Sequence[HistoryBucket], width: int) -> list[HistoryBucket]:
    """Buckets (in time order) merged into buckets of ``width`` seconds; only non-empty ones are returned."""
    out: list[HistoryBucket] = []
    power_sum = 0.0
    for bucket in buckets:
        start = _start(bucket.at, width)
        if not out or out[-1].at != start:
            out.append(HistoryBucket(at=start, energy_wh=0, samples=0))
            power_sum = 0.0
        last = out[-1]
        if bucket.power_avg_w is not None and bucket.power_samples:
            power_sum += bucket.power_avg_w * bucket.power_samples
            last.power_samples += bucket.power_samples
            last.power_avg_w = round(power_sum / last.power_samples, 1)
            top = bucket.power_max_w if bucket.power_max_w is not None else bucket.power_avg_w
            last.power_max_w = top if last.power_max_w is None else max(last.power_max_w, top)
        last.energy_wh = max(last.energy_wh, bucket.energy_wh)
        last.soc = bucket.soc if bucket.soc is not None else last.soc
        last.samples += bucket.samples
    return out


def history_width(readings: Sequence[Sampled]) -> int:
    """The finest history width that keeps the session within MAX_POINTS buckets."""
    for width in HISTORY_WIDTHS:
        if len({int(r.at.timestamp()) // width for r in readings}) <= MAX_POINTS:
            return width
    return HISTORY_WIDTHS[-1]


def point_of(bucket: HistoryBucket) -> CurvePoint:
    def kw(watts: float | None) -> float | None:
        return None if watts is None else round(watts / 1000, 3)

    return CurvePoint(
        at=bucket.at,
        energy_kwh=round(bucket.energy_wh / 1000, 3),
        power_kw=kw(bucket.power_avg_w),
        max_power_kw=kw(bucket.power_max_w),
        soc=bucket.soc,
    )
