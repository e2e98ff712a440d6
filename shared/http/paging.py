"""List endpoints: ``limit`` and ``continuationToken`` in, ``items`` and ``continuationToken`` out."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from shared.domain.model import ApiModel, InputModel

__all__ = ["ListQuery", "Paged"]

T = TypeVar("T")


class ListQuery(InputModel):
    limit: int = Field(default=50, ge=1, le=200)
    continuation_token: str | None = Field(default=None, max_length=4096)


class Paged(ApiModel, Generic[T]):
    items: list[T]
    continuation_token: str | None = None
