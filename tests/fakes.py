"""Test doubles that are not real adapters: a clock the test sets, a ChargerLink that records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class RecordingLink:
    """A ChargerLink that records every frame sent, per connection; ``unreachable`` ones raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.unreachable: set[str] = set()

    async def send(self, connection_id: str, frame: str) -> None:
        from shared.ports.charger_link import ChargerUnreachable

        if connection_id in self.unreachable:
            raise ChargerUnreachable(connection_id)
        self.sent.append((connection_id, frame))

    def calls(self, action: str | None = None) -> list[list[Any]]:
        """The CALL frames sent (decoded), optionally only those of one action."""
        frames = [json.loads(frame) for _, frame in self.sent]
        return [f for f in frames if f[0] == 2 and (action is None or f[2] == action)]

    async def close(self) -> None:
        return None


class ShiftedClock:
    """The system clock, moved forward by hand: for live servers whose timers a test wants to run "later"."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def shift(self, delta: timedelta) -> None:
        self.offset += delta
