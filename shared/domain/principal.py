"""Who is calling, and the one guard every endpoint uses for role and tenant checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shared.domain.errors import Forbidden, NotFound, Unauthenticated

__all__ = ["Principal", "Role", "guard"]


class Role(StrEnum):
    DRIVER = "driver"
    PROVIDER_ADMIN = "provider_admin"
    PROVIDER_STAFF = "provider_staff"
    ADMIN = "admin"


PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF})


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    provider_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


class Guard:
    """Role and tenant checks in one place.

    A tenant check fails with 404, not 403: a provider must not learn that
    another provider's station or session exists.
    """

    def signed_in(self, principal: Principal | None) -> Principal:
        if principal is None:
            raise Unauthenticated("Sign in to do this.", code="unauthenticated")
        return principal

    def role(self, principal: Principal | None, *roles: Role) -> Principal:
        who = self.signed_in(principal)
        if who.is_admin or who.has_any(frozenset(roles)):
            return who
        raise Forbidden("Your account is not allowed to do this.", code="forbidden_role")

    def tenant(self, principal: Principal | None, provider_id: str, *, admin_only: bool = False) -> Principal:
        """The caller acts for ``provider_id``: its admin (or staff, unless ``admin_only``) or a platform admin."""
        who = self.signed_in(principal)
        if who.is_admin:
            return who
        allowed = frozenset({Role.PROVIDER_ADMIN}) if admin_only else PROVIDER_ROLES
        if who.provider_id == provider_id and who.has_any(allowed):
            return who
        if who.provider_id == provider_id and who.has_any(PROVIDER_ROLES):
            raise Forbidden("Only the provider's admins may do this.", code="forbidden_role")
        raise NotFound("No such resource.", code="not_found")

    def owner(self, principal: Principal | None, user_id: str) -> Principal:
        """The caller is ``user_id`` (or a platform admin); others get 404."""
        who = self.signed_in(principal)
        if who.is_admin or who.user_id == user_id:
            return who
        raise NotFound("No such resource.", code="not_found")


guard = Guard()
