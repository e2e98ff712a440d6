"""The idTag the app uses for a driver: RemoteStartTransaction and ReserveNow carry it.

A reserved connector only starts for the reservation's idTag (OCPP 1.6), so a
driver's app starts and reservations must use one stable tag per driver. It is
derived from the user id, stored like any RFID tag (``tag:<IDTAG>``) so that the
charger's Authorize and StartTransaction resolve it to the driver, and labelled
so the driver can tell it apart from their cards.
"""

from __future__ import annotations

import base64
import hashlib

from shared.domain.users import RfidTag
from shared.ports.clock import Clock
from shared.ports.store import DocumentConflict, DocumentStore
from shared.services.rfid_tags import find_tag

__all__ = ["APP_TAG_LABEL", "APP_TAG_PREFIX", "app_id_tag", "ensure_app_tag"]

APP_TAG_PREFIX = "APP"
APP_TAG_LABEL = "Watt's Up app"


def app_id_tag(user_id: str) -> str:
    """20 characters (OCPP's CiString20), upper case, the same for the same driver everywhere."""
    digest = base64.b32encode(hashlib.sha256(f"wattsup-app-tag:{user_id}".encode()).digest()).decode()
    return APP_TAG_PREFIX + digest[:17]


async def ensure_app_tag(store: DocumentStore, clock: Clock, user_id: str) -> str:
    """The driver's app idTag, registered on first use; idempotent and safe under concurrency."""
    id_tag = app_id_tag(user_id)
    tag = await find_tag(store, id_tag)
    if tag is not None:
        return id_tag
    doc = RfidTag(id=RfidTag.key(id_tag), id_tag=id_tag, user_id=user_id, label=APP_TAG_LABEL, created_at=clock.now())
    try:
        await store.create("users", doc.model_dump(mode="json"))
    except DocumentConflict:
        pass  # registered by a concurrent request
    return id_tag
