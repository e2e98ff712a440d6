"""Login throttling: failures counted per key in a fixed window, in the ``throttles`` container.

Counters are documents updated under an ETag, so several workers count together.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from shared.domain.errors import TooManyRequests
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, PreconditionFailed

__all__ = ["check_throttle", "clear_failures", "record_failure"]

C = "throttles"
_ATTEMPTS = 5


async def check_throttle(store: DocumentStore, clock: Clock, key: str, *, limit: int, window_seconds: int) -> None:
    """Raise TooManyRequests while ``key`` has ``limit`` failures in its current window."""
    try:
        doc = await store.read(C, key, key)
    except DocumentNotFound:
        return
    started = datetime.fromisoformat(doc["windowStart"])
    ends = started + timedelta(seconds=window_seconds)
    now = clock.now()
    if doc["count"] >= limit and now < ends:
        raise TooManyRequests(
            "Too many failed sign-in attempts. Try again later.",
            retry_after=max(1, math.ceil((ends - now).total_seconds())),
            code="login_throttled",
        )


async def record_failure(store: DocumentStore, clock: Clock, key: str, *, window_seconds: int) -> None:
    for _ in range(_ATTEMPTS):
        now = clock.now()
        fresh = {"id": key, "count": 1, "windowStart": now.isoformat(), "ttl": window_seconds}
        try:
            doc = await store.read(C, key, key)
        except DocumentNotFound:
            try:
                await store.create(C, fresh)
                return
            except DocumentConflict:
                continue
        expired = now >= datetime.fromisoformat(doc["windowStart"]) + timedelta(seconds=window_seconds)
        updated = fresh if expired else {**doc, "count": doc["count"] + 1}
        try:
            await store.replace(C, {k: v for k, v in updated.items() if k != "_etag"}, etag=doc["_etag"])
            return
        except (PreconditionFailed, DocumentNotFound):
            continue


async def clear_failures(store: DocumentStore, key: str) -> None:
    try:
        await store.delete(C, key, key)
    except DocumentNotFound:
        pass
