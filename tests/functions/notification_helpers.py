"""Helpers of the notifications tests: a recording mailer, the local host on the real app, events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from local_host.server import LocalHost
from shared.bootstrap import Deps
from shared.domain.messages import Message
from shared.ports.mailer import Mail, MailError
from shared.services.events import event_id


class RecordingMailer:
    """Records every mail; while ``failing`` is set, every send raises a retryable MailError."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.failing = False
        self.attempts = 0

    async def send(self, mail: Mail) -> None:
        self.attempts += 1
        if self.failing:
            raise MailError("mail server down")
        self.sent.append(mail)

    async def check(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.sent if m.to == address]


@asynccontextmanager
async def app_host(deps: Deps) -> AsyncIterator[LocalHost]:
    import function_app

    async with LocalHost(
        function_app.app, deps.settings, "127.0.0.1", 0, poll=False, timers=False, retry_base_seconds=0
    ) as host:
        yield host


def session_event(type_: str, user_id: str | None, provider_id: str, **body: Any) -> Message:
    fields = {"sessionId": "ses_1", "stationId": "stn_missing", "connectorKey": "CP-1/1", "userId": user_id,
              "status": "stopped", "energyWh": 12345, "durationSeconds": 5400, "costTotal": "12.40",
              "currency": "EUR", **body}  # fmt: skip
    return Message(
        id=event_id(type_, "ses_1"),
        type=type_,
        occurred_at=body.pop("at", None) or _now(),
        tenant_id=provider_id,
        body=fields,
    )


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
