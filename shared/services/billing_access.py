"""Who may read which invoices and payments: the one rule the invoice, payment and refund endpoints share.

A driver reads their own; a provider's admins and staff read their provider's (a refund needs
its admin); a platform admin reads all. Anything else is answered as if it did not exist (404),
so nobody learns that another driver's or another provider's document is there.
"""

from __future__ import annotations

from shared.domain.errors import NotFound
from shared.domain.principal import PROVIDER_ROLES, Principal, guard

__all__ = ["may_see", "readable", "scope"]


def may_see(who: Principal, *, provider_id: str, user_id: str) -> bool:
    if who.is_admin or who.user_id == user_id:
        return True
    return who.provider_id == provider_id and who.has_any(PROVIDER_ROLES)


def readable(who: Principal | None, *, provider_id: str, user_id: str, code: str, detail: str) -> Principal:
    """The caller, if they may read a document of ``provider_id`` about ``user_id``; else 404 ``code``."""
    user = guard.signed_in(who)
    if not may_see(user, provider_id=provider_id, user_id=user_id):
        raise NotFound(detail, code=code)
    return user


def scope(who: Principal | None, provider_id: str | None, user_id: str | None) -> tuple[str | None, str | None]:
    """The (provider, user) a list is narrowed to. ``providerId``: that provider's members and admins
    (``userId`` then narrows within it); ``userId``: that user or an admin; neither: the caller's own,
    or everything for a platform admin."""
    user = guard.signed_in(who)
    if provider_id is not None:
        guard.tenant(user, provider_id)
        return provider_id, user_id
    if user_id is not None:
        guard.owner(user, user_id)
        return None, user_id
    return (None, None) if user.is_admin else (None, user.user_id)
