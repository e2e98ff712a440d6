"""Authorize: whether a charger may start charging for an idTag (OCPP 1.6 idTagInfo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.ports.clock import Clock
from shared.ports.store import DocumentNotFound, DocumentStore
from shared.services.rfid_tags import find_tag

__all__ = ["AuthorizationStatus", "TagVerdict", "authorize_tag"]

AuthorizationStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]


@dataclass(frozen=True, slots=True)
class TagVerdict:
    status: AuthorizationStatus
    expiry: datetime | None = None  # only with Accepted, when the tag expires
    user_id: str | None = None  # the owner, when the tag is known and its owner exists


async def _owner_exists(store: DocumentStore, user_id: str) -> bool:
    try:
        await store.read("users", user_id, user_id)
    except DocumentNotFound:
        return False
    return True


async def authorize_tag(store: DocumentStore, clock: Clock, id_tag: str) -> TagVerdict:
    """The verdict on ``id_tag`` (a CiString20: looked up ignoring case).

    Invalid for an unknown tag or one whose owner's account is gone; Blocked and
    Expired as the tag says (Expired also once ``expires_at`` has passed);
    otherwise Accepted, with the tag's expiry when it has one.
    """
    tag = await find_tag(store, id_tag)
    if tag is None or not await _owner_exists(store, tag.user_id):
        return TagVerdict("Invalid")
    if tag.status == "Blocked":
        return TagVerdict("Blocked", user_id=tag.user_id)
    if tag.status == "Expired" or (tag.expires_at is not None and tag.expires_at <= clock.now()):
        return TagVerdict("Expired", user_id=tag.user_id)
    return TagVerdict("Accepted", expiry=tag.expires_at, user_id=tag.user_id)
