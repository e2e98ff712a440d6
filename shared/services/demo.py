"""Demo data for ``make run``: a charging network around Berlin and accounts to sign in with.

Written through the same services the API uses, so the demo obeys every rule.
Idempotent: a network already seeded is left alone.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from shared.domain.charger_api import ChargerCreate
from shared.domain.errors import Conflict
from shared.domain.invoices import PostalAddress
from shared.domain.payment_methods import CardFormEntry
from shared.domain.principal import Principal
from shared.domain.promotions import FeaturedPeriod
from shared.domain.station_api import StationCreate
from shared.domain.stations import Address, OpeningHours, RegularHours
from shared.domain.tariffs import TariffCreate
from shared.domain.users import RfidTagCreate, UserRegister, email_key
from shared.repositories.users import find_by_email, get_user
from shared.services import chargers, promotions, providers, station_prices, stations, tariffs
from shared.services.accounts import register_user
from shared.services.demo_network import DemoProvider, DemoStation, demo_network
from shared.services.payment_methods import add_test_card, card_form, list_cards
from shared.services.rfid_tags import add_tag

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["DEMO_ACCOUNTS", "seed_demo_data"]

log = logging.getLogger("wattsup.demo")

DEMO_DRIVER_EMAIL = "driver@wattsup.dev"
DEMO_DRIVER_PASSWORD = "driver-password-1"
DEMO_PROVIDER_PASSWORD = "provider-password-1"
DEMO_CHARGER_PASSWORD = "demo-charger-password"
DEMO_ID_TAG = "DEMO0001"
DEMO_APPLICANT_EMAIL = "applicant@wattsup.dev"
DEMO_APPLICANT_PASSWORD = "applicant-password-1"
DEMO_ACCOUNTS = [
    ("driver", DEMO_DRIVER_EMAIL, DEMO_DRIVER_PASSWORD),
    *(("provider admin", p.admin_email, DEMO_PROVIDER_PASSWORD) for p in demo_network(stations_per_provider=0)),
    ("applicant", DEMO_APPLICANT_EMAIL, DEMO_APPLICANT_PASSWORD),
]


def _tariff(name: str, energy: str, *, idle_after_min: int | None = None) -> TariffCreate:
    elements: list[dict[str, object]] = []
    if idle_after_min is not None:
        # 0.10 EUR/min (6.00 EUR/h excl. VAT) once a session passes the limit, free before
        elements.append(
            {
                "priceComponents": [{"type": "TIME", "price": "6.00", "vat": "19", "stepSize": 60}],
                "restrictions": {"minDuration": idle_after_min * 60},
            }
        )
        elements.append({"priceComponents": [{"type": "TIME", "price": "0.00", "vat": "19", "stepSize": 60}]})
    elements.append({"priceComponents": [{"type": "ENERGY", "price": energy, "vat": "19", "stepSize": 1}]})
    return TariffCreate.model_validate({"name": name, "currency": "EUR", "elements": elements})


async def _account(deps: Deps, email: str, password: str, name: str) -> str:
    existing = await find_by_email(deps.store, email_key(email))
    if existing is not None:
        return existing.id
    cmd = UserRegister(email=email, password=password, name=name)
    return (await register_user(cmd, store=deps.store, clock=deps.clock, passwords=deps.passwords)).id


async def _provider(deps: Deps, demo: DemoProvider, admin_id: str) -> Principal | None:
    user_id = await _account(deps, demo.admin_email, DEMO_PROVIDER_PASSWORD, f"{demo.display_name} admin")
    if (await get_user(deps.store, user_id)).provider_id:
        return None  # seeded before
    cmd = providers.ProviderApply(
        legal_name=demo.legal_name,
        display_name=demo.display_name,
        vat_id=demo.vat_id,
        country="DE",
        currency="EUR",
        support_email=demo.admin_email,
        billing_address=PostalAddress(lines=("Demo-Allee 1",), postal_code="10115", city="Berlin", country="DE"),
    )
    application = await providers.apply(cmd, user_id=user_id, store=deps.store, clock=deps.clock)
    await providers.approve(application.id, admin_id=admin_id, store=deps.store, clock=deps.clock)
    return (await get_user(deps.store, user_id)).principal()


async def _station(deps: Deps, who: Principal, demo: DemoStation, tariff_id: str) -> str:
    hours = OpeningHours(
        twentyfourseven=demo.twentyfourseven,
        regular_hours=[]
        if demo.twentyfourseven
        else [RegularHours(weekday=d, period_begin="07:00", period_end="22:00") for d in range(1, 7)],
    )
    cmd = StationCreate(
        name=demo.name,
        address=Address(street=demo.street, city=demo.city, postal_code=demo.postal_code, country="DE"),
        location={"type": "Point", "coordinates": (demo.lon, demo.lat)},
        time_zone="Europe/Berlin",
        opening_hours=hours,
        amenities=list(demo.amenities),
        lifecycle="active",
    )
    station = await stations.create_station(cmd, provider_id=who.provider_id or "", who=who, deps=deps)
    for charger in demo.chargers:
        connectors = [
            {"connectorId": i, "standard": s, "powerType": p, "maxPowerKw": kw}
            for i, (s, p, kw) in enumerate(charger.connectors, start=1)
        ]
        spec = ChargerCreate.model_validate(
            {
                "identity": charger.identity,
                "vendor": charger.vendor,
                "model": charger.model,
                "password": DEMO_CHARGER_PASSWORD,
                "connectors": connectors,
            }
        )
        await chargers.create_charger(station.id, spec, who=who, deps=deps)
    attach = station_prices.TariffAttach(tariff_id=tariff_id)
    await station_prices.attach_tariff(station.id, attach, who=who, store=deps.store, clock=deps.clock)
    return station.id


async def _pending_application(deps: Deps) -> None:
    """A provider application waiting for an admin, so the admin screens have something to decide."""
    if await find_by_email(deps.store, email_key(DEMO_APPLICANT_EMAIL)) is not None:
        return  # seeded before (and perhaps decided since)
    user_id = await _account(deps, DEMO_APPLICANT_EMAIL, DEMO_APPLICANT_PASSWORD, "Kiezstrom applicant")
    cmd = providers.ProviderApply(
        legal_name="Kiezstrom eG",
        display_name="Kiezstrom",
        vat_id="DE844444444",
        country="DE",
        currency="EUR",
        support_email=DEMO_APPLICANT_EMAIL,
        billing_address=PostalAddress(lines=("Kiezweg 4",), postal_code="10245", city="Berlin", country="DE"),
    )
    await providers.apply(cmd, user_id=user_id, store=deps.store, clock=deps.clock)


async def _demo_card(deps: Deps, driver_id: str) -> None:
    """Stripe's test Visa on the demo driver's account, where the payment simulator runs: starts need a card."""
    form = card_form(deps.payments)
    if form is None:
        return
    store, payments, clock = deps.store, deps.payments, deps.clock
    if await list_cards(driver_id, store=store, payments=payments, clock=clock):
        return
    driver = (await get_user(store, driver_id)).principal()
    entry = CardFormEntry(number="4242424242424242", exp_month=12, exp_year=clock.now().year + 5, cvc="123")
    await add_test_card(driver, entry, form=form, store=store, payments=payments, clock=clock)


async def seed_demo_data(deps: Deps) -> None:
    driver_id = await _account(deps, DEMO_DRIVER_EMAIL, DEMO_DRIVER_PASSWORD, "Demo Driver")
    try:
        await add_tag(deps.store, deps.clock, driver_id, RfidTagCreate(id_tag=DEMO_ID_TAG, label="Demo card"))
    except Conflict:
        pass
    await _demo_card(deps, driver_id)
    admin = await find_by_email(deps.store, email_key(deps.settings.admin_email))
    if admin is None:
        log.warning("demo network skipped: no ADMIN_EMAIL account to approve the providers")
        return
    await _pending_application(deps)
    now = deps.clock.now()
    for demo in demo_network(deps.settings.demo_stations_per_provider):
        who = await _provider(deps, demo, admin.id)
        if who is None:
            continue
        store, clock = deps.store, deps.clock
        ac = await tariffs.create_tariff(
            _tariff("AC standard", "0.33"), provider_id=who.provider_id or "", who=who, store=store, clock=clock
        )
        dc = await tariffs.create_tariff(
            _tariff("DC fast", "0.50", idle_after_min=60),
            provider_id=who.provider_id or "",
            who=who,
            store=store,
            clock=clock,
        )
        for n, station in enumerate(demo.stations):
            station_id = await _station(deps, who, station, dc.id if station.fast else ac.id)
            if n % 20 == 0:  # a few promoted stations per provider
                period = FeaturedPeriod.model_validate({"from": now, "until": now + timedelta(days=30)})
                await promotions.feature_station(station_id, period, who=who, store=store, clock=clock)
        log.info("demo data: %s with %d stations", demo.display_name, len(demo.stations))
    log.info(
        "demo data ready (energy from %s EUR/kWh incl. VAT)",
        (Decimal("0.33") * Decimal("1.19")).quantize(Decimal("0.01")),
    )
