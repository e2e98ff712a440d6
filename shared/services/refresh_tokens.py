"""Rotating refresh tokens, stored hashed, one family per sign-in.

A token is ``<familyId>.<secret>``. The family document keeps the hash of the
one live secret and of the spent ones. Each refresh spends the live secret and
issues a new one under an ETag, so two uses of one token cannot both win.
Presenting a spent secret means the token leaked: the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from shared.domain.errors import Unauthenticated
from shared.ports.clock import Clock
from shared.ports.store import DocumentNotFound, DocumentStore, Filter, PreconditionFailed, Query

__all__ = ["live_family", "revoke_all_families", "revoke_by_token", "revoke_family", "rotate", "start_family"]

C = "users"
_KEEP_SPENT = 50


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _invalid(code: str = "invalid_refresh_token") -> Unauthenticated:
    return Unauthenticated("The refresh token is not valid; sign in again.", code=code)


def _body(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "_etag"}


async def start_family(store: DocumentStore, clock: Clock, user_id: str, *, ttl_days: int) -> tuple[str, datetime]:
    family_id = f"rtf_{secrets.token_hex(16)}"
    secret = secrets.token_urlsafe(32)
    expires = clock.now() + timedelta(days=ttl_days)
    await store.create(
        C,
        {
            "id": family_id,
            "type": "refreshFamily",
            "userId": user_id,
            "currentHash": _hash(secret),
            "spent": [],
            "revoked": False,
            "createdAt": clock.now().isoformat(),
            "expiresAt": expires.isoformat(),
            "ttl": ttl_days * 86400,
        },
    )
    return f"{family_id}.{secret}", expires


async def _family(store: DocumentStore, token: str) -> tuple[dict[str, Any], str]:
    family_id, _, secret = token.partition(".")
    if not family_id.startswith("rtf_") or not secret:
        raise _invalid()
    try:
        return await store.read(C, family_id, family_id), secret
    except DocumentNotFound as exc:
        raise _invalid() from exc


async def rotate(store: DocumentStore, clock: Clock, token: str, *, ttl_days: int) -> tuple[str, str, datetime]:
    """Spend ``token``; returns (user id, new token, its expiry)."""
    family, secret = await _family(store, token)
    presented = _hash(secret)
    if family["revoked"] or clock.now() >= datetime.fromisoformat(family["expiresAt"]):
        raise _invalid()
    if presented in family["spent"]:
        await revoke_family(store, family["id"])
        raise _invalid("refresh_token_reused")
    if not secrets.compare_digest(presented, family["currentHash"]):
        raise _invalid()
    new_secret = secrets.token_urlsafe(32)
    expires = clock.now() + timedelta(days=ttl_days)
    updated = {
        **_body(family),
        "currentHash": _hash(new_secret),
        "spent": [*family["spent"], presented][-_KEEP_SPENT:],
        "expiresAt": expires.isoformat(),
    }
    try:
        await store.replace(C, updated, etag=family["_etag"])
    except PreconditionFailed:
        # The same token was spent concurrently by someone else: that is reuse.
        await revoke_family(store, family["id"])
        raise _invalid("refresh_token_reused") from None
    return family["userId"], f"{family['id']}.{new_secret}", expires


async def revoke_family(store: DocumentStore, family_id: str) -> None:
    for _ in range(5):
        try:
            doc = await store.read(C, family_id, family_id)
        except DocumentNotFound:
            return
        if doc["revoked"]:
            return
        try:
            await store.replace(C, {**_body(doc), "revoked": True}, etag=doc["_etag"])
            return
        except PreconditionFailed:
            continue


async def revoke_by_token(store: DocumentStore, token: str, *, user_id: str) -> None:
    """Revoke the family of ``token`` (logout), which must be ``user_id``'s."""
    family, secret = await _family(store, token)
    if family["userId"] != user_id or not secrets.compare_digest(_hash(secret), family["currentHash"]):
        raise _invalid()
    await revoke_family(store, family["id"])


async def live_family(store: DocumentStore, clock: Clock, token: str, *, user_id: str) -> str | None:
    """The family id of ``token`` if it is ``user_id``'s live refresh token (not spent, revoked or expired)."""
    try:
        family, secret = await _family(store, token)
    except Unauthenticated:
        return None
    if family.get("userId") != user_id or family["revoked"]:
        return None
    if clock.now() >= datetime.fromisoformat(family["expiresAt"]):
        return None
    return str(family["id"]) if secrets.compare_digest(_hash(secret), family["currentHash"]) else None


async def revoke_all_families(store: DocumentStore, user_id: str, *, keep: str | None = None) -> None:
    """Revoke every refresh token family of the user, except the family ``keep`` (one device stays signed in)."""
    query = Query(
        (Filter("type", "eq", "refreshFamily"), Filter("userId", "eq", user_id), Filter("revoked", "eq", False)),
        limit=100,
    )
    while True:
        page = await store.query(C, query)
        for doc in page.items:
            if doc["id"] != keep:
                await revoke_family(store, doc["id"])
        if page.continuation is None:
            return
        query = Query(query.filters, limit=100, continuation=page.continuation)
