"""EventBus on Azure Service Bus (DESIGN sections 3 and 5).

Production authenticates with a managed identity (``DefaultAzureCredential``
on the fully qualified namespace, no keys); a connection string is accepted for
tooling. There is no local emulator: tests inject a recording client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from contextlib import AsyncExitStack
from typing import Any, Protocol

from azure.core.credentials_async import AsyncTokenCredential
from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient

from shared.config import Settings
from shared.domain.messages import Message

__all__ = ["SenderLike", "ServiceBusClientLike", "ServiceBusEventBus", "to_servicebus_message"]


class SenderLike(Protocol):
    """The part of ``azure.servicebus.aio.ServiceBusSender`` the bus uses."""

    async def send_messages(self, message: ServiceBusMessage, /) -> None: ...
    async def close(self) -> None: ...
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *args: Any) -> None: ...


class ServiceBusClientLike(Protocol):
    """The part of ``azure.servicebus.aio.ServiceBusClient`` the bus uses."""

    def get_topic_sender(self, topic_name: str, /) -> SenderLike: ...
    def get_queue_sender(self, queue_name: str, /) -> SenderLike: ...
    async def close(self) -> None: ...


def to_servicebus_message(message: Message) -> ServiceBusMessage:
    """The envelope JSON as the body, plus the broker-visible fields.

    ``message_id`` is the envelope id so the broker's duplicate detection and
    the consumers' idempotency use the same key; ``subject`` and the
    application properties let subscriptions filter without parsing the body.
    """
    properties: dict[str | bytes, Any] = {
        "type": message.type,
        # same ISO form as in the body, so a filter and a consumer agree
        "occurredAt": message.model_dump(mode="json", by_alias=True, include={"occurred_at"})["occurredAt"],
    }
    # AMQP properties cannot be null in this SDK; a missing property is
    # what a subscription SQL filter treats as ``tenantId IS NULL`` anyway.
    if message.tenant_id is not None:
        properties["tenantId"] = message.tenant_id
    return ServiceBusMessage(
        message.to_json(),
        message_id=message.id,
        subject=message.type,
        content_type="application/json",
        correlation_id=message.correlation_id,
        application_properties=properties,
    )


class ServiceBusEventBus:
    """Publishes to Service Bus; names in ``topics`` are topics, others queues.

    The bus owns ``client`` and ``credential`` and closes them in ``close()``.
    """

    def __init__(
        self,
        client: ServiceBusClientLike,
        *,
        topics: Collection[str],
        credential: AsyncTokenCredential | None = None,
        check_timeout: float = 10.0,
    ) -> None:
        self._client = client
        self._topics = frozenset(topics)
        self._credential = credential
        self._check_timeout = check_timeout
        # A worker lives long: one sender (one AMQP link) per destination,
        # opened on first use and reused, instead of a link per message.
        self._senders: dict[str, SenderLike] = {}

    @classmethod
    def from_namespace(
        cls, namespace: str, *, topics: Collection[str], credential: AsyncTokenCredential | None = None
    ) -> ServiceBusEventBus:
        if credential is None:
            # imported here so connection-string tooling does not pay for it
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential()
        client = ServiceBusClient(namespace, credential)
        return cls(client, topics=topics, credential=credential)

    @classmethod
    def from_connection_string(cls, conn_str: str, *, topics: Collection[str]) -> ServiceBusEventBus:
        return cls(ServiceBusClient.from_connection_string(conn_str), topics=topics)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceBusEventBus:
        topics = {settings.session_events_topic, settings.billing_events_topic}
        # identity first: a connection string is only for tooling
        if settings.servicebus_namespace:
            return cls.from_namespace(settings.servicebus_namespace, topics=topics)
        return cls.from_connection_string(settings.servicebus_connection_string, topics=topics)

    def _new_sender(self, destination: str) -> SenderLike:
        if destination in self._topics:
            return self._client.get_topic_sender(destination)
        return self._client.get_queue_sender(destination)

    async def publish(self, destination: str, message: Message) -> None:
        # No await between lookup and insert, so concurrent publishers share one sender.
        sender = self._senders.get(destination)
        if sender is None:
            sender = self._senders[destination] = self._new_sender(destination)
        # Errors propagate (after the SDK's own retries): dropping an event silently
        # would lose a payment or a session stop.
        await sender.send_messages(to_servicebus_message(message))

    async def check(self) -> None:
        """Open (then close) a sender link to each known destination.

        That authenticates (CBS token) and attaches to the entity, so it proves
        reachability, permission and that the entity exists, without sending.
        A fresh sender is used because a cached one stays "open" after its
        connection has gone. Bounded so a health probe cannot hang on retries.
        Queues are known only once published to, so topics are always probed.
        """
        async with asyncio.timeout(self._check_timeout):
            for destination in sorted(self._topics.union(self._senders)):
                async with self._new_sender(destination):
                    pass

    async def close(self) -> None:
        senders, self._senders = list(self._senders.values()), {}
        # The stack runs every close even if one fails: senders, then client, then credential.
        async with AsyncExitStack() as stack:
            if self._credential is not None:
                stack.push_async_callback(self._credential.close)
            stack.push_async_callback(self._client.close)
            for sender in senders:
                stack.push_async_callback(sender.close)
