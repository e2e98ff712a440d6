"""Notification preferences per category and channel, and the signed one-click unsubscribe link.

Preferences are one document per user in ``users`` (``prefs:<userId>``, a point read on every send);
no document means everything on. The unsubscribe token is ``<payload>.<signature>``: the payload names
the user, category and channel (base64url JSON), the signature is HMAC-SHA256 under
NOTIFICATIONS_UNSUBSCRIBE_SECRET, or a key derived from JWT_SECRET when that is empty. It does not
expire: an old email's link must still work, and all it can do is turn one email category off.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from shared.domain.errors import InvalidInput
from shared.domain.notifications import (
    CATEGORIES,
    CHANNELS,
    Category,
    Channel,
    NotificationPreferences,
    PreferencesUpdate,
    prefs_id,
)
from shared.ports.store import DocumentNotFound, DocumentStore, PreconditionFailed

if TYPE_CHECKING:
    from shared.config import Settings

__all__ = ["read_prefs", "set_choice", "sign_unsubscribe", "unsubscribe", "unsubscribe_url", "update_prefs"]

C = "users"
_ATTEMPTS = 5


async def _read(store: DocumentStore, user_id: str) -> tuple[NotificationPreferences, str | None]:
    try:
        doc = await store.read(C, prefs_id(user_id), prefs_id(user_id))
    except DocumentNotFound:
        return NotificationPreferences(), None
    return NotificationPreferences.model_validate(doc), doc.get("_etag")


async def read_prefs(store: DocumentStore, user_id: str) -> NotificationPreferences:
    return (await _read(store, user_id))[0]


async def _change(store: DocumentStore, user_id: str, change: NotificationPreferences) -> NotificationPreferences:
    doc = {"id": prefs_id(user_id), "type": "notificationPrefs", "userId": user_id, **change.model_dump(mode="json")}
    return NotificationPreferences.model_validate(await store.upsert(C, doc))


async def update_prefs(store: DocumentStore, user_id: str, cmd: PreferencesUpdate) -> NotificationPreferences:
    if "security" in cmd.categories and not all(cmd.categories["security"].model_dump().values()):
        raise InvalidInput("Security messages are always sent.", code="security_always_on")
    for _ in range(_ATTEMPTS):
        current, etag = await _read(store, user_id)
        merged = NotificationPreferences(categories={**current.categories, **cmd.categories})
        try:
            doc = {"id": prefs_id(user_id), "type": "notificationPrefs", "userId": user_id}
            saved = await store.upsert(C, {**doc, **merged.model_dump(mode="json")}, etag=etag)
            return NotificationPreferences.model_validate(saved).shown()
        except PreconditionFailed:
            continue
    raise InvalidInput("The preferences changed meanwhile; try again.", code="stale_version")


async def set_choice(store: DocumentStore, user_id: str, category: Category, channel: Channel, on: bool) -> None:
    current = await read_prefs(store, user_id)
    await _change(store, user_id, current.with_choice(category, channel, on))


def _key(settings: Settings) -> bytes:
    secret = settings.notifications_unsubscribe_secret
    if secret:
        return secret.encode()
    return hmac.new(settings.jwt_secret.encode(), b"wattsup notifications unsubscribe", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_unsubscribe(settings: Settings, user_id: str, category: Category, channel: Channel = "email") -> str:
    payload = _b64(json.dumps({"u": user_id, "c": category, "ch": channel}, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(settings), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def unsubscribe_url(settings: Settings, user_id: str, category: Category) -> str | None:
    if category == "security":
        return None
    token = sign_unsubscribe(settings, user_id, category)
    return f"{settings.app_base_url.rstrip('/')}/api/notifications/unsubscribe?token={quote(token)}"


def _verify(settings: Settings, token: str) -> tuple[str, Category, Channel]:
    bad = InvalidInput("This unsubscribe link is not valid.", code="invalid_unsubscribe_link")
    payload, _, signature = token.partition(".")
    expected = _b64(hmac.new(_key(settings), payload.encode(), hashlib.sha256).digest())
    if not payload or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user_id, category, channel = str(data["u"]), data["c"], data["ch"]
    except (ValueError, KeyError, TypeError) as exc:
        raise bad from exc
    if category not in CATEGORIES or category == "security" or channel not in CHANNELS:
        raise bad
    return user_id, category, channel


async def unsubscribe(settings: Settings, store: DocumentStore, token: str) -> Category:
    """Turn off what the link names (idempotent: a second click changes nothing)."""
    user_id, category, channel = _verify(settings, token)
    await set_choice(store, user_id, category, channel, False)
    return category
