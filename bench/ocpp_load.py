"""The raw-frame load generator of bench/ocpp_ingest.py: simulated chargers sending MeterValues at full speed.

Each charger is one WebSocket client connection (subprotocol ``ocpp1.6``, HTTP
Basic; ``websockets``' protocol, bench/ocpp_wire.py by default) that sends a
MeterValues CALL as JSON text and waits for its reply before the next (OCPP-J
allows one outstanding call per connection). Frames are
a text template with the message id, transaction id, timestamp and readings
substituted: no ``json.dumps``, no ``ocpp`` package, so the generator stays
cheap and the server is what gets measured. Timestamps follow the real clock
(milliseconds, strictly increasing per charger), the energy register advances
at the reported power, so every frame is one a real charger could send.

Replies are checked: a CALLERROR is counted as an error under its code, never as
a result; so are replies for another message id and replies that do not come.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ocpp_wire import open_wire
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Subprotocol

__all__ = ["ChargerLogin", "LoadResult", "Tally", "meter_values_frame", "run_load"]

SUBPROTOCOL = Subprotocol("ocpp1.6")
OPEN_TIMEOUT = 60.0  # seconds to connect (the server checks a password first)
REPLY_TIMEOUT = 10.0  # seconds one reply may take before the charger gives up
MAX_INTERLEAVED = 100  # calls from the server that may arrive while a charger waits for one reply
POWER_W = 50_000  # a DC charge at 50 kW, 400 V
VOLTAGE = 400

# One MeterValues CALL; %-substituted: message id, transaction id, timestamp, Wh, W, A, SoC.
TEMPLATE = (
    '[2,"%s","MeterValues",{"connectorId":1,"transactionId":%d,"meterValue":[{"timestamp":"%s","sampledValue":['
    '{"value":"%.1f","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","location":"Outlet",'
    '"unit":"Wh"},'
    '{"value":"%d","context":"Sample.Periodic","measurand":"Power.Active.Import","location":"Outlet","unit":"W"},'
    '{"value":"%.1f","context":"Sample.Periodic","measurand":"Current.Import","location":"Outlet","unit":"A"},'
    '{"value":"%d","context":"Sample.Periodic","measurand":"SoC","location":"EV","unit":"Percent"}]}]}]'
)
# The lightest frame a charger sends in a session: the energy register alone (--frame energy).
ENERGY_TEMPLATE = (
    '[2,"%s","MeterValues",{"connectorId":1,"transactionId":%d,"meterValue":[{"timestamp":"%s","sampledValue":['
    '{"value":"%.1f","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}]'
)


@dataclass(frozen=True, slots=True)
class ChargerLogin:
    """One simulated charger: its identity and password; ``id_tag`` set when it must start a session first."""

    charger_id: str
    password: str
    id_tag: str | None = None
    meter_start_wh: int = 1_000_000


@dataclass(slots=True)
class Tally:
    """What one charger saw: replies and latencies in the measured window; errors and answers in the whole run."""

    latencies_ms: array[float] = field(default_factory=lambda: array("d"))
    ok: int = 0
    answered: int = 0  # CALLRESULTs to MeterValues, warm-up included: what the server should have stored
    errors: Counter[str] = field(default_factory=Counter)  # CALLERROR code (or what went wrong) -> count
    setup: list[str] = field(default_factory=list)  # what went wrong before the MeterValues loop
    server_calls: int = 0  # CALLs the server sent while the charger waited (answered NotSupported)


@dataclass(frozen=True, slots=True)
class LoadResult:
    chargers: int
    seconds: float
    ok: int
    answered: int
    latencies_ms: list[float]
    errors: dict[str, int]
    setup_errors: list[str]
    server_calls: int

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentiles(self) -> tuple[float, float, float] | None:
        """p50, p95 and p99 in ms, or None without samples."""
        if len(self.latencies_ms) < 2:
            return None
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[49], cuts[94], cuts[98]


class Clock:
    """Millisecond OCPP timestamps from the real clock, strictly increasing, the date formatted once a second."""

    def __init__(self) -> None:
        self.last_ms = 0
        self._second = -1
        self._prefix = ""

    def stamp(self) -> tuple[int, str]:
        ms = max(int(time.time() * 1000), self.last_ms + 1)
        self.last_ms = ms
        second, milli = divmod(ms, 1000)
        if second != self._second:
            self._second, self._prefix = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return ms, f"{self._prefix}.{milli:03d}Z"


def meter_values_frame(message_id: str, transaction_id: int, stamp: str, wh: float, elapsed_s: float) -> str:
    """The full frame: energy register, power, current and the car's state of charge."""
    power = POWER_W - 250 + int(elapsed_s * 37) % 500  # a little ripple, as a real reading has
    soc = min(100, 20 + int(elapsed_s / 30))
    return TEMPLATE % (message_id, transaction_id, stamp, wh, power, power / VOLTAGE, soc)


