"""ServiceBusEventBus against the SDK's own message type, with a recording client.

There is no Service Bus emulator here (DESIGN section 10), so the client and its
senders are fakes that record what the adapter hands to the SDK; the messages
themselves are real ``azure.servicebus.ServiceBusMessage`` objects.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import azure.functions.servicebus as func_sb
import pytest
from azure.servicebus import ServiceBusMessage

from shared.adapters.azure.servicebus_bus import ServiceBusEventBus
from shared.domain.messages import Message, new_message

TOPICS = {"session-events", "billing-events"}


class RecordingSender:
    def __init__(self, kind: str, name: str, log: list[str]) -> None:
        self.kind, self.name, self.log = kind, name, log
        self.sent: list[ServiceBusMessage] = []
        self.closed = False
        self.fail_with: BaseException | None = None
        self.open_delay = 0.0

    async def send_messages(self, message: ServiceBusMessage, /) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)

    async def close(self) -> None:
        self.closed = True
        self.log.append(f"close sender {self.name}")

    async def __aenter__(self) -> RecordingSender:
        await asyncio.sleep(self.open_delay)
        if self.fail_with is not None:
            raise self.fail_with
        self.log.append(f"open {self.name}")
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


class RecordingClient:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.senders: list[RecordingSender] = []
        self.closed = False
        self.sender_fail_with: BaseException | None = None
        self.sender_open_delay = 0.0

    def _sender(self, kind: str, name: str) -> RecordingSender:
        sender = RecordingSender(kind, name, self.log)
        sender.fail_with, sender.open_delay = self.sender_fail_with, self.sender_open_delay
        self.senders.append(sender)
        return sender

    def get_topic_sender(self, topic_name: str, /) -> RecordingSender:
        return self._sender("topic", topic_name)

    def get_queue_sender(self, queue_name: str, /) -> RecordingSender:
        return self._sender("queue", queue_name)

    async def close(self) -> None:
        self.closed = True
        self.log.append("close client")


class FakeCredential:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("the recording client never authenticates")

    async def close(self) -> None:
        self.log.append("close credential")

    async def __aenter__(self) -> FakeCredential:
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


@pytest.fixture
def client() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
def bus(client: RecordingClient) -> ServiceBusEventBus:
    return ServiceBusEventBus(client, topics=TOPICS, credential=FakeCredential(client.log))


def sample(**overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "id": "msg_0123",
        "tenant_id": "prv_42",
        "correlation_id": "req_7",
        "occurred_at": datetime(2025, 3, 1, 12, 30, 5, 123000, tzinfo=UTC),
    }
    fields.update(overrides)
    return new_message("SessionStarted", {"sessionId": "ses_1", "kWh": "0.000"}, **fields)


def body_bytes(message: ServiceBusMessage) -> bytes:
    # an outgoing message's body is a generator of AMQP data sections
    return b"".join(message.body)


async def test_message_fields_sent(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    message = sample()
    await bus.publish("session-events", message)

    [sender] = client.senders
    [sent] = sender.sent
    assert isinstance(sent, ServiceBusMessage)
    assert body_bytes(sent).decode("utf-8") == message.to_json()
    assert Message.from_json(body_bytes(sent)) == message
    assert sent.message_id == "msg_0123"
    assert sent.subject == "SessionStarted"
    assert sent.content_type == "application/json"
    assert sent.correlation_id == "req_7"
    assert sent.application_properties == {
        "type": "SessionStarted",
        "tenantId": "prv_42",
        "occurredAt": "2025-03-01T12:30:05.123000Z",
    }
    # and the same values on the AMQP message the SDK will put on the wire
    raw = sent.raw_amqp_message
    assert raw.properties is not None
    assert raw.properties.message_id == "msg_0123"
    assert raw.properties.subject == "SessionStarted"
    assert raw.properties.content_type == "application/json"
    assert raw.properties.correlation_id == "req_7"


async def test_absent_tenant_and_correlation(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    await bus.publish("notifications", sample(tenant_id=None, correlation_id=None))

    [sent] = client.senders[0].sent
    # the SDK refuses None as a property value; absent is what a filter sees as NULL
    assert sent.application_properties is not None
    assert set(sent.application_properties) == {"type", "occurredAt"}
    assert sent.correlation_id is None


async def test_topic_or_queue_sender(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    await bus.publish("session-events", sample())
    await bus.publish("billing-events", sample(id="msg_2"))
    await bus.publish("notifications", sample(id="msg_3"))

    assert [(s.kind, s.name) for s in client.senders] == [
        ("topic", "session-events"),
        ("topic", "billing-events"),
        ("queue", "notifications"),
    ]


async def test_sender_created_once_per_destination(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    for n in range(3):
        await bus.publish("session-events", sample(id=f"msg_s{n}"))
    await asyncio.gather(*(bus.publish("notifications", sample(id=f"msg_n{n}")) for n in range(3)))

    assert [s.name for s in client.senders] == ["session-events", "notifications"]
    assert [m.message_id for m in client.senders[0].sent] == ["msg_s0", "msg_s1", "msg_s2"]
    assert len(client.senders[1].sent) == 3


async def test_send_error_propagates(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    client.sender_fail_with = RuntimeError("link detached")
    with pytest.raises(RuntimeError, match="link detached"):
        await bus.publish("session-events", sample())


async def test_close_closes_senders_client_and_credential(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    await bus.publish("session-events", sample())
    await bus.publish("notifications", sample(id="msg_2"))
    await bus.close()

    assert all(s.closed for s in client.senders)
    assert sorted(client.log[:2]) == ["close sender notifications", "close sender session-events"]
    assert client.log[2:] == ["close client", "close credential"]


async def test_close_finishes_even_if_a_sender_close_fails(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    await bus.publish("session-events", sample())

    async def broken_close() -> None:
        raise RuntimeError("close failed")

    client.senders[0].close = broken_close  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="close failed"):
        await bus.close()
    assert client.log == ["close client", "close credential"]


async def test_check_opens_a_fresh_link_per_destination(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    await bus.publish("notifications", sample())
    await bus.check()

    probes = client.senders[1:]
    assert sorted((s.kind, s.name) for s in probes) == [
        ("queue", "notifications"),
        ("topic", "billing-events"),
        ("topic", "session-events"),
    ]
    assert all(s.closed and not s.sent for s in probes)
    assert not client.senders[0].closed  # the publishing sender stays open


async def test_check_raises_when_unreachable(bus: ServiceBusEventBus, client: RecordingClient) -> None:
    client.sender_fail_with = ConnectionError("amqp:socket-error")
    with pytest.raises(ConnectionError):
        await bus.check()


async def test_check_is_bounded(client: RecordingClient) -> None:
    client.sender_open_delay = 5.0
    bus = ServiceBusEventBus(client, topics=TOPICS, check_timeout=0.05)
    with pytest.raises(TimeoutError):
        await bus.check()


async def test_envelope_round_trips_through_a_functions_trigger(
    bus: ServiceBusEventBus, client: RecordingClient
) -> None:
    message = sample()
    await bus.publish("session-events", message)
    [sent] = client.senders[0].sent

    # what the Functions host hands a Service Bus trigger for that message
    received = func_sb.ServiceBusMessage(
        body=body_bytes(sent),
        message_id=sent.message_id or "",
        content_type=sent.content_type,
        correlation_id=sent.correlation_id,
        subject=sent.subject,
        application_properties={
            k.decode() if isinstance(k, bytes) else k: v for k, v in (sent.application_properties or {}).items()
        },
        user_properties={},
        delivery_count=1,
        enqueued_time_utc=datetime.now(UTC),
    )
    assert Message.from_json(received.get_body()) == message
    assert received.message_id == message.id
    assert received.application_properties["type"] == "SessionStarted"
