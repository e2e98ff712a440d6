"""A station's reliability score: pure functions, so the timer, search and the tests agree on one rule.

Three parts, each answering "will a driver who comes here get a charge?":

- **sessions**: of the sessions attempted in the last ``RECENT_DAYS``, the share that started and
  delivered at least ``DELIVERED_WH`` (``session_outcome`` says which count). Estimated with a Beta
  prior worth ``PRIOR_WEIGHT`` sessions at ``PRIOR_SUCCESS``, so one failure does not sink a new
  station and a long record outweighs the prior.
- **uptime**: an exponentially decayed share (half-life ``UPTIME_HALF_LIFE``) of the time its
  connectors were usable, from samples (``usable_share``) kept in an ``UptimeLedger``.
- **heartbeat**: per charger, 1 while heard from within the grace (twice its heartbeat interval),
  then falling linearly to 0 over ``SILENCE_LIMIT``; the station takes the mean over its chargers.

score = 100 x success x uptime x heartbeat, rounded: a product, because any one of them failing is
enough to send a driver away. Unknown (None) with no active charger, or with neither a counted
session nor an hour of uptime samples. Search demotes a station scoring below ``NEUTRAL_SCORE`` (what
a station without history is assumed to score) and never boosts one (``demotion_m``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from shared.domain.availability import covers, in_progress
from shared.domain.chargers import Charger
from shared.domain.model import ApiModel
from shared.domain.stations import ConnectorStatus, Station, StationReliability

__all__ = [
    "DELIVERED_WH",
    "NEUTRAL_SCORE",
    "Outcome",
    "RECENT_DAYS",
    "ReliabilityView",
    "SessionTally",
    "UptimeLedger",
    "demotion_m",
    "heartbeat_factor",
    "last_heard",
    "reliability_of",
    "score",
    "session_outcome",
    "usable_share",
]

RECENT_DAYS = 30
DELIVERED_WH = 100  # below it a "session" delivered nothing a driver would call a charge
PRIOR_SUCCESS, PRIOR_WEIGHT = 0.9, 5.0
NEUTRAL_SCORE = round(100 * PRIOR_SUCCESS)
UPTIME_HALF_LIFE = timedelta(days=7)
UPTIME_MIN_OBSERVED = timedelta(hours=1)  # less sampled time than this: uptime unknown
SILENCE_LIMIT = timedelta(hours=24)
# while chargers are live the stored heartbeat time is refreshed at this resolution (fewer station writes)
HEARTBEAT_RESOLUTION = timedelta(minutes=15)
DEMOTION_BASE_M, DEMOTION_SHARE = 1_000.0, 0.25
DOWN = frozenset({ConnectorStatus.FAULTED, ConnectorStatus.UNAVAILABLE})
NOT_THE_STATIONS = frozenset({"cancelled", "connector_taken"})  # the driver cancelled; another start took it

Outcome = Literal["delivered", "failed", "ignored"]


def session_outcome(
    status: str, *, started: bool, energy_wh: float, authorization: str, failure_reason: str | None
) -> Outcome:
    """Whether a session counts for the station, and how. Live ones count only once they delivered."""
    if started and energy_wh >= DELIVERED_WH:
        return "delivered"
    if status in ("pending", "active"):
        return "ignored"
    if status == "failed" and failure_reason in NOT_THE_STATIONS:
        return "ignored"
    if authorization != "Accepted":  # the tag was refused: the driver's card, not the charger
        return "ignored"
    return "failed"


@dataclass(frozen=True)
class SessionTally:
    attempted: int = 0
    delivered: int = 0

    def add(self, outcome: Outcome) -> SessionTally:
        if outcome == "ignored":
            return self
        return SessionTally(self.attempted + 1, self.delivered + (outcome == "delivered"))

    @property
    def success(self) -> float:
        """The Beta-posterior mean: (delivered + prior) / (attempted + prior weight)."""
        return (self.delivered + PRIOR_SUCCESS * PRIOR_WEIGHT) / (self.attempted + PRIOR_WEIGHT)


def _decay(seconds: float) -> float:
    return math.pow(0.5, seconds / UPTIME_HALF_LIFE.total_seconds())


def _weight(seconds: float) -> float:
    """What the last ``seconds`` weigh now: the integral of the decay over them."""
    return UPTIME_HALF_LIFE.total_seconds() / math.log(2) * (1 - _decay(seconds))


class UptimeLedger(ApiModel):
    """Decayed counters of sampled time, in the ``stations`` container beside the station (``reliability:<id>``).

    Between samples the last observed state is held, so the counters advance in closed form and the
    document is written only when a sample differs from the state held (a change is dated at the sample
    that sees it). ``state`` None (the station in maintenance, no connector to observe) pauses the clock.
    """

    id: str
    type: Literal["reliability_ledger"] = "reliability_ledger"
    provider_id: str
    station_id: str
    up_s: float = 0.0
    observed_s: float = 0.0
    state: float | None = None
    as_of: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @classmethod
    def start(cls, station: Station, now: datetime) -> UptimeLedger:
        return cls(id=f"reliability:{station.id}", provider_id=station.provider_id, station_id=station.id, as_of=now)

    def at(self, now: datetime) -> UptimeLedger:
        """The counters advanced to ``now`` with the held state."""
        elapsed = max(0.0, (now - self.as_of).total_seconds())
        if self.state is None or elapsed == 0:
            return self.model_copy(update={"as_of": max(now, self.as_of)})
        decay, added = _decay(elapsed), _weight(elapsed)
        return self.model_copy(
            update={
                "up_s": self.up_s * decay + self.state * added,
                "observed_s": self.observed_s * decay + added,
                "as_of": now,
            }
        )

    def observe(self, share: float | None, now: datetime) -> UptimeLedger:
        return self.at(now).model_copy(update={"state": share})

    def uptime(self, now: datetime) -> float | None:
        current = self.at(now)
        if current.observed_s < _weight(UPTIME_MIN_OBSERVED.total_seconds()) - 1e-6:
            return None
        return min(1.0, max(0.0, current.up_s / current.observed_s))


def last_heard(charger: Charger) -> datetime | None:
    """The charger's last sign of life: boot, heartbeat, connector 0's status, connect or disconnect."""
    times = [t for t in (charger.ocpp.last_seen_at, charger.ocpp.last_heartbeat_at) if t is not None]
    return max(times, default=None)


def _reachable(charger: Charger, now: datetime, grace: timedelta) -> bool:
    heard = last_heard(charger)
    return heard is not None and now - heard <= grace and charger.ocpp.status not in DOWN


def usable_share(station: Station, chargers: Iterable[Charger], now: datetime, grace: timedelta) -> float | None:
    """The share of the station's connectors a driver could use now: charger heard within ``grace``, neither it
    nor the connector Faulted or Unavailable. Planned downtime is not sampled (a connector under a maintenance
    window, a station in maintenance); None when nothing is left to sample."""
    if station.lifecycle != "active":
        return None
    live = {c.id for c in chargers if c.lifecycle == "active" and _reachable(c, now, grace)}
    windows = [w for w in station.maintenance if in_progress(w, now)]
    sampled = [c for c in station.connectors if not any(covers(w, c) for w in windows)]
    if not sampled:
        return None
    return sum(c.charger_id in live and c.status not in DOWN for c in sampled) / len(sampled)


def heartbeat_factor(silent_for: timedelta, grace: timedelta) -> float:
    if silent_for <= grace:
        return 1.0
    return max(0.0, 1.0 - (silent_for - grace) / SILENCE_LIMIT)


def score(tally: SessionTally, uptime: float | None, heartbeat: float | None) -> int | None:
    """0..100, or None when unknown (see the module docstring)."""
    if heartbeat is None or (tally.attempted == 0 and uptime is None):
        return None
    return round(100 * tally.success * (1.0 if uptime is None else uptime) * heartbeat)


def _heartbeat_time(newest: datetime | None, online: bool, previous: StationReliability | None) -> datetime | None:
    """Exact once the chargers are silent; while live, refreshed only when HEARTBEAT_RESOLUTION behind."""
    kept = None if previous is None else previous.last_heartbeat_at
    if not online or newest is None or kept is None or newest < kept or newest - kept >= HEARTBEAT_RESOLUTION:
        return newest
    return kept


def reliability_of(
    *,
    tally: SessionTally,
    ledger: UptimeLedger,
    chargers: Sequence[Charger],
    now: datetime,
    grace: timedelta,
    previous: StationReliability | None,
) -> StationReliability:
    """The station's score and parts now; ``chargers`` are its active ones, ``previous`` what it shows now."""
    heard = [last_heard(c) for c in chargers]
    # a charger never heard from has been silent since it was registered
    silences = [now - (h or c.created_at) for h, c in zip(heard, chargers, strict=True)]
    heartbeat = sum(heartbeat_factor(s, grace) for s in silences) / len(silences) if silences else None
    uptime = ledger.uptime(now)
    newest = max((h for h in heard if h is not None), default=None)
    online = any(s <= grace for s in silences) if chargers else None
    return StationReliability(
        score=score(tally, uptime, heartbeat),
        sessions_attempted=tally.attempted,
        sessions_delivered=tally.delivered,
        uptime=None if uptime is None else round(uptime, 2),
        online=online,
        last_heartbeat_at=_heartbeat_time(newest, bool(online), previous),
    )


