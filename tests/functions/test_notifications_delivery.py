"""Delivery failures, dead letters and their replay; the reservation reminder; a provider application's
decision; and the Service Bus dead-letter adapter against a recording client."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from azure.servicebus import ServiceBusSubQueue

from shared.adapters.azure.servicebus_dead_letters import ServiceBusDeadLetters
from shared.bootstrap import Deps
from shared.domain.messages import new_message
from shared.domain.reservations import Reservation
from shared.ports.dead_letters import DeadLetterSource
from shared.services.notification_reminders import send_reservation_reminders
from tests.conftest import Functions
from tests.fakes import FakeClock
from tests.functions.notification_helpers import RecordingMailer, app_host
from tests.functions.test_providers_api import account, admin, apply, decide
from tests.providers_fixture import create_provider, driver, platform_admin

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def mailer(deps: Deps) -> RecordingMailer:
    recording = RecordingMailer()
    deps.mailer = recording
    return recording


async def test_failing_mailer_is_retried_then_dead_lettered_and_replayed_by_an_admin(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    me = await driver(deps, card=None)
    message = new_message("PaymentFailed", {"kind": "PaymentFailed", "userId": me.user_id, "sessionId": "ses_1",
                                            "currency": "EUR", "amount": "9.99", "reason": "card_declined",
                                            "final": False}, id="notify:PaymentFailed:pay_1:1")  # fmt: skip
    mailer.failing = True
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.notifications_queue, message)
        await host.drain()
        assert mailer.attempts == deps.settings.bus_max_delivery_count  # retried, then given up

        boss = platform_admin(deps).token
        assert (await functions("list_platform_dead_letters", token=me.token)).status == 403
        listed = await functions("list_platform_dead_letters", token=boss)
        assert listed.status == 200
        [dead] = listed.json
        assert dead["entity"] == "notifications" and dead["subscription"] is None
        assert dead["messageId"] == message.id and dead["type"] == "PaymentFailed"
        assert "mail server down" in (dead["description"] or "")

        missing = await functions("replay_platform_dead_letter", "POST", token=boss, route={"deadLetterId": "x~~1"})
        assert missing.status == 404
        mailer.failing = False
        replayed = await functions(
            "replay_platform_dead_letter", "POST", token=boss, route={"deadLetterId": dead["id"]}
        )
        assert replayed.status == 204
        await host.drain()
    [mail] = mailer.sent
    assert mail.subject == "Payment failed: €9.99"
    assert (await functions("list_platform_dead_letters", token=boss)).json == []
    # the in-app notification was stored on the first attempt and not again on the replay
    assert len((await functions("list_my_notifications", token=me.token)).json["items"]) == 1


def reservation(deps: Deps, user_id: str, provider_id: str, starts_in: timedelta) -> Reservation:
    now = deps.clock.now()
    return Reservation(
        id=f"res_{uuid.uuid4().hex}", connector_key="CP-1/1", station_id="stn_missing", provider_id=provider_id,
        charger_id="CP-1", connector_id=1, user_id=user_id, id_tag="APP1", starts_at=now + starts_in,
        ends_at=now + starts_in + timedelta(minutes=30), ocpp_reservation_id=7, created_at=now, updated_at=now,
    )  # fmt: skip


async def test_reminder_ten_minutes_before_once(
    deps: Deps, clock: FakeClock, functions: Functions, mailer: RecordingMailer
) -> None:
    team = await create_provider(deps)
    me = await driver(deps, card=None)
    soon = reservation(deps, me.user_id, team.id, timedelta(minutes=12))
    later = reservation(deps, me.user_id, team.id, timedelta(minutes=40))
    for r in (soon, later):
        await deps.store.create("reservations", r.model_dump(mode="json", by_alias=True))
    assert await send_reservation_reminders(deps) == 0  # 12 minutes ahead: not yet
    clock.advance(minutes=2)
    assert await send_reservation_reminders(deps) == 1
    clock.advance(minutes=1)
    assert await send_reservation_reminders(deps) == 0  # reminded already
    async with app_host(deps) as host:
        await host.drain()
    [mail] = mailer.sent
    assert mail.subject == "Your reservation starts soon at stn_missing"
    assert (await functions("list_my_notifications", token=me.token)).json["items"][0]["kind"] == "ReservationReminder"


async def test_applicant_hears_the_decision(deps: Deps, functions: Functions, mailer: RecordingMailer) -> None:
    tokens = await account(functions, "owner@acme.example.com")
    application = await apply(functions, tokens["accessToken"])
    async with app_host(deps) as host:
        rejected = await decide(
            functions, await admin(functions), application.json["id"], "reject", reason="<i>VAT</i>"
        )
        assert rejected.status == 200
        await host.drain()
    [mail] = mailer.to("owner@acme.example.com")
    assert mail.subject == "Your application for Acme Charging"
    assert "Reason: <i>VAT</i>" in mail.text and "&lt;i&gt;VAT&lt;/i&gt;" in mail.html


# -- the Service Bus adapter, against a recording client ------------------------------------------


class DeadMessage:
    def __init__(self, seq: int) -> None:
        self.sequence_number, self.message_id = seq, f"msg_{seq}"
        self.body = [b'{"id":"msg_', str(seq).encode(), b'"}']
        self.application_properties = {b"type": b"SessionStopped"}
        self.dead_letter_reason, self.dead_letter_error_description = "MaxDeliveryCountExceeded", "boom"
        self.delivery_count, self.enqueued_time_utc = 10, None
        self.content_type, self.correlation_id, self.subject = "application/json", None, "SessionStopped"


class Receiver:
    def __init__(self, messages: list[DeadMessage], log: list[str]) -> None:
        self.messages, self.log = messages, log

    async def peek_messages(self, max_message_count: int = 1) -> list[Any]:
        return self.messages[:max_message_count]

    async def receive_messages(
        self, max_message_count: int | None = 1, max_wait_time: float | None = None
    ) -> list[Any]:
        batch, self.messages = self.messages[:2], self.messages[2:]
        return batch

    async def complete_message(self, message: Any) -> None:
        self.log.append(f"complete {message.sequence_number}")

    async def abandon_message(self, message: Any) -> None:
        self.log.append(f"abandon {message.sequence_number}")

    async def __aenter__(self) -> Receiver:
        return self

    async def __aexit__(self, *args: Any) -> None:
        self.log.append("close receiver")


class Sender:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log, self.sent = name, log, []

    async def send_messages(self, message: Any, /) -> None:
        self.log.append(f"send to {self.name} as {message.message_id}")
        self.sent.append(message)

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None


class Client:
    def __init__(self, count: int) -> None:
        self.log: list[str] = []
        self.opened: list[tuple[str, str | None, Any]] = []
        self.count = count

    def _receiver(self) -> Receiver:
        return Receiver([DeadMessage(s) for s in range(1, self.count + 1)], self.log)

    def get_queue_receiver(self, queue_name: str, **kwargs: Any) -> Receiver:
        self.opened.append((queue_name, None, kwargs.get("sub_queue")))
        return self._receiver()

    def get_subscription_receiver(self, topic_name: str, subscription_name: str, **kwargs: Any) -> Receiver:
        self.opened.append((topic_name, subscription_name, kwargs.get("sub_queue")))
        return self._receiver()

    def get_queue_sender(self, queue_name: str, /) -> Sender:
        return Sender(f"queue {queue_name}", self.log)

    def get_topic_sender(self, topic_name: str, /) -> Sender:
        return Sender(f"topic {topic_name}", self.log)


async def test_servicebus_lists_by_peeking_each_dead_letter_queue() -> None:
    client = Client(count=2)
    adapter = ServiceBusDeadLetters(client, topics={"session-events"})
    sources = [DeadLetterSource("notifications"), DeadLetterSource("session-events", "billing")]
    entries = await adapter.list(sources, limit=3)
    assert client.opened == [
        ("notifications", None, ServiceBusSubQueue.DEAD_LETTER),
        ("session-events", "billing", ServiceBusSubQueue.DEAD_LETTER),
    ]
    assert [e.id for e in entries] == ["notifications~~1", "notifications~~2", "session-events~billing~1"]
    assert entries[0].type == "SessionStopped" and entries[0].body == '{"id":"msg_1"}'
    assert "complete 1" not in client.log  # peeking settles nothing


async def test_servicebus_replay_resends_then_completes_and_abandons_the_rest() -> None:
    client = Client(count=5)
    adapter = ServiceBusDeadLetters(client, topics={"session-events"}, wait_seconds=0)
    assert await adapter.replay(DeadLetterSource("session-events", "billing"), 3) is True
    assert client.log == [
        "send to topic session-events as msg_3:replay:3",  # a new broker id: duplicate detection keeps it
        "complete 3",
        "abandon 1",
        "abandon 2",
        "abandon 4",
        "close receiver",
    ]
    assert await adapter.replay(DeadLetterSource("notifications"), 99) is False


async def test_drivers_with_a_reservation_in_a_new_maintenance_window_are_told_once(
    deps: Deps, clock: FakeClock, functions: Functions, mailer: RecordingMailer
) -> None:
    from tests.charging_fixture import build_site

    site = await build_site(deps, functions)
    me, other = await driver(deps, "in-window@example.com"), await driver(deps, "elsewhere@example.com")
    hit = reservation(deps, me.user_id, site.team.id, timedelta(hours=2)).model_copy(
        update={"station_id": site.station_id, "connector_key": "CP-1/1"}
    )
    spared = reservation(deps, other.user_id, site.team.id, timedelta(hours=2)).model_copy(
        update={"station_id": site.station_id, "connector_key": "CP-1/2", "connector_id": 2}
    )
    for r in (hit, spared):
        await deps.store.create("reservations", r.model_dump(mode="json", by_alias=True))
    now = clock.now()
    window = {"chargerId": "CP-1", "connectorId": 1, "startsAt": (now + timedelta(hours=1)).isoformat(),
              "endsAt": (now + timedelta(hours=3)).isoformat(), "reason": "cable swap"}  # fmt: skip
    made = await functions(
        "create_maintenance_window", "POST", token=site.team.admin.token, route={"stationId": site.station_id},
        body=window,
    )  # fmt: skip
    assert made.status == 201, made.json
    async with app_host(deps) as host:
        await host.drain()
    [mail] = mailer.sent
    assert mail.to == "in-window@example.com"
    inbox = (await functions("list_my_notifications", token=me.token)).json["items"]
    assert [n["kind"] for n in inbox] == ["ReservationDisrupted"]
    assert "maintenance" in (inbox[0]["title"] + inbox[0]["text"]).lower()
    assert (await functions("list_my_notifications", token=other.token)).json["items"] == []
