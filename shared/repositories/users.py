"""Users in the ``users`` container, with an ``email:<key>`` document making each email unique."""

from __future__ import annotations

from typing import Any

from shared.domain.errors import Conflict, NotFound
from shared.domain.users import User
from shared.ports.store import DocumentConflict, DocumentNotFound, DocumentStore, Filter, Query

__all__ = ["add_user", "find_by_email", "get_user", "list_users", "save_user"]

C = "users"


def _claim_id(key: str) -> str:
    return f"email:{key}"


async def get_user(store: DocumentStore, user_id: str) -> User:
    try:
        return User.model_validate(await store.read(C, user_id, user_id))
    except DocumentNotFound as exc:
        raise NotFound("No such user.", code="user_not_found") from exc


async def find_by_email(store: DocumentStore, key: str) -> User | None:
    try:
        claim = await store.read(C, _claim_id(key), _claim_id(key))
        return User.model_validate(await store.read(C, claim["userId"], claim["userId"]))
    except DocumentNotFound:
        return None


async def add_user(store: DocumentStore, user: User) -> User:
    """Claim the email, then write the user. A claim left by a failed earlier attempt is taken over."""
    claim: dict[str, Any] = {"id": _claim_id(user.email_key), "type": "emailClaim", "userId": user.id}
    try:
        await store.create(C, claim)
    except DocumentConflict:
        existing = await store.read(C, claim["id"], claim["id"])
        try:
            await store.read(C, existing["userId"], existing["userId"])
        except DocumentNotFound:
            await store.replace(C, claim, etag=existing["_etag"])
        else:
            raise Conflict("An account with this email exists.", code="email_taken") from None
    return User.model_validate(await store.create(C, user.model_dump(mode="json")))


async def save_user(store: DocumentStore, user: User, *, etag: str | None) -> User:
    return User.model_validate(await store.replace(C, user.model_dump(mode="json"), etag=etag))


async def list_users(
    store: DocumentStore, *, email_prefix: str | None, limit: int, continuation: str | None
) -> tuple[list[User], str | None]:
    filters = [Filter("type", "eq", "user")]
    if email_prefix:
        filters.append(Filter("emailKey", "startswith", email_prefix.casefold()))
    page = await store.query(C, Query(tuple(filters), order_by="emailKey", limit=limit, continuation=continuation))
    return [User.model_validate(d) for d in page.items], page.continuation
