"""Azure Web PubSub's CloudEvents event handler protocol (HTTP binding), pure: no IO.

Web PubSub holds the chargers' sockets and calls one HTTP function per event
(DESIGN section 6). Reference: "CloudEvents extension for Azure Web PubSub event
handler with HTTP protocol". ``parse_event`` checks ``ce-signature`` before it
reads anything else; the local relay (local_host/ocpp_relay.py) sends the same requests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

__all__ = [
    "CONNECT", "CONNECTED", "DISCONNECTED", "MESSAGE", "Connect", "Connected", "Disconnected",
    "EventError", "Message", "Validate", "WebPubSubEvent", "abuse_protection_response",
    "basic_credentials", "connect_accepted", "connect_refused", "event_ack", "message_reply",
    "parse_event", "sign", "verify_signature",
]  # fmt: skip

CONNECT, CONNECTED = "azure.webpubsub.sys.connect", "azure.webpubsub.sys.connected"
DISCONNECTED, MESSAGE = "azure.webpubsub.sys.disconnected", "azure.webpubsub.user.message"


class EventError(ValueError):
    """The request is not a valid event; ``status`` is what to answer (401: bad signature)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


@dataclass(frozen=True, slots=True)
class Validate:
    """The abuse-protection ``OPTIONS``: answer with ``abuse_protection_response``."""

    origin: str


# Not frozen, and never changed after it is built: one of these per frame (or reading) on the MeterValues path,
# where frozen dataclasses' __init__ (object.__setattr__ per field) cost about 5 % of a frame (bench/README.md).
@dataclass(slots=True)
class _Event:
    connection_id: str
    hub: str
    event_name: str
    user_id: str | None
    subprotocol: str | None


@dataclass(slots=True)
class Connect(_Event):
    headers: dict[str, list[str]] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    subprotocols: tuple[str, ...] = ()
    claims: dict[str, Any] = field(default_factory=dict)
    client_certificates: tuple[dict[str, Any], ...] = ()


@dataclass(slots=True)
class Message(_Event):
    body: bytes = b""
    content_type: str = "text/plain"

    @property
    def is_text(self) -> bool:
        return not self.content_type.startswith("application/octet-stream")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass(slots=True)
class Connected(_Event):
    pass


@dataclass(slots=True)
class Disconnected(_Event):
    reason: str | None = None


WebPubSubEvent = Validate | Connect | Message | Connected | Disconnected


def sign(connection_id: str, access_keys: Iterable[str]) -> str:
    """The ``ce-signature`` value: ``sha256=<hex HMAC-SHA256(key, connectionId)>`` per key."""
    return ",".join(f"sha256={_mac(key, connection_id)}" for key in access_keys)


def _mac(key: str, connection_id: str) -> str:
    return hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


# Signatures found good, with the keys they were checked against: a socket's signature is the same on every one
# of its events (it signs the connection id), so each message after the first costs a set lookup, not an HMAC
# per key. Bounded; only matches are kept, and a change of keys is a new entry.
_VERIFIED: set[tuple[str, str, tuple[str, ...]]] = set()
_VERIFIED_SIZE = 4096


def verify_signature(connection_id: str, header: str | None, access_keys: Sequence[str]) -> bool:
    """True when any ``sha256=`` value matches any key; compares every pair in constant time."""
    if not header or not connection_id:
        return False
    key = (connection_id, header, tuple(access_keys))
    if key in _VERIFIED:
        return True
    if not _verify(connection_id, header, access_keys):
        return False
    if len(_VERIFIED) >= _VERIFIED_SIZE:
        _VERIFIED.clear()
    _VERIFIED.add(key)
    return True


def _verify(connection_id: str, header: str, access_keys: Sequence[str]) -> bool:
    given = [part.strip().removeprefix("sha256=").lower() for part in header.split(",") if part.strip()]
    matched = False
    for expected in (_mac(key, connection_id) for key in access_keys if key):
        for value in given:
            matched |= hmac.compare_digest(expected.encode(), value.encode("utf-8", "replace"))
    return matched


