"""The local host over real HTTP on 127.0.0.1, with its own fixture FunctionApp."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import pytest

from local_host.discovery import functions_of
from local_host.hostconfig import HostJson, resolve_expression
from local_host.server import LocalHost
from local_host.threaded import serve_in_thread
from local_host.timers import next_occurrence
from shared.adapters.embedded.local_bus import MAX_DELIVERY_COUNT_EXCEEDED, LocalBus
from shared.adapters.embedded.local_bus_ops import insert
from shared.adapters.embedded.local_bus_sql import connect
from shared.config import Settings
from shared.domain.messages import Message, new_message

pytestmark = pytest.mark.e2e


@dataclass
class Seen:
    """What the fixture functions received."""

    messages: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    timers: list[bool] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


def build_app(seen: Seen) -> func.FunctionApp:
    """Two blueprints, as the project registers capabilities: the host finds both."""
    http = func.Blueprint()

    @http.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    async def health(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"status": "ok"}), mimetype="application/json")

    @http.route(route="users/{id}", methods=["GET", "DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
    def get_user(req: func.HttpRequest, context: Any) -> func.HttpResponse:  # sync: runs in a thread
        body = {
            "id": req.route_params["id"],
            "method": req.method,
            "params": dict(req.params),
            "cid": req.headers.get("x-correlation-id"),
            "url": req.url,
            "function": context.function_name,
        }
        return func.HttpResponse(json.dumps(body), mimetype="application/json", headers={"X-Extra": "1"})

    @http.route(route="items/{id:int}", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    async def post_item(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(
            json.dumps({"id": int(req.route_params["id"]), "size": len(req.get_body())}),
            status_code=201,
            mimetype="application/json",
        )

    @http.route(route="anything/{*rest}", auth_level=func.AuthLevel.ANONYMOUS)
    def anything(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(f"{req.method} {req.route_params.get('rest', '')}")

    @http.route(route="boom", auth_level=func.AuthLevel.ANONYMOUS)
    def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("bug")

    events = func.Blueprint()

    @events.service_bus_topic_trigger(
        arg_name="msg",
        topic_name="%SessionEventsTopic%",
        subscription_name="recorder",
        connection="ServiceBusConnection",
    )
    async def record(msg: func.ServiceBusMessage) -> None:
        props = dict(msg.application_properties)
        seen.messages.append((msg.message_id, msg.get_body().decode(), msg.delivery_count or 0, props))
        seen.arrived.set()

    @events.service_bus_queue_trigger(
        arg_name="msg", queue_name="%NotificationsQueue%", connection="ServiceBusConnection"
    )
    def always_fails(msg: func.ServiceBusMessage) -> None:
        seen.failures.append(msg.delivery_count or 0)
        raise ValueError("cannot send")

    @events.service_bus_queue_trigger(arg_name="msg", queue_name="slow", connection="ServiceBusConnection")
    async def slow(msg: func.ServiceBusMessage) -> None:
        seen.failures.append(-(msg.delivery_count or 0))  # negative: tells slow from always_fails
        await asyncio.sleep(0.8)

    @events.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
    async def yearly(timer: func.TimerRequest) -> None:
        seen.timers.append(timer.past_due)

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(http)
    app.register_functions(events)
    return app


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(local_bus_path=str(tmp_path / "bus.db"), notifications_queue="notify-test")


@pytest.fixture
async def bus(settings: Settings) -> AsyncIterator[LocalBus]:
    bus = LocalBus(settings.local_bus_path, max_delivery_count=3, lock_seconds=5)
    yield bus
    await bus.close()


@pytest.fixture
def make_host(seen: Seen, settings: Settings, bus: LocalBus) -> Callable[..., LocalHost]:
    def make(**kwargs: Any) -> LocalHost:
        options: dict[str, Any] = {"bus": bus, "poll_interval": 0.02, "retry_base_seconds": 0.01}
        return LocalHost(build_app(seen), settings, "127.0.0.1", 0, **(options | kwargs))

    return make


async def eventually(check: Callable[[], Any], timeout: float = 5.0) -> None:
    """Poll ``check`` (sync or async) until it is truthy; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_http_triggers_over_real_http(make_host: Callable[..., LocalHost]) -> None:
    async with make_host() as host, httpx.AsyncClient(base_url=host.url) as client:
        assert host.url.startswith("http://127.0.0.1:") and host.port != 0

        health = await client.get("/api/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        assert health.headers["content-type"] == "application/json"

        user = await client.get("/api/users/u_7", params={"expand": "cards", "x": "1"})
        body = user.json()
        assert (body["id"], body["method"], body["params"]) == ("u_7", "GET", {"expand": "cards", "x": "1"})
        assert body["url"] == f"{host.url}/api/users/u_7?expand=cards&x=1"
        assert body["function"] == "get_user"
        assert user.headers["x-extra"] == "1"
        assert (await client.delete("/api/users/u_7")).json()["method"] == "DELETE"

        created = await client.post("/api/items/12", content=b"abc")
        assert (created.status_code, created.json()) == (201, {"id": 12, "size": 3})

        text = await client.patch("/api/anything/a/b")  # no methods listed: every method
        assert text.text == "PATCH a/b"
        assert text.headers["content-type"] == "text/plain; charset=utf-8"

        for method, path in [
            ("GET", "/api/nope"),
            ("GET", "/health"),  # outside the route prefix
            ("POST", "/api/users/u_7"),  # method not listed: 404, as in Azure
            ("POST", "/api/items/abc"),  # constraint fails
        ]:
            assert (await client.request(method, path)).status_code == 404, (method, path)

        assert (await client.get("/api/boom")).status_code == 500


async def test_correlation_id_is_reused_or_made_and_echoed(make_host: Callable[..., LocalHost]) -> None:
    async with make_host() as host, httpx.AsyncClient(base_url=host.url) as client:
        given = await client.get("/api/users/1", headers={"x-correlation-id": "req-123"})
        assert given.headers["x-correlation-id"] == "req-123"
        assert given.json()["cid"] == "req-123"

        made = await client.get("/api/users/1")
        assert made.headers["x-correlation-id"] == made.json()["cid"]
        assert len(made.headers["x-correlation-id"]) >= 16
        assert (await client.get("/api/nope")).headers["x-correlation-id"]


async def test_bodies_over_one_mib_are_refused_with_413(make_host: Callable[..., LocalHost]) -> None:
    async with make_host() as host, httpx.AsyncClient(base_url=host.url) as client:
        assert (await client.post("/api/items/1", content=b"x" * (1024 * 1024))).status_code == 201

        refused = await client.post("/api/items/1", content=b"x" * (1024 * 1024 + 1))
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["code"] == "payload_too_large"
        assert problem["status"] == 413
        assert {"type", "title", "detail"} <= problem.keys()

        async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted while streaming
            for _ in range(20):
                yield b"x" * 65536

        assert (await client.post("/api/items/1", content=chunked())).status_code == 413


async def test_service_bus_trigger_receives_a_published_message(
    make_host: Callable[..., LocalHost], seen: Seen, settings: Settings
) -> None:
    async with make_host() as host:
        # the app publishes through its own bus instance on the same file
        app_bus = LocalBus(settings.local_bus_path)
        sent = new_message("SessionStarted", {"sessionId": "ses_1"}, correlation_id="cid-9")
        await app_bus.publish("session-events", sent)
        await app_bus.close()
        await asyncio.wait_for(seen.arrived.wait(), 5)
        [(message_id, body, count, props)] = seen.messages
        assert (message_id, count, props) == (sent.id, 1, {"type": "SessionStarted"})
        assert Message.from_json(body) == sent

        async def completed() -> bool:
            return await host.bus.active_count("session-events", "recorder") == 0

        await eventually(completed)


async def test_a_failing_consumer_is_retried_then_dead_lettered(
    make_host: Callable[..., LocalHost], seen: Seen, bus: LocalBus
) -> None:
    async with make_host():
        await bus.publish("notify-test", new_message("NotificationRequested", {"to": "a@b.c"}))

        async def dead() -> bool:
            return bool(await bus.dead_letters("notify-test"))

        await eventually(dead)
    assert seen.failures == [1, 2, 3]  # max_delivery_count=3
    [letter] = await bus.dead_letters("notify-test")
    assert letter.reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert letter.description == "ValueError: cannot send"


async def test_an_idle_poller_is_woken_by_what_this_process_sends(
    make_host: Callable[..., LocalHost], seen: Seen, settings: Settings
) -> None:
    # polls a minute apart: only the wake-up of the send can deliver in time
    async with make_host(poll_interval=60, idle_poll_interval=3600):
        await asyncio.sleep(0.3)  # the loops found nothing and wait
        app_bus = LocalBus(settings.local_bus_path)  # another instance on the same file, as the app's
        sent = new_message("SessionStarted", {"sessionId": "ses_3"})
        await app_bus.publish("session-events", sent)
        await app_bus.close()
        await asyncio.wait_for(seen.arrived.wait(), 5)
    assert [m[0] for m in seen.messages] == [sent.id]


async def test_a_retry_wakes_its_poller_when_it_is_due(
    make_host: Callable[..., LocalHost], seen: Seen, bus: LocalBus
) -> None:
    async with make_host(poll_interval=60, idle_poll_interval=3600, retry_base_seconds=0.2):
        await bus.publish("notify-test", new_message("NotificationRequested", {"to": "a@b.c"}))

        async def dead() -> bool:
            return bool(await bus.dead_letters("notify-test"))

        await eventually(dead)  # retries 0.2 s and 0.4 s after the failures, not a minute
    assert seen.failures == [1, 2, 3]


async def test_what_another_process_sends_is_found_by_polling(
    make_host: Callable[..., LocalHost], seen: Seen, settings: Settings
) -> None:
    async with make_host(idle_poll_interval=0.2):
        await asyncio.sleep(0.5)
        sent = new_message("SessionStopped", {"sessionId": "ses_4"})
        # written as another process would: straight into the file, no LocalBus of this process told
        with closing(connect(Path(settings.local_bus_path))) as conn:
            row = (sent.id, sent.to_json().encode(), "application/json", None, '{"type": "SessionStopped"}')
            insert(conn, time.time(), "session-events", row)
        await asyncio.wait_for(seen.arrived.wait(), 5)
    assert [m[0] for m in seen.messages] == [sent.id]


async def test_a_message_published_while_the_host_is_down_is_delivered_after_restart(
    make_host: Callable[..., LocalHost], seen: Seen, settings: Settings
) -> None:
    async with make_host():
        pass  # the first run registers the subscription
    offline = LocalBus(settings.local_bus_path)
    sent = new_message("SessionStopped", {"sessionId": "ses_2"})
    await offline.publish("session-events", sent)
    await offline.close()
    async with make_host(poll=False) as host:
        assert await host.drain() == 1
    assert [m[0] for m in seen.messages] == [sent.id]


async def test_timer_run_on_startup_fires(make_host: Callable[..., LocalHost], seen: Seen) -> None:
    async with make_host():
        await eventually(lambda: seen.timers)
    assert seen.timers == [False]


async def test_admin_endpoint_fires_timer_and_service_bus_functions(
    make_host: Callable[..., LocalHost], seen: Seen
) -> None:
    async with make_host(poll=False, timers=False) as host, httpx.AsyncClient(base_url=host.url) as client:
        assert seen.timers == []  # timers=False: no schedule, no run_on_startup

        fired = await client.post("/admin/functions/yearly", json={"input": ""})
        assert fired.status_code == 202
        payload = json.dumps({"id": "m1", "type": "Ping", "occurredAt": "2030-01-01T00:00:00Z"})
        assert (await client.post("/admin/functions/RECORD", json={"input": payload})).status_code == 202
        await host.drain()
        assert seen.timers == [False]
        assert [m[1] for m in seen.messages] == [payload]

        assert (await client.post("/admin/functions/nope", json={})).status_code == 404
        assert (await client.post("/admin/functions/health", json={})).status_code == 400


def test_serve_in_thread_for_synchronous_callers(seen: Seen, settings: Settings) -> None:
    with serve_in_thread(build_app(seen), settings, "127.0.0.1", 0, timers=False) as host:
        assert httpx.get(f"{host.url}/api/health").json() == {"status": "ok"}


def test_get_functions_is_called_once_per_app(seen: Seen) -> None:
    app = build_app(seen)
    assert functions_of(app) is functions_of(app)
    with pytest.raises(ValueError):
        app.get_functions()  # the library refuses a second call: everyone goes through functions_of


def test_the_host_binds_loopback_only(seen: Seen, settings: Settings) -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalHost(build_app(seen), settings, "0.0.0.0", 0)


async def test_the_lock_is_renewed_while_a_slow_function_runs(
    make_host: Callable[..., LocalHost], seen: Seen, settings: Settings
) -> None:
    short = LocalBus(settings.local_bus_path, max_delivery_count=3, lock_seconds=0.3)
    try:
        async with make_host(bus=short, timers=False):
            await short.publish("slow", new_message("Slow", {}))

            async def done() -> bool:
                return await short.active_count("slow") == 0

            await eventually(done)
        assert seen.failures == [-1]  # once, though it ran for more than two lock periods
    finally:
        await short.close()


async def test_route_prefix_and_concurrency_come_from_host_json(
    make_host: Callable[..., LocalHost], tmp_path: Path
) -> None:
    host_json = tmp_path / "host.json"
    host_json.write_text(
        json.dumps({"extensions": {"http": {"routePrefix": "v1"}, "serviceBus": {"maxConcurrentCalls": 4}}})
    )
    async with make_host(host_json=host_json, timers=False) as host, httpx.AsyncClient(base_url=host.url) as client:
        assert host.bus_runner.concurrency == 4
        assert (await client.get("/v1/health")).status_code == 200
        assert (await client.get("/api/health")).status_code == 404
    assert HostJson.from_dict({"extensions": {"http": {"routePrefix": ""}}}).route_prefix == ""
    assert HostJson.from_dict({}) == HostJson(route_prefix="api", max_concurrent_calls=1)


def test_app_setting_expressions() -> None:
    values = {"SessionEventsTopic": "session-events", "Env": "dev"}
    assert resolve_expression("%SessionEventsTopic%", values) == "session-events"
    assert resolve_expression("billing-%Env%", values) == "billing-dev"
    assert resolve_expression("plain", values) == "plain"
    with pytest.raises(KeyError, match="Missing"):
        resolve_expression("%Missing%", values)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        # {second} {minute} {hour} {day} {month} {day-of-week}
        ("0 */5 * * * *", "2030-01-01T10:02:30", "2030-01-01T10:05:00"),
        ("*/10 * * * * *", "2030-01-01T10:02:30", "2030-01-01T10:02:40"),
        ("30 0 2 * * *", "2030-01-01T10:02:30", "2030-01-02T02:00:30"),
        ("0 0 9 * * 1-5", "2030-01-05T10:00:00", "2030-01-07T09:00:00"),  # Saturday -> Monday
        ("0 0 0 1 1 *", "2030-06-01T00:00:00", "2031-01-01T00:00:00"),
        ("*/5 * * * *", "2030-01-01T10:02:30", "2030-01-01T10:05:00"),  # five fields: no seconds
        ("00:00:30", "2030-01-01T10:02:30", "2030-01-01T10:03:00"),  # TimeSpan
    ],
)
def test_ncrontab_schedules(schedule: str, after: str, expected: str) -> None:
    at = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert next_occurrence(schedule, at) == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_a_bad_schedule_fails_at_start() -> None:
    with pytest.raises(ValueError):
        next_occurrence("* * *", datetime(2030, 1, 1, tzinfo=UTC))
