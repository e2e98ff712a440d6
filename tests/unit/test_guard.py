"""The one guard for roles and tenancy."""

from __future__ import annotations

import pytest

from shared.domain.errors import Forbidden, NotFound, Unauthenticated
from shared.domain.principal import Principal, Role, guard

DRIVER = Principal("usr_d", "d@example.com", frozenset({Role.DRIVER}))
ADMIN = Principal("usr_a", "a@example.com", frozenset({Role.ADMIN}))
P1_ADMIN = Principal("usr_p1", "p1@example.com", frozenset({Role.PROVIDER_ADMIN}), "prv_1")
P1_STAFF = Principal("usr_s1", "s1@example.com", frozenset({Role.PROVIDER_STAFF}), "prv_1")
P2_ADMIN = Principal("usr_p2", "p2@example.com", frozenset({Role.PROVIDER_ADMIN}), "prv_2")


def test_signed_in_required():
    with pytest.raises(Unauthenticated):
        guard.signed_in(None)


def test_role_allows_listed_roles_and_admins():
    assert guard.role(P1_ADMIN, Role.PROVIDER_ADMIN) is P1_ADMIN
    assert guard.role(ADMIN, Role.PROVIDER_ADMIN) is ADMIN
    with pytest.raises(Forbidden):
        guard.role(DRIVER, Role.PROVIDER_ADMIN)


def test_tenant_allows_own_provider_staff_and_admins():
    assert guard.tenant(P1_ADMIN, "prv_1") is P1_ADMIN
    assert guard.tenant(P1_STAFF, "prv_1") is P1_STAFF
    assert guard.tenant(ADMIN, "prv_1") is ADMIN


@pytest.mark.parametrize("who", [P2_ADMIN, DRIVER])
def test_other_tenants_get_not_found_not_forbidden(who):
    with pytest.raises(NotFound):
        guard.tenant(who, "prv_1")


def test_staff_refused_where_only_the_provider_admin_may():
    with pytest.raises(Forbidden):
        guard.tenant(P1_STAFF, "prv_1", admin_only=True)
    assert guard.tenant(P1_ADMIN, "prv_1", admin_only=True) is P1_ADMIN


def test_owner():
    assert guard.owner(DRIVER, "usr_d") is DRIVER
    assert guard.owner(ADMIN, "usr_d") is ADMIN
    with pytest.raises(NotFound):
        guard.owner(P1_ADMIN, "usr_d")
