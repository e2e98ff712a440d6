"""Turning what a handler returns into an HttpResponse, JSON in camelCase."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from pydantic import BaseModel, TypeAdapter

__all__ = ["Reply", "render", "to_json"]

_ANY = TypeAdapter(Any)


@dataclass
class Reply:
    """A handler's answer when status, headers or content type differ from the endpoint's default."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    @classmethod
    def redirect(cls, url: str, *, status: int = 302, headers: dict[str, str] | None = None) -> Reply:
        """No body, ``Location: url`` (a signed download link, a moved resource)."""
        return cls(None, status=status, headers={"Location": url, **(headers or {})})

    @classmethod
    def binary(cls, data: bytes, content_type: str, *, headers: dict[str, str] | None = None) -> Reply:
        """Bytes sent as they are under their own content type (a PDF, a CSV), never JSON-encoded."""
        return cls(data, content_type=content_type, headers=dict(headers or {}))


def to_json(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True).encode()
    return _ANY.dump_json(value, by_alias=True)


def render(result: Any, default_status: int, correlation_id: str) -> func.HttpResponse:
    reply = result if isinstance(result, Reply) else Reply(body=result)
    status = reply.status or (204 if reply.body is None and default_status == 200 else default_status)
    headers = {"x-correlation-id": correlation_id, **reply.headers}
    if reply.body is None or status == 204:
        return func.HttpResponse(status_code=status, headers=headers)
    if reply.content_type == "application/json":
        payload: bytes | str = to_json(reply.body)
    elif isinstance(reply.body, bytes | str):
        payload = reply.body
    else:
        payload = json.dumps(reply.body)
    mimetype, _, _ = reply.content_type.partition(";")
    return func.HttpResponse(payload, status_code=status, headers=headers, mimetype=mimetype, charset="utf-8")
