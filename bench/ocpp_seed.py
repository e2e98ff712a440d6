"""The Watt's Up target's network for bench/ocpp_ingest.py, written through the services the API uses.

One provider (applied for and approved), one active station with a tariff, C chargers
with a password each (one 150 kW CCS2 connector), and C drivers with one RFID tag
each, so every charger starts its own session (a driver charges at one place at a time).
The settings are a scratch store and bus in the bench's temp directory, like
bench/health_rps.py's, with the Web PubSub key the local relay signs events with.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from ocpp_load import ChargerLogin
from scratch import scratch_settings

from shared import bootstrap
from shared.bootstrap import Deps
from shared.config import Settings
from shared.domain.charger_api import ChargerCreate
from shared.domain.provider_api import ProviderApply
from shared.domain.station_api import StationCreate
from shared.domain.stations import Address
from shared.domain.tariffs import TariffCreate
from shared.domain.users import RfidTagCreate, UserRegister, email_key
from shared.ocpp.router import handle_frame
from shared.repositories.users import find_by_email, get_user
from shared.services import chargers as charger_service
from shared.services import providers, station_prices, stations, tariffs
from shared.services.accounts import register_user
from shared.services.ocpp_handlers import OcppContext, router
from shared.services.rfid_tags import add_tag

__all__ = ["ADMIN_EMAIL", "bench_deps", "bench_settings", "cheap_hasher", "seed_network", "start_session"]

ADMIN_EMAIL = "admin@bench.example.com"
USER_PASSWORD = "bench-password-0001"


def bench_settings(work: Path) -> Settings:
    return scratch_settings(
        work,
        WEBPUBSUB_ACCESS_KEYS=secrets.token_urlsafe(32),
        WEBPUBSUB_ALLOWED_ORIGINS="localhost",  # the origin the local relay announces
        ADMIN_EMAIL=ADMIN_EMAIL,
        ADMIN_PASSWORD=USER_PASSWORD,
    )


def cheap_hasher() -> PasswordHasher:
    # Production argon2 costs ~150 ms a hash here: 40 accounts and chargers would add 6 s of seeding
    # and 3 s of connects, none of it measured. A hash carries its parameters, so checks stay cheap too.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


async def bench_deps(settings: Settings) -> Deps:
    """The app's dependencies on ``settings``, in use (``bootstrap.use``) and ready, with the cheap hasher."""
    deps = bootstrap.build(settings)
    deps.passwords = cheap_hasher()  # seeding and connects are not measured
    bootstrap.use(deps)
    return await bootstrap.ready()  # the first admin, who approves the bench's provider


async def start_session(ctx: OcppContext, id_tag: str, meter_start: int, stamp: str) -> int:
    """BootNotification and StartTransaction through the router, as the charger ``ctx`` sends them: the
    transactionId; SystemExit if either is refused."""
    boot = [2, "b1", "BootNotification", {"chargePointVendor": "Alpitronic", "chargePointModel": "HYC150"}]
    start = [2, "s1", "StartTransaction", {"connectorId": 1, "idTag": id_tag, "meterStart": meter_start,
                                           "timestamp": stamp}]  # fmt: skip
    for frame in (boot, start):
        reply = json.loads(await handle_frame(router, json.dumps(frame), ctx) or "null")
        if not (isinstance(reply, list) and reply[0] == 3):
            raise SystemExit(f"{frame[2]} was answered {reply}: the session handlers are needed")
    transaction_id = reply[2].get("transactionId")
    if not isinstance(transaction_id, int):
        raise SystemExit(f"StartTransaction gave no transactionId: {reply}")
    return transaction_id


async def _account(deps: Deps, email: str, name: str) -> str:
    cmd = UserRegister(email=email, password=USER_PASSWORD, name=name)
    return (await register_user(cmd, store=deps.store, clock=deps.clock, passwords=deps.passwords)).id


async def seed_network(deps: Deps, chargers: int) -> list[ChargerLogin]:
    store, clock = deps.store, deps.clock
    admin = await find_by_email(store, email_key(ADMIN_EMAIL))
    if admin is None:
        raise RuntimeError("no admin account: bootstrap.ready() creates it from ADMIN_EMAIL")
    owner_id = await _account(deps, "owner@bench.example.com", "Bench owner")
    apply = ProviderApply(
        legal_name="Bench Charge GmbH",
        display_name="Bench Charge",
        vat_id="DE899999999",
        country="DE",
        currency="EUR",
        support_email="support@bench.example.com",
    )
    application = await providers.apply(apply, user_id=owner_id, store=store, clock=clock)
    await providers.approve(application.id, admin_id=admin.id, store=store, clock=clock)
    who = (await get_user(store, owner_id)).principal()
    provider_id = who.provider_id or ""
    terms = {"name": "DC", "currency": "EUR", "elements": [{"priceComponents": [{"type": "ENERGY", "price": "0.49"}]}]}
    tariff = await tariffs.create_tariff(
        TariffCreate.model_validate(terms), provider_id=provider_id, who=who, store=store, clock=clock
    )
    station = await stations.create_station(
        StationCreate(
            name="Bench Charge Hub",
            address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
            location={"type": "Point", "coordinates": (13.3889, 52.5170)},
            time_zone="Europe/Berlin",
            lifecycle="active",
        ),
        provider_id=provider_id,
        who=who,
        deps=deps,
    )
    logins = []
    for n in range(1, chargers + 1):
        login = ChargerLogin(f"BENCH-CP-{n:03d}", secrets.token_urlsafe(18), f"BENCH{n:04d}", 1_000_000 + 1_000 * n)
        spec = {
            "identity": login.charger_id,
            "vendor": "Alpitronic",
            "model": "HYC150",
            "password": login.password,
            "connectors": [{"connectorId": 1, "standard": "CCS2", "powerType": "DC", "maxPowerKw": 150}],
        }
        await charger_service.create_charger(station.id, ChargerCreate.model_validate(spec), who=who, deps=deps)
        driver_id = await _account(deps, f"driver{n:03d}@bench.example.com", f"Driver {n}")
        await add_tag(store, clock, driver_id, RfidTagCreate(id_tag=login.id_tag or "", label="Bench card"))
        logins.append(login)
    attach = station_prices.TariffAttach(tariff_id=tariff.id)
    await station_prices.attach_tariff(station.id, attach, who=who, store=store, clock=clock)
    return logins
