"""Traces and metrics for Application Insights through OpenTelemetry, behind a small typed API.

The code records what admins watch in the portal (sessions, charger sockets, OCPP frames, dead
letters, payment failures) by calling the functions here; ``Metric`` holds every metric name, and the
workbook and alert queries in infra/bicep are checked against it (tests/infra/test_bicep.py).

Without an SDK provider (locally, in tests) every call lands on OpenTelemetry's API no-ops. In Azure
the Python worker installs Azure Monitor itself when PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY is
true, before it imports function_app.py, and parents each invocation on the host's span; ``configure``
then leaves it alone and only installs the distro where a connection string is set and nobody has.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum

from opentelemetry import metrics, trace
from opentelemetry.util.types import AttributeValue

__all__ = [
    "CONNECTION_STRING",
    "CORRELATION_ID",
    "Metric",
    "bind",
    "charger_connection",
    "configure",
    "dead_lettered",
    "ocpp_frame",
    "payment_failed",
    "sessions_failed",
    "sessions_started",
    "sessions_stopped",
    "span",
]

NAME = "wattsup"
CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
CORRELATION_ID = "wattsup.correlation_id"  # span attribute: customDimensions["wattsup.correlation_id"]
_MAX_ID = 128  # a caller-supplied id is bounded before it becomes an attribute


class Metric(StrEnum):
    """Every metric the app emits; in Application Insights each is a ``customMetrics`` name."""

    SESSIONS_STARTED = "wattsup.sessions.started"  # origin: app | charger
    SESSIONS_FAILED = "wattsup.sessions.failed"  # reason: the session's failureReason
    SESSIONS_STOPPED = "wattsup.sessions.stopped"  # reason: the stop reason (OCPP's, or the sweep's)
    SESSION_ENERGY = "wattsup.sessions.energy"  # Wh per stopped session (histogram), reason
    OCPP_FRAMES = "wattsup.ocpp.frames"  # action, outcome: ok | the CALLERROR code
    CHARGER_CONNECTIONS = "wattsup.chargers.connections"  # open charger sockets (up-down, per worker)
    DEAD_LETTERED = "wattsup.bus.dead_lettered"  # entity; the local host only (in Azure: the broker's metric)
    PAYMENTS_FAILED = "wattsup.payments.failed"  # reason


class _Instruments:
    def __init__(
        self, tracer_provider: trace.TracerProvider | None, meter_provider: metrics.MeterProvider | None
    ) -> None:
        self.tracer = trace.get_tracer(NAME, tracer_provider=tracer_provider)
        meter = metrics.get_meter(NAME, meter_provider=meter_provider)
        self.started = meter.create_counter(Metric.SESSIONS_STARTED.value, "{session}", "Sessions started")
        self.failed = meter.create_counter(Metric.SESSIONS_FAILED.value, "{session}", "Sessions that never started")
        self.stopped = meter.create_counter(Metric.SESSIONS_STOPPED.value, "{session}", "Sessions closed")
        self.energy = meter.create_histogram(Metric.SESSION_ENERGY.value, "Wh", "Energy of a closed session")
        self.frames = meter.create_counter(Metric.OCPP_FRAMES.value, "{frame}", "OCPP calls answered")
        self.sockets = meter.create_up_down_counter(
            Metric.CHARGER_CONNECTIONS.value, "{connection}", "Charger sockets opened minus closed"
        )
        self.dead = meter.create_counter(Metric.DEAD_LETTERED.value, "{message}", "Messages dead-lettered")
        self.payments = meter.create_counter(Metric.PAYMENTS_FAILED.value, "{payment}", "Payment operations failed")


# Bound to the global providers, which are proxies until a real one is set (then they forward to it).
_now = _Instruments(None, None)
_configured = False


def bind(
    *, tracer_provider: trace.TracerProvider | None = None, meter_provider: metrics.MeterProvider | None = None
) -> None:
    """Record into these providers (a test's in-memory SDK) instead of the global ones; no arguments: back."""
    global _now
    _now = _Instruments(tracer_provider, meter_provider)


def configure(environ: Mapping[str, str] | None = None) -> bool:
    """Install Azure Monitor's distro if a connection string is set and no SDK is installed yet.

    True when this call installed it; idempotent. Never locally or in tests: they set no connection string.
    """
    global _configured
    env = os.environ if environ is None else environ
    if _configured or not env.get(CONNECTION_STRING):
        return False
    _configured = True
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return False  # the Functions worker did it (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY)
    from azure.monitor.opentelemetry import configure_azure_monitor

    # Entra auth (App Insights has local auth off) comes from APPLICATIONINSIGHTS_AUTHENTICATION_STRING.
    configure_azure_monitor(connection_string=env[CONNECTION_STRING])
    return True


def sessions_started(origin: str) -> None:
    _now.started.add(1, {"origin": origin})


def sessions_failed(reason: str) -> None:
    _now.failed.add(1, {"reason": reason})


def sessions_stopped(reason: str, energy_wh: int) -> None:
    _now.stopped.add(1, {"reason": reason})
    _now.energy.record(max(0, energy_wh), {"reason": reason})


def ocpp_frame(action: str, outcome: str) -> None:
    """One call from a charger answered: ``outcome`` is "ok" or the CALLERROR's code."""
    _now.frames.add(1, {"action": action, "outcome": outcome})


def charger_connection(connected: bool) -> None:
    _now.sockets.add(1 if connected else -1)


def dead_lettered(entity: str) -> None:
    _now.dead.add(1, {"entity": entity})


def payment_failed(reason: str) -> None:
    _now.payments.add(1, {"reason": reason})


@contextmanager
def span(name: str, correlation_id: str, **attributes: AttributeValue | None) -> Iterator[trace.Span]:
    """A span carrying the correlation id the caller sees; an exception inside is recorded on it."""
    attrs: dict[str, AttributeValue] = {k: v for k, v in attributes.items() if v is not None}
    attrs[CORRELATION_ID] = correlation_id[:_MAX_ID]
    with _now.tracer.start_as_current_span(name, attributes=attrs) as current:
        yield current
