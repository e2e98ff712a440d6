"""EventBus: publishing messages to Service Bus topics and queues.

Delivery to consumers is the platform's job: in Azure the Functions host runs
Service Bus triggers; locally the local host feeds the same triggers from the
durable local bus (``shared.adapters.embedded.local_bus``).
"""

from __future__ import annotations

from typing import Protocol

from shared.domain.messages import Message

__all__ = ["EventBus"]


class EventBus(Protocol):
    async def publish(self, destination: str, message: Message) -> None:
        """Send ``message`` to the topic or queue named ``destination``."""
        ...

    async def check(self) -> None:
        """Raise if the bus cannot be reached (used by the health endpoint)."""
        ...

    async def close(self) -> None: ...
