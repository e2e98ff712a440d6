"""Analytics fed by the platform's own events: a session charged over OCPP, settled and refunded; and chargers
that fall silent counted down until they are heard again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from shared.adapters.embedded.local_bus import LocalBus
from shared.domain.messages import Message
from shared.domain.sessions import sortable_time
from shared.ports.store import Filter, Query
from shared.services.analytics import on_event
from shared.services.analytics_heartbeats import watch_heartbeats
from tests.charging_fixture import build_site, bus_messages
from tests.functions.charged_sessions import charged, refund
from tests.providers_fixture import driver

PROBE = "test-analytics-probe"


async def published(deps, topic: str) -> list[Message]:
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    found: list[Message] = []
    for _ in range(50):  # bounded
        batch = await bus.receive(topic, PROBE, max_messages=500)
        if not batch:
            return found
        for delivery in batch:
            found.append(Message.from_json(delivery.body))
            await bus.complete(delivery)
    return found


async def test_a_charged_and_refunded_session_in_the_figures(deps, clock, functions):
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    for topic in (deps.settings.session_events_topic, deps.settings.billing_events_topic):
        await bus.ensure_subscription(topic, PROBE)
    site = await build_site(deps, functions)
    payment = await charged(site, clock)  # 10.5 kWh, 5.00 EUR captured
    clock.advance(minutes=10)
    assert (await refund(site, payment.id, "refund-analytics-1", "2.00")).status == 201
    events = [*await published(deps, deps.settings.session_events_topic),
              *await published(deps, deps.settings.billing_events_topic)]  # fmt: skip
    types = {m.type for m in events}
    assert {"SessionStopped", "PaymentCaptured", "RefundIssued", "ConnectorStatusChanged"} <= types
    for message in [*events, *reversed(events)]:
        await on_event(deps, message)

    day = clock.now().date().isoformat()
    params = {"from": day, "to": day}
    answer = await functions("provider_analytics", token=site.team.admin.renewed(deps).token,
                             route={"providerId": site.team.id}, params=params)  # fmt: skip
    assert answer.status == 200, answer.json
    total = answer.json["total"]
    assert total["sessions"] == 1 and Decimal(total["energyKwh"]) == Decimal("10.5")
    assert total["revenue"] == [{"currency": "EUR", "collected": "5.00", "refunded": "2.00", "net": "3.00"}]
    assert total["occupiedSeconds"] == 30 * 60
    mine = await functions("my_statistics", token=site.tok, params=params)
    assert mine.status == 200
    assert mine.json["total"]["sessions"] == 1 and mine.json["total"]["co2AvoidedKg"] == "4.200"
    assert mine.json["total"]["spend"][0]["net"] == "3.00"
    someone = await driver(deps, "someone-else@example.com", card=None)
    other = await functions("my_statistics", token=someone.token, params=params)
    assert other.status == 200 and other.json["total"]["sessions"] == 0


async def test_a_silent_charger_is_down_until_heard_again(deps, clock, functions):
    site = await build_site(deps, functions)
    interval = deps.settings.ocpp_heartbeat_interval_seconds
    start = clock.now()
    await site.result("Heartbeat", {})
    assert await watch_heartbeats(deps) == (0, 0)
    clock.advance(seconds=2 * interval + 60)
    assert await watch_heartbeats(deps) == (1, 0)  # offline since its heartbeat + 2 intervals
    assert await watch_heartbeats(deps) == (0, 0)  # marked once
    told = await queued(deps, "ChargerOffline")  # the provider hears of it once
    assert [(m.body["providerId"], m.body["chargerId"]) for m in told] == [(site.team.id, site.charger_id)]
    clock.advance(minutes=30)
    await site.result("Heartbeat", {})  # heard again: back at the time it was seen
    back_at = clock.now()
    assert await watch_heartbeats(deps) == (0, 1)
    day = start.date().isoformat()
    doc = await deps.store.read("rollups", f"day:station:{site.station_id}:{day}", f"station:{site.station_id}")
    offline = int((back_at - (start + timedelta(seconds=2 * interval))).total_seconds())
    assert doc["figures"]["downSeconds"] == 2 * offline  # both connectors of CP-1
    reports = await deps.store.query("rollups", Query((Filter("kind", "eq", "status"),), limit=50))
    assert {(r["status"], r["at"]) for r in reports.items} >= {
        ("Offline", sortable_time(start + timedelta(seconds=2 * interval))),
        ("Available", sortable_time(back_at)),
    }


async def test_the_subscription_functions_take_both_topics(deps, acme):
    import function_app
    from local_host.discovery import functions_of

    found = {f.get_function_name(): f for f in functions_of(function_app.app)}
    triggers = {n: found[n].get_trigger() for n in ("analytics_session_events", "analytics_billing_events")}
    assert {t.topic_name for t in triggers.values()} == {"%SessionEventsTopic%", "%BillingEventsTopic%"}
    assert {t.subscription_name for t in triggers.values()} == {"analytics"}
    body = {"stationId": "stn_none", "connectorKey": "CP-9/1", "status": "Faulted", "at": "2026-11-24T10:00:00.000000Z"}
    message = Message(id="ConnectorStatusChanged:CP-9/1:Faulted:x", type="ConnectorStatusChanged",
                      occurred_at=deps.clock.now(), tenant_id=acme.id, body=body)  # fmt: skip
    for _ in range(2):
        await found["analytics_session_events"].get_user_function()(bus_message(message))
    reports = await deps.store.query("rollups", Query((Filter("kind", "eq", "status"),), limit=10))
    assert [(r["connectorKey"], r["status"]) for r in reports.items] == [("CP-9/1", "Faulted")]
    billing = Message(id="PaymentCaptured:pay_x", type="PaymentCaptured", occurred_at=deps.clock.now(),
                      tenant_id=acme.id, body={"sessionId": "not-a-session"})  # fmt: skip
    await found["analytics_billing_events"].get_user_function()(
        bus_message(billing)
    )  # a session that does not exist: nothing to write, no error


def bus_message(message: Message) -> Any:
    from azure.functions.servicebus import ServiceBusMessage

    return ServiceBusMessage(
        body=message.to_json().encode(), message_id=message.id, application_properties={}, user_properties={}
    )


async def queued(deps, kind: str):
    """The messages of one kind on the notifications queue (taken off it)."""
    return [m for m in await bus_messages(deps, deps.settings.notifications_queue) if m.type == kind]
