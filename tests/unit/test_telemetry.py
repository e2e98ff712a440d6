"""Telemetry: what the real code paths record, read back from an in-memory OpenTelemetry SDK.

``telemetry.bind`` points the app's instruments at a test's own providers, so nothing global is set
and nothing leaves the process; ``configure`` is checked with the distro's entry point replaced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from local_host.bus_handler import BusBinding, MessageHandler
from local_host.discovery import BusFunction
from local_host.hostconfig import HostJson
from shared import telemetry
from shared.adapters.embedded.local_bus import LocalBus
from shared.bootstrap import Deps
from shared.config import project_root
from shared.domain.messages import new_message
from shared.http import webpubsub as wps
from shared.services.app_tags import app_id_tag
from tests.charging_fixture import Site, build_site

Attrs = frozenset[tuple[str, Any]]


@dataclass
class Recorded:
    reader: InMemoryMetricReader
    spans: InMemorySpanExporter

    def points(self, metric: telemetry.Metric) -> dict[Attrs, Any]:
        """The metric's data points by attribute set: a number, or (count, sum) for a histogram."""
        data = self.reader.get_metrics_data()
        found: dict[Attrs, Any] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for m in scope.metrics:
                    if m.name != metric.value:
                        continue
                    for p in m.data.data_points:
                        key = frozenset((p.attributes or {}).items())
                        if isinstance(p, HistogramDataPoint):
                            found[key] = (p.count, p.sum)
                        elif isinstance(p, NumberDataPoint):
                            found[key] = p.value
        return found

    def finished(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans.get_finished_spans() if s.name == name]


@pytest.fixture
def otel() -> Iterator[Recorded]:
    reader, exporter = InMemoryMetricReader(), InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[reader])
    telemetry.bind(tracer_provider=tracer_provider, meter_provider=meter_provider)
    yield Recorded(reader, exporter)
    telemetry.bind()
    meter_provider.shutdown()
    tracer_provider.shutdown()


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


def attrs(**values: Any) -> Attrs:
    return frozenset(values.items())


# ---- sessions ----------------------------------------------------------------------------------


async def test_an_app_session_started_then_stopped_is_counted_with_its_reason_and_energy(
    site: Site, otel: Recorded
) -> None:
    started = await site.start_from_app()
    assert started.status == 201, started.json
    assert otel.points(telemetry.Metric.SESSIONS_STARTED) == {attrs(origin="app"): 1}
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), meter_start=1000)
    assert otel.points(telemetry.Metric.SESSIONS_STARTED) == {attrs(origin="app"): 1}  # not again at the charger
    assert otel.points(telemetry.Metric.SESSIONS_STOPPED) == {}

    assert await site.stop(tx, 11500, reason="EVDisconnected") == {}
    assert await site.stop(tx, 11500, reason="EVDisconnected") == {}  # a retried StopTransaction closes nothing
    assert otel.points(telemetry.Metric.SESSIONS_STOPPED) == {attrs(reason="EVDisconnected"): 1}
    assert otel.points(telemetry.Metric.SESSION_ENERGY) == {attrs(reason="EVDisconnected"): (1, 10500)}
    assert otel.points(telemetry.Metric.SESSIONS_FAILED) == {}


async def test_a_refused_remote_start_counts_as_started_and_failed_with_the_reason(site: Site, otel: Recorded) -> None:
    started = await site.start_from_app()
    await site.answer("RemoteStartTransaction", {"status": "Rejected"})
    assert (await site.session(started.json["id"])).json["failureReason"] == "charger_rejected"
    assert otel.points(telemetry.Metric.SESSIONS_STARTED) == {attrs(origin="app"): 1}
    assert otel.points(telemetry.Metric.SESSIONS_FAILED) == {attrs(reason="charger_rejected"): 1}
    cancelled = await site.start_from_app()
    stopped = await site.functions("stop_session", "POST", token=site.tok, route={"sessionId": cancelled.json["id"]})
    assert stopped.status in (200, 202), stopped.json
    assert otel.points(telemetry.Metric.SESSIONS_FAILED) == {
        attrs(reason="charger_rejected"): 1,
        attrs(reason="cancelled"): 1,
    }


async def test_a_session_the_charger_starts_is_counted_once_even_when_the_frame_is_retried(
    site: Site, otel: Recorded
) -> None:
    first = await site.start("RFID-0001", meter_start=500)
    again = await site.start("RFID-0001", meter_start=500)  # same frame content: the charger retried it
    assert first == again
    assert otel.points(telemetry.Metric.SESSIONS_STARTED) == {attrs(origin="charger"): 1}


# ---- OCPP frames, charger sockets, dead letters -------------------------------------------------


async def test_each_answered_ocpp_call_counts_its_action_and_the_code_on_the_wire(site: Site, otel: Recorded) -> None:
    assert (await site.frame("Heartbeat", {}))[0] == 3
    invalid = await site.frame("BootNotification", {"chargePointVendor": "ABB"})  # chargePointModel missing
    unknown = await site.frame("MakeCoffee", {})
    assert invalid[0] == unknown[0] == 4
    points = otel.points(telemetry.Metric.OCPP_FRAMES)
    assert points == {
        attrs(action="Heartbeat", outcome="ok"): 1,
        attrs(action="BootNotification", outcome=invalid[2]): 1,
        attrs(action="unknown", outcome=unknown[2]): 1,  # a charger cannot grow the metric's dimensions
    }
    assert unknown[2] == "NotImplemented"


