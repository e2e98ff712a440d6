"""Providers, their people and access tokens, made in milliseconds for tests.

Documents are written straight to the store (no application/approval flow),
so any capability's tests can get a tenant with an admin and a staff member::

    team = await create_provider(deps, "acme")
    await functions("create_station", "POST", token=team.admin.token, route={"providerId": team.id}, body=...)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shared.bootstrap import Deps
from shared.domain.payment_methods import CardFormEntry
from shared.domain.principal import Principal, Role
from shared.domain.providers import Provider, ProviderStatus
from shared.domain.users import User, email_key
from shared.repositories.users import add_user
from shared.services.payment_methods import add_test_card, card_form

__all__ = [
    "CHARGER_PASSWORD",
    "DECLINED",
    "INSUFFICIENT_FUNDS",
    "Member",
    "ProviderTeam",
    "VISA",
    "add_card",
    "add_member",
    "charger_body",
    "create_provider",
    "driver",
    "platform_admin",
    "set_provider_status",
    "station_body",
]

PASSWORD = "fixture-password-1"
CHARGER_PASSWORD = "charger-secret-0001"
# Stripe's test cards, as the payment simulator answers them
VISA = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"


@dataclass(frozen=True)
class Member:
    principal: Principal
    token: str

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    def renewed(self, deps: Deps) -> Member:
        """The same person with a token valid from the clock's current time (after ``clock.advance``)."""
        return Member(self.principal, deps.tokens.issue(self.principal))


@dataclass(frozen=True)
class ProviderTeam:
    provider: Provider
    admin: Member
    staff: Member

    @property
    def id(self) -> str:
        return self.provider.id


async def add_member(deps: Deps, *, email: str, roles: tuple[Role, ...], provider_id: str | None = None) -> Member:
    """A user account (password ``PASSWORD``) and a fresh access token for it."""
    now = deps.clock.now()
    user = User(
        id=f"usr_{uuid.uuid4().hex}",
        email=email,
        email_key=email_key(email),
        name=email.split("@")[0],
        password_hash=deps.passwords.hash(PASSWORD),
        roles=list(roles),
        provider_id=provider_id,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    await add_user(deps.store, user)
    return Member(user.principal(), deps.tokens.issue(user.principal()))


async def driver(deps: Deps, email: str = "driver@example.com", *, card: str | None = VISA) -> Member:
    """A driver; with a saved test card (the simulator's form) unless ``card`` is None."""
    member = await add_member(deps, email=email, roles=(Role.DRIVER,))
    if card is not None:
        await add_card(deps, member, card)
    return member


async def add_card(deps: Deps, member: Member, number: str = VISA) -> str:
    """Save a test card for ``member`` through the payment simulator's card form; its id."""
    form = card_form(deps.payments)
    assert form is not None, "test cards need PAYMENT_BACKEND=simulator"
    entry = CardFormEntry(number=number, exp_month=12, exp_year=2034, cvc="123")
    saved = await add_test_card(
        member.principal, entry, form=form, store=deps.store, payments=deps.payments, clock=deps.clock
    )
    return saved.id


def platform_admin(deps: Deps) -> Member:
    """A token only: guards read roles from the token, and no test needs the admin's account."""
    principal = Principal("usr_platform_admin", "platform@wattsup.dev", frozenset({Role.ADMIN}))
    return Member(principal, deps.tokens.issue(principal))


async def create_provider(deps: Deps, key: str = "acme", *, status: ProviderStatus = "active") -> ProviderTeam:
    """Provider ``prv_<key>_...`` with ``admin@<key>.example.com`` and ``staff@<key>.example.com``."""
    now = deps.clock.now()
    provider = Provider(
        id=f"prv_{key}_{uuid.uuid4().hex[:8]}",
        legal_name=f"{key.title()} Charging GmbH",
        display_name=f"{key.title()} Charging",
        vat_id="DE123456789",
        country="DE",
        currency="EUR",
        support_email=f"support@{key}.example.com",
        status=status,
        application_id=f"pap_{uuid.uuid4().hex}",
        created_at=now,
        updated_at=now,
    )
    provider = Provider.model_validate(await deps.store.create("providers", provider.model_dump(mode="json")))
    admin = await add_member(
        deps, email=f"admin@{key}.example.com", roles=(Role.PROVIDER_ADMIN,), provider_id=provider.id
    )
    staff = await add_member(
        deps, email=f"staff@{key}.example.com", roles=(Role.PROVIDER_STAFF,), provider_id=provider.id
    )
    return ProviderTeam(provider, admin, staff)


async def set_provider_status(deps: Deps, provider_id: str, status: ProviderStatus) -> Provider:
    """Flip the provider document only (the suspension use case also hides its stations; this does not)."""
    doc = await deps.store.read("providers", provider_id, provider_id)
    doc["status"] = status
    return Provider.model_validate(await deps.store.replace("providers", doc, etag=doc["_etag"]))


def station_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST providers/{providerId}/stations`` body (camelCase), with fields replaced by ``overrides``."""
    body: dict[str, Any] = {
        "name": "Depot Mitte",
        "address": {"street": "Hauptstraße 1", "city": "Berlin", "postalCode": "10117", "country": "DE"},
        "location": {"type": "Point", "coordinates": [13.3889, 52.517]},
        "timeZone": "Europe/Berlin",
        "amenities": ["CAFE"],
        "photos": ["https://img.example.com/depot.jpg"],
    }
    body.update(overrides)
    return body


def charger_body(identity: str = "CP-1", **overrides: Any) -> dict[str, Any]:
    """A valid ``POST stations/{stationId}/chargers`` body: one 22 kW Type 2 and one 150 kW CCS2 connector."""
    body: dict[str, Any] = {
        "identity": identity,
        "vendor": "ABB",
        "model": "Terra 184",
        "serialNumber": "SN-0001",
        "password": CHARGER_PASSWORD,
        "connectors": [
            {"connectorId": 1, "standard": "TYPE_2", "powerType": "AC", "maxPowerKw": 22},
            {"connectorId": 2, "standard": "CCS2", "powerType": "DC", "maxPowerKw": 150},
        ],
    }
    body.update(overrides)
    return body
