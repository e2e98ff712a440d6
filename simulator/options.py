"""How a simulated charger behaves: timings, units, identity. One frozen value, shared by its parts."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Options"]


@dataclass(frozen=True)
class Options:
    meter_interval: float = 60.0  # seconds between periodic MeterValues while a session runs (0: none)
    kwh_unit: bool = False  # energy in kWh and power in kW instead of Wh and W
    speed: float = 1.0  # simulated seconds of charging per real second (timestamps stay real)
    heartbeat_interval: float | None = None  # None: the interval the BootNotification answer gives
    boot_retry_seconds: float = 10.0  # when a Pending/Rejected answer gives no interval, or the call fails
    response_timeout: float = 10.0  # seconds to wait for the answer to a CALL
    open_timeout: float = 10.0  # seconds for the WebSocket handshake
    reconnect: bool = True  # reconnect by itself after losing the connection (not after drop())
    reconnect_delay: float = 1.0  # first wait before reconnecting; doubles up to 30 s
    unplug_after: float | None = None  # the driver unplugs this long after a session ends (None: stays)
    allow_offline_unknown: bool = False  # AllowOfflineTxForUnknownId: start offline for a tag never accepted
    vendor: str = "Watt's Up"
    model: str = "Simulator"
    serial_number: str | None = None
    firmware_version: str = "sim-1.0"

    def __post_init__(self) -> None:
        if self.meter_interval < 0 or self.speed <= 0 or self.response_timeout <= 0 or self.open_timeout <= 0:
            raise ValueError("intervals and timeouts must be positive (meter_interval may be 0)")