async def test_charger_sockets_opened_and_closed_move_the_up_down_counter(
    site: Site, deps: Deps, functions: Any, otel: Recorded
) -> None:
    async def event(ce_type: str, connection_id: str) -> int:
        headers = {
            "ce-type": ce_type, "ce-connectionid": connection_id, "ce-userid": site.charger_id,
            "ce-hub": deps.settings.webpubsub_hub, "content-type": "application/json",
            "ce-signature": wps.sign(connection_id, deps.settings.webpubsub_access_key_list),
        }  # fmt: skip
        answer = await functions("ocpp_webpubsub", "POST", headers=headers, raw=b"{}")
        status: int = answer.status
        return status

    assert await event(wps.CONNECTED, "c1") == 204
    assert await event(wps.CONNECTED, "c2") == 204
    assert otel.points(telemetry.Metric.CHARGER_CONNECTIONS) == {frozenset(): 2}
    assert await event(wps.DISCONNECTED, "c1") == 204
    assert otel.points(telemetry.Metric.CHARGER_CONNECTIONS) == {frozenset(): 1}


async def test_a_message_the_local_host_dead_letters_is_counted_by_entity(tmp_path: Path, otel: Recorded) -> None:
    bus = LocalBus(tmp_path / "bus.db", max_delivery_count=2)

    async def consumer(msg: Any) -> None:
        raise ValueError("cannot handle this")

    binding = BusBinding(BusFunction("consume", consumer, "msg", "session-events", "analytics"), "session-events", "x")
    try:
        await bus.ensure_subscription("session-events", "x")
        await bus.publish("session-events", new_message("SessionStarted", {}, tenant_id="t1"))
        handler = MessageHandler(bus, retry_base_seconds=0, retry_max_seconds=0)
        outcomes = []
        for _ in range(2):
            [delivery] = await bus.receive("session-events", "x")
            outcomes.append(await handler.handle(binding, delivery))
    finally:
        await bus.close()
    assert outcomes[-1] == "dead-lettered"
    assert otel.points(telemetry.Metric.DEAD_LETTERED) == {attrs(entity="session-events/x"): 1}


# ---- spans -------------------------------------------------------------------------------------


async def test_an_http_call_span_carries_the_correlation_id_the_caller_gets_back(
    deps: Deps, functions: Any, otel: Recorded
) -> None:
    made = await functions("health")
    given = await functions("health", headers={"x-correlation-id": "cid-from-the-caller"})
    assert given.headers["x-correlation-id"] == "cid-from-the-caller"
    spans = otel.finished("health")
    assert [s.attributes[telemetry.CORRELATION_ID] for s in spans if s.attributes] == [
        made.headers["x-correlation-id"],
        "cid-from-the-caller",
    ]
    assert spans[0].attributes and spans[0].attributes["http.route"] == "health"
    assert spans[0].attributes["http.response.status_code"] == made.status


def test_a_span_records_an_exception_raised_inside_it(otel: Recorded) -> None:
    with pytest.raises(RuntimeError), telemetry.span("work", "cid-1", step="one"):
        raise RuntimeError("boom")
    [span] = otel.finished("work")
    assert span.attributes == {"step": "one", telemetry.CORRELATION_ID: "cid-1"}
    assert span.status.status_code is trace.StatusCode.ERROR
    assert [e.name for e in span.events] == ["exception"]


def test_without_a_provider_the_api_calls_are_no_ops() -> None:
    telemetry.sessions_started("app")  # the global proxies: nothing installed in tests, nothing raised
    with telemetry.span("idle", "cid") as current:
        assert not current.is_recording()


# ---- configure and host.json -------------------------------------------------------------------


@pytest.fixture
def distro(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import azure.monitor.opentelemetry

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(azure.monitor.opentelemetry, "configure_azure_monitor", lambda **kw: calls.append(kw))
    monkeypatch.setattr(telemetry, "_configured", False)
    return calls


def test_configure_without_a_connection_string_does_not_install_azure_monitor(distro: list[dict[str, Any]]) -> None:
    assert telemetry.configure({}) is False
    assert telemetry.configure({"APPLICATIONINSIGHTS_CONNECTION_STRING": ""}) is False
    assert distro == []
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)  # importing function_app did not


def test_configure_with_a_connection_string_installs_it_once(distro: list[dict[str, Any]]) -> None:
    env = {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000"}
    assert telemetry.configure(env) is True
    assert telemetry.configure(env) is False
    assert distro == [{"connection_string": env["APPLICATIONINSIGHTS_CONNECTION_STRING"]}]


def test_configure_leaves_a_provider_the_functions_worker_installed(
    distro: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trace, "get_tracer_provider", TracerProvider)  # as after the worker's own setup
    assert telemetry.configure({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}) is False
    assert distro == []


def test_host_json_selects_the_opentelemetry_mode_and_the_local_host_still_reads_it() -> None:
    host = json.loads((project_root() / "host.json").read_text(encoding="utf-8"))
    assert host["telemetryMode"] == "OpenTelemetry"
    assert HostJson.from_dict(host) == HostJson(
        route_prefix=host["extensions"]["http"]["routePrefix"],
        max_concurrent_calls=host["extensions"]["serviceBus"]["maxConcurrentCalls"],
    )
