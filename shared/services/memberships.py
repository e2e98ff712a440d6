"""Belonging to a provider: ``roles`` and ``providerId`` on the user document.

A user belongs to one provider at most. A change reaches the access token at its
next refresh (or sign-in), which re-reads the user document; until then the old
access token keeps the old roles, for at most its lifetime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.domain.errors import Conflict
from shared.domain.principal import PROVIDER_ROLES, Role
from shared.domain.users import User
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, Filter, PreconditionFailed
from shared.repositories.providers import query_page
from shared.repositories.users import get_user, save_user

__all__ = ["has_other_admin", "join_provider", "leave_provider", "list_members"]

USERS = "users"
_RETRIES = 5


async def _change(
    store: DocumentStore, clock: Clock, user_id: str, change: Callable[[User], dict[str, Any] | None]
) -> User:
    """Apply ``change`` (None: nothing to do) under the user's ETag, deciding again after a lost race."""
    for _ in range(_RETRIES):
        user = await get_user(store, user_id)
        update = change(user)
        if update is None:
            return user
        try:
            return await save_user(store, user.model_copy(update={**update, "updated_at": clock.now()}), etag=user.etag)
        except PreconditionFailed:
            continue
    raise Conflict("The account kept changing; try again.", code="concurrent_update")


async def join_provider(user_id: str, provider_id: str, role: Role, *, store: DocumentStore, clock: Clock) -> User:
    """Make the user a member of the provider with ``role``. Idempotent; never demotes an admin."""

    def change(user: User) -> dict[str, Any] | None:
        if user.provider_id not in (None, provider_id):
            raise Conflict("This account already belongs to another provider.", code="already_in_provider")
        held = set(user.roles) & PROVIDER_ROLES if user.provider_id == provider_id else set()
        granted = Role.PROVIDER_ADMIN if Role.PROVIDER_ADMIN in held | {role} else Role.PROVIDER_STAFF
        roles = [r for r in user.roles if r not in PROVIDER_ROLES] + [granted]
        if user.provider_id == provider_id and roles == user.roles:
            return None
        return {"roles": roles, "provider_id": provider_id}

    return await _change(store, clock, user_id, change)


async def leave_provider(user_id: str, provider_id: str, *, store: DocumentStore, clock: Clock) -> User:
    """Drop the user's provider roles and provider; a user left with no role is a driver again."""

    def change(user: User) -> dict[str, Any] | None:
        if user.provider_id != provider_id:
            return None  # gone already
        return {"roles": [r for r in user.roles if r not in PROVIDER_ROLES] or [Role.DRIVER], "provider_id": None}

    return await _change(store, clock, user_id, change)


def _members(provider_id: str, *more: Filter) -> tuple[Filter, ...]:
    return (Filter("type", "eq", "user"), Filter("providerId", "eq", provider_id), *more)


async def list_members(
    provider_id: str, *, limit: int, continuation: str | None, store: DocumentStore
) -> tuple[list[User], str | None]:
    items, token = await query_page(store, USERS, _members(provider_id), limit=limit, continuation=continuation)
    return [User.model_validate(d) for d in items], token


async def has_other_admin(provider_id: str, user_id: str, *, store: DocumentStore) -> bool:
    """Whether someone besides ``user_id`` is the provider's admin (a page may be short, so page on)."""
    filters = _members(provider_id, Filter("roles", "contains", Role.PROVIDER_ADMIN.value))
    token: str | None = None
    while True:
        items, token = await query_page(store, USERS, filters, limit=10, continuation=token)
        if any(d["id"] != user_id for d in items):
            return True
        if token is None:
            return False
