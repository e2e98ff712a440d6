"""Service Bus triggers fed by the durable local bus: the poll loops and drain().

Per function one poll loop; up to ``maxConcurrentCalls`` (host.json) of its
messages run at once. What happens to each message is ``bus_handler``'s job.

An idle loop polls less and less often (``poll_interval`` doubling up to
``idle_poll_interval``): a message this process sends, releases or replays wakes
its entity's loops at once (``LocalBus.listen``), so only what another process
sends and locks that expire wait for a poll. Ten polls a second for each of the
app's Service Bus functions cost a few per cent of a core while nothing happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Mapping, Sequence

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
        idle_poll_interval: float = 1.0,
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
        self.idle_poll_interval = max(poll_interval, idle_poll_interval)
        self.handler = MessageHandler(bus, retry_base_seconds, retry_max_seconds)
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._handlers: set[asyncio.Task[None]] = set()
        self._busy, self._handled = 0, 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._wakes: dict[str, list[asyncio.Event]] = {}  # entity -> its loops' wake-ups
        self._unlisten: Callable[[], None] | None = None

    async def start(self, poll: bool = True) -> None:
        self._stopping.clear()  # a stopped host may be started again
        for b in self.bindings:
            if b.subscription:
                await self.bus.ensure_subscription(b.entity, b.subscription)
        if poll:
            loop = asyncio.get_running_loop()
            self._unlisten = self.bus.listen(functools.partial(self._announced, loop))
            for b in self.bindings:
                wake = asyncio.Event()
                self._wakes.setdefault(b.entity, []).append(wake)
                self._loops.append(asyncio.create_task(self._loop(b, wake), name=f"bus:{b.function.name}"))

    def _announced(self, loop: asyncio.AbstractEventLoop, entity: str, delay: float) -> None:
        """LocalBus.listen's callback, in whichever thread sent: wake the entity's loops on theirs."""
        if entity not in self._wakes or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(entity, delay)
        else:
            loop.call_soon_threadsafe(self._wake, entity, delay)

    def _wake(self, entity: str, delay: float) -> None:
        for wake in self._wakes.get(entity, ()):
            if delay > 0:
                asyncio.get_running_loop().call_later(delay, wake.set)
            else:
                wake.set()

    async def stop(self, grace_seconds: float = 5.0) -> None:
        self._stopping.set()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for wakes in self._wakes.values():
            for wake in wakes:
                wake.set()
        await asyncio.gather(*self._loops, return_exceptions=True)  # each exits within a poll interval
        self._loops.clear()
        self._wakes.clear()
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

    async def _loop(self, b: BusBinding, wake: asyncio.Event) -> None:
        """One poller per function; up to ``concurrency`` of its messages run at once."""
        running: set[asyncio.Task[None]] = set()
        interval = self.poll_interval
        while not self._stopping.is_set():
            if len(running) >= self.concurrency:
                # bounded wait, so a stop is seen even while every slot is busy
                await asyncio.wait(running, timeout=self.poll_interval, return_when=asyncio.FIRST_COMPLETED)
                continue
            wake.clear()  # before the receive: what is sent while it runs wakes the next wait
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
            if deliveries:
                interval = self.poll_interval
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), interval)
            # woken: poll again soon; timed out with nothing found: wait longer next time
            interval = self.poll_interval if wake.is_set() else min(interval * 2, self.idle_poll_interval)

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