def energy_frame(message_id: str, transaction_id: int, stamp: str, wh: float, elapsed_s: float) -> str:
    """The energy register alone."""
    return ENERGY_TEMPLATE % (message_id, transaction_id, stamp, wh)


Frame = Callable[[str, int, str, float, float], str]
FRAMES: dict[str, Frame] = {"full": meter_values_frame, "energy": energy_frame}


def _basic(login: ChargerLogin) -> dict[str, str]:
    token = base64.b64encode(f"{login.charger_id}:{login.password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def _reply(ws: Peer, message_id: str, tally: Tally) -> list[Any]:
    """The reply to ``message_id``; CALLs from the server in between are refused (NotSupported) and counted.

    No timeout of its own (a timer per frame costs the generator ~10 %): callers bound it.
    """
    for _ in range(MAX_INTERLEAVED):
        raw = await ws.recv()
        frame = json.loads(raw)
        if isinstance(frame, list) and len(frame) >= 3 and frame[0] == 2:
            tally.server_calls += 1
            await ws.send(json.dumps([4, frame[1], "NotSupported", "a load generator", {}]))
            continue
        if not (isinstance(frame, list) and len(frame) >= 3 and frame[0] in (3, 4) and frame[1] == message_id):
            raise ValueError(f"not the reply to {message_id}: {str(raw)[:120]}")
        return frame
    raise ValueError(f"more than {MAX_INTERLEAVED} calls from the server while waiting for {message_id}")


async def _call(ws: Peer, message_id: str, action: str, payload: dict[str, Any], tally: Tally) -> Any:
    """A setup call; its CALLRESULT payload, or None (the failure noted in ``tally.setup``)."""
    await ws.send(json.dumps([2, message_id, action, payload], separators=(",", ":")))
    async with asyncio.timeout(REPLY_TIMEOUT):
        reply = await _reply(ws, message_id, tally)
    if reply[0] == 4:
        tally.setup.append(f"{action}: CALLERROR {reply[2]} {reply[3] if len(reply) > 3 else ''}".strip())
        return None
    return reply[2]


async def _start_session(ws: Peer, login: ChargerLogin, clock: Clock, tally: Tally) -> int | None:
    """BootNotification, then StartTransaction with the charger's idTag: the transaction id, or None."""
    boot = {"chargePointVendor": "Alpitronic", "chargePointModel": "HYC150", "firmwareVersion": "bench-1"}
    booted = await _call(ws, "boot-1", "BootNotification", boot, tally)
    if booted is not None and booted.get("status") != "Accepted":
        tally.setup.append(f"BootNotification: {booted.get('status')}")
    start = {"connectorId": 1, "idTag": login.id_tag, "meterStart": login.meter_start_wh, "timestamp": clock.stamp()[1]}
    started = await _call(ws, "start-1", "StartTransaction", start, tally)
    if started is None:
        return None
    status = (started.get("idTagInfo") or {}).get("status")
    if status != "Accepted" or not isinstance(started.get("transactionId"), int):
        tally.setup.append(f"StartTransaction: idTagInfo {status}, transactionId {started.get('transactionId')!r}")
        return None
    return int(started["transactionId"])


Window = asyncio.Future[tuple[float, float]]  # (begin, end) on the perf_counter clock, set once all are ready


class Peer(Protocol):
    """What a charger needs of its connection: ``WireSocket`` and websockets' ``ClientConnection`` both fit."""

    async def send(self, message: str, /) -> None: ...

    async def recv(self) -> str | bytes: ...


@asynccontextmanager
async def _connect(url: str, login: ChargerLogin, client: str) -> AsyncIterator[Peer]:
    headers = _basic(login)
    if client == "wire":
        socket = await open_wire(url, headers, SUBPROTOCOL, OPEN_TIMEOUT)
        try:
            yield socket
        finally:
            await socket.close()
        return
    async with connect(
        url,
        subprotocols=[SUBPROTOCOL],
        additional_headers=headers,
        compression=None,  # as the wire client: chargers rarely negotiate permessage-deflate
        proxy=None,
        ping_interval=None,
        open_timeout=OPEN_TIMEOUT,
        close_timeout=5,
    ) as ws:
        yield ws


@dataclass(frozen=True, slots=True)
class Plan:
    client: str  # "wire" or "websockets"
    frame: str  # a key of FRAMES
    window: Window  # set once every charger is ready


async def _charger(url: str, login: ChargerLogin, number: int, plan: Plan, ready: asyncio.Event) -> Tally:
    """One charger: connect (and start a session), then MeterValues until the window ends; counted inside it."""
    tally, clock = Tally(), Clock()
    try:
        async with _connect(f"{url}/{login.charger_id}", login, plan.client) as ws:
            transaction_id = number
            if login.id_tag is not None:
                started = await _start_session(ws, login, clock, tally)
                transaction_id = number if started is None else started  # measured anyway; reported as no result
            ready.set()
            begin, end = await plan.window
            await _meter_values(ws, login, transaction_id, clock, (begin, end, FRAMES[plan.frame]), tally)
    finally:
        ready.set()  # a charger that failed to connect must not hold the others back
    return tally


async def _meter_values(
    ws: Peer, login: ChargerLogin, transaction_id: int, clock: Clock, how: tuple[float, float, Frame], tally: Tally
) -> None:
    begin, end, build = how
    zero_ms, wh, sent = clock.last_ms or int(time.time() * 1000), float(login.meter_start_wh), 0
    latencies, errors, perf = tally.latencies_ms, tally.errors, time.perf_counter
    try:
        # bounded by the clock, and one timer for the whole loop: the last reply may take REPLY_TIMEOUT
        async with asyncio.timeout(max(0.0, end - perf()) + REPLY_TIMEOUT):
            while (now := perf()) < end:
                sent += 1
                ms, stamp = clock.stamp()
                elapsed = (ms - zero_ms) / 1000
                energy = wh + POWER_W * elapsed / 3600
                await ws.send(build(str(sent), transaction_id, stamp, energy, elapsed))
                reply = await _reply(ws, str(sent), tally)
                if reply[0] != 3:
                    errors[str(reply[2])] += 1  # warm-up included: any error spoils the run
                    continue
                tally.answered += 1
                if now >= begin:  # after the warm-up
                    latencies.append((perf() - now) * 1000)
                    tally.ok += 1
    except (TimeoutError, ValueError, ConnectionClosed, OSError) as exc:
        errors[_failure(exc)] += 1


def _failure(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return f"no reply within {REPLY_TIMEOUT:g} s"
    if isinstance(exc, ConnectionClosed):
        return f"connection closed by the server ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
    if isinstance(exc, OSError):
        return f"connection lost ({type(exc).__name__})"
    return "bad reply"


async def run_load(
    url: str,
    logins: list[ChargerLogin],
    warmup: float,
    seconds: float,
    *,
    client: str = "wire",
    frame: str = "full",
    on_window: Callable[[], object] | None = None,
) -> LoadResult:
    """Every charger at full speed for ``warmup + seconds``; only frames sent in the last ``seconds`` count.

    The clock starts once every charger is connected (and in session): connecting is not measured.
    ``on_window`` is called as the measured window opens and as it closes. ``client``: ``wire`` (bench/ocpp_wire.py,
    the default) or ``websockets`` (``websockets.asyncio.client.connect``, to cross-check the figures).
    ``frame``: ``full`` (energy, power, current, SoC: the default) or ``energy`` (the register alone).
    """
    window: Window = asyncio.get_running_loop().create_future()
    ready = [asyncio.Event() for _ in logins]
    tasks = [
        asyncio.create_task(_charger(url, login, n, Plan(client, frame, window), ready[n - 1]))
        for n, login in enumerate(logins, start=1)
    ]
    try:
        async with asyncio.timeout(180):  # argon2 password checks and sessions for every charger
            await asyncio.gather(*(event.wait() for event in ready))
    except TimeoutError:
        pass  # the chargers still not ready are reported as failed below
    start = time.perf_counter()
    window.set_result((start + warmup, start + warmup + seconds))
    if on_window is not None:
        loop = asyncio.get_running_loop()
        loop.call_later(warmup, on_window)
        loop.call_later(warmup + seconds, on_window)  # before the chargers' last replies: they end after it
    tallies = []
    for task in tasks:
        try:
            async with asyncio.timeout(warmup + seconds + 2 * REPLY_TIMEOUT + 60):
                tallies.append(await task)
        except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError, ValueError) as exc:
            failed = Tally()
            failed.setup.append(f"connection failed: {type(exc).__name__}: {exc}"[:300])
            tallies.append(failed)
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally.errors)
    return LoadResult(
        chargers=len(logins),
        seconds=seconds,
        ok=sum(t.ok for t in tallies),
        answered=sum(t.answered for t in tallies),
        latencies_ms=[x for t in tallies for x in t.latencies_ms],
        errors=dict(errors),
        setup_errors=[f"{login.charger_id}: {e}" for login, t in zip(logins, tallies, strict=True) for e in t.setup],
        server_calls=sum(t.server_calls for t in tallies),
    )
