"""Service Bus triggers fed by the durable local bus: the poll loops and drain().

Per function one poll loop; up to ``maxConcurrentCalls`` (host.json) of its
messages run at once. What happens to each message is ``bus_handler``'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from local_host.bus_handler import BusBinding, MessageHandler
from local_host.discovery import BusFunction
from local_host.hostconfig import resolve_expression
from shared.adapters.embedded.local_bus import Delivery, LocalBus

__all__ = ["BusRunner"]

log = logging.getLogger("local_host.bus")


class BusRunner:
    def __init__(
        self,
        bus: LocalBus,
        functions: Sequence[BusFunction],
        values: Mapping[str, str],
        *,
        concurrency: int = 1,
        poll_interval: float = 0.1,
        retry_base_seconds: float = 1.0,
        retry_max_seconds: float = 60.0,
    ) -> None:
        self.bus = bus
        self.bindings = [
            BusBinding(
                f,
                resolve_expression(f.entity, values),
                f.subscription and resolve_expression(f.subscription, values),
            )
            for f in functions
        ]
        self.concurrency, self.poll_interval = concurrency, poll_interval
        self.handler = MessageHandler(bus, retry_base_seconds, retry_max_seconds)
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._busy, self._handled = 0, 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self, poll: bool = True) -> None:
        self._stopping.clear()  # a stopped host may be started again
        for b in self.bindings:
            if b.subscription:
                await self.bus.ensure_subscription(b.entity, b.subscription)
        if poll:
            for b in self.bindings:
                self._loops.append(asyncio.create_task(self._loop(b), name=f"bus:{b.function.name}"))

    async def stop(self, grace_seconds: float = 5.0) -> None:
        self._stopping.set()
        await asyncio.gather(*self._loops, return_exceptions=True)  # each exits within a poll interval
        self._loops.clear()
        if self._handlers:
            # let running functions finish; an unfinished one is redelivered after its lock expires
            _, pending = await asyncio.wait(self._handlers, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _enter(self) -> None:
        self._busy += 1
        self._idle.clear()

    def _leave(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            self._idle.set()

    async def _one(self, b: BusBinding, d: Delivery) -> None:
        try:
            await self.handle(b, d)
        finally:
            self._leave()

    async def _loop(self, b: BusBinding) -> None:
        """One poller per function; up to ``concurrency`` of its messages run at once."""
        running: set[asyncio.Task[None]] = set()
        while not self._stopping.is_set():
            if len(running) >= self.concurrency:
                # bounded wait, so a stop is seen even while every slot is busy
                await asyncio.wait(running, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
                continue
            self._enter()
            try:
                deliveries = await self.bus.receive(b.entity, b.subscription, self.concurrency - len(running))
            except Exception:
                log.exception("receive for %s failed; retrying", b.function.name)
                deliveries = []
            for d in deliveries:
                self._enter()  # counted from the moment it is locked, so drain() waits for it
                task = asyncio.create_task(self._one(b, d))
                for group in (running, self._handlers):
                    group.add(task)
                    task.add_done_callback(group.discard)
            self._leave()
            if not deliveries:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll_interval)

    async def drain(self, max_rounds: int = 1000) -> int:
        """Process every visible message (also those the handlers publish) until quiet."""
        total = 0
        for _ in range(max_rounds):
            before = self._handled
            for b in self.bindings:
                while deliveries := await self.bus.receive(b.entity, b.subscription, 1):
                    for d in deliveries:
                        await self.handle(b, d)
            await self._idle.wait()  # background loops finish what they hold
            if self._handled == before:
                return total
            total += self._handled - before
        raise RuntimeError(f"bus did not go quiet after {max_rounds} rounds")

    async def handle(self, b: BusBinding, d: Delivery) -> str:
        self._handled += 1
        return await self.handler.handle(b, d)

    async def fire(self, fn: BusFunction, body: bytes) -> None:
        await self.handler.fire(fn, body)
