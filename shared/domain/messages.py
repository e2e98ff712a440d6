"""The envelope every Service Bus message carries (DESIGN section 5)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = ["Message", "new_message"]


class Message(BaseModel):
    """``id``, ``type``, ``occurredAt``, ``tenantId`` and a JSON body.

    ``id`` is the idempotency key: a consumer that sees the same id twice
    processes it once. ``correlationId`` ties the message to the request or
    message that caused it, for the logs.
    """

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    id: str
    type: str
    occurred_at: datetime
    tenant_id: str | None = None
    correlation_id: str | None = None
    body: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Message:
        return cls.model_validate_json(raw)


def new_message(
    type: str,
    body: dict[str, Any],
    *,
    tenant_id: str | None = None,
    id: str | None = None,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Message:
    return Message(
        id=id or f"msg_{uuid.uuid4().hex}",
        type=type,
        occurred_at=occurred_at or datetime.now(UTC),
        tenant_id=tenant_id,
        correlation_id=correlation_id,
        body=body,
    )
