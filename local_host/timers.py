"""Timer triggers on their NCRONTAB schedules (UTC, as in Azure by default).

NCRONTAB has six fields ``{second} {minute} {hour} {day} {month} {day-of-week}``;
croniter takes the seconds field last, so the fields are rotated. Five fields
(no seconds) and the ``hh:mm:ss`` TimeSpan form of dedicated plans are
accepted too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from local_host.discovery import TimerFunction
from local_host.hostconfig import resolve_expression
from local_host.invoke import call_user_function

__all__ = ["TimerRunner", "next_occurrence"]

log = logging.getLogger("local_host.timer")
PAST_DUE_AFTER = timedelta(seconds=1)


def _timespan(schedule: str) -> timedelta | None:
    parts = schedule.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    hours, minutes, seconds = (int(p) for p in parts)
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def next_occurrence(schedule: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` that ``schedule`` fires."""
    span = _timespan(schedule)
    if span is not None:
        if span <= timedelta(0):
            raise ValueError(f"timer schedule {schedule!r} must be a positive interval")
        return after + span
    fields = schedule.split()
    if len(fields) == 6:
        fields = [*fields[1:], fields[0]]
    elif len(fields) != 5:
        raise ValueError(f"timer schedule {schedule!r} is not a six-field NCRONTAB expression")
    nxt: datetime = croniter(" ".join(fields), after).get_next(datetime)
    return nxt


class TimerRunner:
    def __init__(self, functions: Sequence[TimerFunction], values: Mapping[str, str]) -> None:
        self.schedules = {f.name: (f, resolve_expression(f.schedule, values)) for f in functions}
        now = datetime.now(UTC)
        for _, schedule in self.schedules.values():
            next_occurrence(schedule, now)  # a bad schedule fails at start, not at its first tick
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for function, schedule in self.schedules.values():
            self._tasks.append(asyncio.create_task(self._loop(function, schedule), name=f"timer:{function.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _loop(self, function: TimerFunction, schedule: str) -> None:
        if function.run_on_startup:
            await self.fire(function, past_due=False)
        due = datetime.now(UTC)
        while True:
            # from the later of now and the last due time: a sleep that wakes a hair
            # early must not fire the same occurrence twice
            due = next_occurrence(schedule, max(datetime.now(UTC), due))
            await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0.0))
            # a timer that wakes well after its due time (a suspended laptop) is past due
            await self.fire(function, past_due=datetime.now(UTC) - due > PAST_DUE_AFTER)

    async def fire(self, function: TimerFunction, past_due: bool = False) -> None:
        outcome = "completed"
        try:
            arg = TimerRequest(past_due=past_due)
            await call_user_function(function.fn, function.arg_name, arg, function.name)
        except Exception:
            outcome = "failed"
            log.exception("timer function %s raised", function.name)
        # a run that did its work quietly is DEBUG (timers fire every few seconds); the functions log what they did
        level = logging.DEBUG if outcome == "completed" and not past_due else logging.INFO
        log.log(level, "%s timer past_due=%s %s", function.name, past_due, outcome)