def abuse_protection_response(req: func.HttpRequest, allowed_origins: Sequence[str]) -> func.HttpResponse:
    """Answer the validation ``OPTIONS``: 200 with ``WebHook-Allowed-Origin`` only for an allowed origin."""
    origin = (req.headers.get("webhook-request-origin") or "").strip()
    if not origin:
        return func.HttpResponse("WebHook-Request-Origin is missing", status_code=400)
    if "*" not in allowed_origins and origin.lower() not in {o.lower() for o in allowed_origins}:
        return func.HttpResponse("origin not allowed", status_code=403)
    return func.HttpResponse(status_code=200, headers={"WebHook-Allowed-Origin": origin, "Allow": "OPTIONS, POST"})


def parse_event(req: func.HttpRequest, access_keys: Sequence[str]) -> WebPubSubEvent:
    """The typed event; raises ``EventError`` (401 bad signature, 400 malformed) before trusting anything."""
    h = req.headers
    if req.method.upper() == "OPTIONS":
        return Validate(h.get("webhook-request-origin") or "")
    connection_id = h.get("ce-connectionid") or ""
    if not verify_signature(connection_id, h.get("ce-signature"), access_keys):
        raise EventError(401, "the ce-signature does not match the connection id")
    ce_type = h.get("ce-type") or ""
    user_id, subprotocol = h.get("ce-userid") or None, h.get("ce-subprotocol") or None
    fields = (connection_id, h.get("ce-hub") or "", h.get("ce-eventname") or "", user_id, subprotocol)
    body = req.get_body() or b""
    if ce_type == CONNECT:
        data = _json_object(body)
        return Connect(
            *fields,
            headers=_multi(data.get("headers")),
            query=_multi(data.get("query")),
            subprotocols=tuple(str(p) for p in data.get("subprotocols") or ()),
            claims=dict(data.get("claims") or {}),
            client_certificates=tuple(data.get("clientCertificates") or ()),
        )
    if ce_type == CONNECTED:
        return Connected(*fields)
    if ce_type == DISCONNECTED:
        reason = _json_object(body).get("reason") if body.strip() else None
        return Disconnected(*fields, reason=str(reason) if reason else None)
    if ce_type == MESSAGE:
        return Message(*fields, body=body, content_type=h.get("content-type") or "application/octet-stream")
    raise EventError(400, f"unsupported ce-type {ce_type!r}")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise EventError(400, "the event body is not JSON") from exc
    if not isinstance(data, dict):
        raise EventError(400, "the event body is not a JSON object")
    return data


def _multi(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    return {str(k): [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in value.items()}


def basic_credentials(headers: Mapping[str, Sequence[str]]) -> tuple[str, str] | None:
    """(username, password) from the connect event's ``Authorization: Basic`` (OCPP security profile 1)."""
    values = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if not values:
        return None
    scheme, _, token = values[0].strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def connect_accepted(
    *, subprotocol: str | None = None, user_id: str | None = None,
    groups: Sequence[str] = (), roles: Sequence[str] = (),
) -> func.HttpResponse:  # fmt: skip
    """200 with the JSON Web PubSub reads; a blank subprotocol must be left out, never sent empty."""
    body: dict[str, Any] = {"subprotocol": subprotocol, "userId": user_id, "groups": list(groups), "roles": list(roles)}
    return func.HttpResponse(json.dumps({k: v for k, v in body.items() if v}), mimetype="application/json")


def connect_refused(status: int = 401, reason: str = "") -> func.HttpResponse:
    """A 4xx: Web PubSub returns it to the client and the socket is never opened."""
    if not 400 <= status < 500:
        raise ValueError("a refusal is a 4xx status")
    return func.HttpResponse(reason, status_code=status, mimetype="text/plain")


def message_reply(text: str | None) -> func.HttpResponse:
    """The frame to send back (a text frame), or 204 for none."""
    if not text:
        return func.HttpResponse(status_code=204)
    return func.HttpResponse(text, status_code=200, mimetype="text/plain", charset="utf-8")


def event_ack() -> func.HttpResponse:
    """For the unblocking events (connected, disconnected): any 2xx."""
    return func.HttpResponse(status_code=204)
