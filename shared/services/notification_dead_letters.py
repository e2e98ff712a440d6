"""Dead letters for admins: list them across the queue and every topic subscription, replay one.

Locally the dead-letter state lives in the local bus (``LocalDeadLetters``); with Service Bus each
queue and subscription has a ``$deadletterqueue`` (``ServiceBusDeadLetters``, with its own client on
the namespace, by the app's identity: it needs the Data Receiver and Data Sender roles it already has).
The subscriptions are the consuming capabilities of infra/bicep/modules/servicebus.bicep.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.errors import NotFound
from shared.domain.model import ApiModel
from shared.ports.dead_letters import DeadLetterEntry, DeadLetters, DeadLetterSource, parse_id

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "BILLING_EVENTS_CONSUMERS",
    "SESSION_EVENTS_CONSUMERS",
    "DeadLetterPublic",
    "dead_letters_of",
    "list_dead_letters",
    "replay_dead_letter",
    "sources",
]

# the subscriptions of each topic (the functions' subscription names; servicebus.bicep declares the same)
SESSION_EVENTS_CONSUMERS = ("analytics", "billing", "notifications", "reviews")
BILLING_EVENTS_CONSUMERS = ("analytics", "notifications")
_cache: dict[int, DeadLetters] = {}


class DeadLetterPublic(ApiModel):
    id: str
    entity: str
    subscription: str | None
    message_id: str
    type: str | None
    reason: str
    description: str | None
    delivery_count: int
    enqueued_at: datetime | None
    dead_lettered_at: datetime | None
    body: str

    @classmethod
    def of(cls, e: DeadLetterEntry) -> DeadLetterPublic:
        return cls.model_validate(e.__dict__)


def dead_letters_of(deps: Deps) -> DeadLetters:
    """The adapter for the bus in use, one per bus object."""
    found = _cache.get(id(deps.bus))
    if found is not None:
        return found
    from shared.adapters.embedded.local_bus import LocalBus

    adapter: DeadLetters
    if isinstance(deps.bus, LocalBus):
        from shared.adapters.embedded.local_dead_letters import LocalDeadLetters

        adapter = LocalDeadLetters(deps.bus)
    else:
        from azure.servicebus.aio import ServiceBusClient

        from shared.adapters.azure.servicebus_dead_letters import ServiceBusDeadLetters

        s = deps.settings
        if s.servicebus_connection_string:
            client = ServiceBusClient.from_connection_string(s.servicebus_connection_string)
        else:
            from azure.identity.aio import DefaultAzureCredential

            client = ServiceBusClient(s.servicebus_namespace, DefaultAzureCredential())
        adapter = ServiceBusDeadLetters(client, topics={s.session_events_topic, s.billing_events_topic})
    _cache.clear()  # one bus per worker; tests build a new one each time
    _cache[id(deps.bus)] = adapter
    return adapter


def sources(deps: Deps) -> list[DeadLetterSource]:
    s = deps.settings
    by_topic = ((s.session_events_topic, SESSION_EVENTS_CONSUMERS), (s.billing_events_topic, BILLING_EVENTS_CONSUMERS))
    subscriptions = [DeadLetterSource(topic, c) for topic, consumers in by_topic for c in consumers]
    return [DeadLetterSource(s.notifications_queue), *subscriptions]


async def list_dead_letters(deps: Deps, *, limit: int) -> list[DeadLetterPublic]:
    entries = await dead_letters_of(deps).list(sources(deps), limit=limit)
    return [DeadLetterPublic.of(e) for e in entries]


async def replay_dead_letter(deps: Deps, dead_letter_id: str) -> None:
    parsed = parse_id(dead_letter_id)
    missing = NotFound("No such dead letter.", code="dead_letter_not_found")
    if parsed is None or parsed[0] not in sources(deps):
        raise missing
    if not await dead_letters_of(deps).replay(*parsed):
        raise missing