def demotion_m(station_score: object, distance_m: float) -> float:
    """Metres added to a station's rank distance: (NEUTRAL - score) / NEUTRAL x (1 km + 25 % of the distance).

    None (unknown) or anything at or above NEUTRAL_SCORE adds nothing; so does a value that is no number."""
    if not isinstance(station_score, int | float) or isinstance(station_score, bool):
        return 0.0
    if not station_score < NEUTRAL_SCORE:
        return 0.0
    shortfall = (NEUTRAL_SCORE - max(0.0, float(station_score))) / NEUTRAL_SCORE
    return shortfall * (DEMOTION_BASE_M + DEMOTION_SHARE * distance_m)


class ReliabilityView(StationReliability):
    """What search and station detail show: the stored parts plus the two derived at read time."""

    session_success: float | None = Field(
        default=None, description="sessionsDelivered / sessionsAttempted (the score smooths it with a prior)"
    )
    seconds_since_heartbeat: int | None = Field(default=None, description="since lastHeartbeatAt, at request time")

    @classmethod
    def of(cls, stored: StationReliability, now: datetime) -> ReliabilityView:
        attempted, heard = stored.sessions_attempted, stored.last_heartbeat_at
        return cls(
            **dict(stored),
            session_success=round(stored.sessions_delivered / attempted, 2) if attempted else None,
            seconds_since_heartbeat=None if heard is None else max(0, int((now - heard).total_seconds())),
        )
