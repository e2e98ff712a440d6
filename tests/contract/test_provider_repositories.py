"""The provider, tariff and promotion repositories against every DocumentStore adapter (the ``store`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.domain.errors import Conflict, NotFound
from shared.domain.geo import GeoPoint
from shared.domain.promotions import PromoCode, promo_id
from shared.domain.providers import Provider, ProviderApplication, StaffInvite
from shared.domain.stations import Address, Station
from shared.domain.tariffs import PriceComponent, Tariff, TariffDimension, TariffElement, TariffVersion
from shared.ports.store import DocumentConflict, DocumentStore, PreconditionFailed
from shared.repositories.promotions import add_promo, get_promo, list_promos, save_promo
from shared.repositories.provider_stations import mirror_onto_stations
from shared.repositories.providers import (
    add_application,
    add_invite,
    add_provider,
    find_application,
    find_invite,
    get_provider,
    list_applications,
    list_invites,
    require_active_provider,
    save_application,
    save_provider,
)
from shared.repositories.stations import add_station, get_station
from shared.repositories.tariffs import (
    add_tariff,
    add_tariff_version,
    get_tariff,
    get_tariff_version,
    list_tariff_versions,
    stations_priced_by,
    version_id,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def provider(id="prv_a", display_name="Alpha Charging", application_id="pap_a", **fields) -> Provider:
    return Provider(
        id=id,
        legal_name=f"{display_name} GmbH",
        display_name=display_name,
        vat_id="DE123456789",
        country="DE",
        currency="EUR",
        support_email="support@example.com",
        application_id=application_id,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


def application(id="pap_1", user="usr_1", **fields) -> ProviderApplication:
    return ProviderApplication(
        id=id,
        applicant_user_id=user,
        legal_name="Alpha Charging GmbH",
        display_name="Alpha Charging",
        vat_id="DE123456789",
        country="DE",
        currency="EUR",
        support_email="support@example.com",
        created_at=NOW,
        **fields,
    )


def invite(id="sti_1", provider_id="prv_a", email="staff@example.com", **fields) -> StaffInvite:
    return StaffInvite(
        id=id,
        provider_id=provider_id,
        email=email,
        email_key=email.lower(),
        token_hash="0" * 64,
        invited_by="usr_admin",
        expires_at=NOW + timedelta(days=7),
        created_at=NOW,
        **fields,
    )


def station(id="stn_1", provider_id="prv_a", provider_name="Alpha Charging", **fields) -> Station:
    return Station(
        id=id,
        provider_id=provider_id,
        provider_name=provider_name,
        name=f"Depot {id}",
        address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
        location=GeoPoint.at(13.4, 52.5),
        time_zone="Europe/Berlin",
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


def tariff(id="trf_1", provider_id="prv_a", current_version=1, **fields) -> Tariff:
    return Tariff(
        id=id,
        provider_id=provider_id,
        name=f"Tariff {id}",
        currency="EUR",
        current_version=current_version,
        summary=f"v{current_version}",
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


def tariff_version(tariff_id="trf_1", version=1, provider_id="prv_a", price="0.39") -> TariffVersion:
    return TariffVersion(
        id=version_id(tariff_id, version),
        provider_id=provider_id,
        tariff_id=tariff_id,
        version=version,
        currency="EUR",
        elements=[TariffElement(price_components=[PriceComponent(type=TariffDimension.ENERGY, price=Decimal(price))])],
        summary=f"{price} EUR/kWh",
        created_by="usr_admin",
        created_at=NOW,
    )


def promo(code="SUMMER-10", provider_id="prv_a", **fields) -> PromoCode:
    values = {
        "id": promo_id(code),
        "provider_id": provider_id,
        "code": code.upper(),
        "kind": "percent",
        "percent": 10,
        "valid_from": NOW,
        "valid_until": NOW + timedelta(days=30),
        "currency": "EUR",
        "created_by": "usr_admin",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return PromoCode(**{**values, **fields})


async def collect_pages(fetch, *, limit: int = 2, max_pages: int = 20) -> tuple[list, int]:
    """Every item of a paged listing, and how many pages it took; each page must respect ``limit``."""
    items: list = []
    token = None
    for pages in range(1, max_pages + 1):
        page, token = await fetch(limit=limit, continuation=token)
        assert len(page) <= limit
        items += page
        if token is None:
            return items, pages
    raise AssertionError(f"still paging after {max_pages} pages")


# --- providers ---------------------------------------------------------------------------------------------------


async def test_add_then_get_a_provider(store: DocumentStore) -> None:
    added = await add_provider(store, provider())
    assert added.etag and added.display_name == "Alpha Charging" and added.status == "active"
    found = await get_provider(store, "prv_a")
    assert found == added and found.etag == added.etag
    for missing in ("prv_missing", "pap_a", "prv_a/../x", "stn_1"):
        with pytest.raises(NotFound) as caught:
            await get_provider(store, missing)
        assert caught.value.code == "provider_not_found"


async def test_adding_the_same_approval_again_returns_the_first_provider(store: DocumentStore) -> None:
    first = await add_provider(store, provider())
    again = await add_provider(store, provider(display_name="Renamed"))
    assert again == first and again.display_name == "Alpha Charging"
    with pytest.raises(Conflict) as caught:
        await add_provider(store, provider(application_id="pap_other"))
    assert caught.value.code == "provider_exists"


async def test_require_active_provider_refuses_a_suspended_one(store: DocumentStore) -> None:
    added = await add_provider(store, provider())
    assert (await require_active_provider(store, "prv_a")).id == "prv_a"
    await save_provider(store, added.model_copy(update={"status": "suspended"}), etag=added.etag)
    with pytest.raises(Conflict) as caught:
        await require_active_provider(store, "prv_a")
    assert caught.value.code == "provider_suspended"
    with pytest.raises(NotFound) as missing:
        await require_active_provider(store, "prv_missing")
    assert missing.value.code == "provider_not_found"


async def test_save_provider_honours_the_etag(store: DocumentStore) -> None:
    added = await add_provider(store, provider())
    saved = await save_provider(store, added.model_copy(update={"display_name": "Beta"}), etag=added.etag)
    assert saved.display_name == "Beta" and saved.etag and saved.etag != added.etag
    with pytest.raises(PreconditionFailed):
        await save_provider(store, added.model_copy(update={"display_name": "Lost"}), etag=added.etag)
    assert (await get_provider(store, "prv_a")).display_name == "Beta"


# --- applications --------------------------------------------------------------------------------------------------


async def test_add_and_find_an_application(store: DocumentStore) -> None:
    added = await add_application(store, application())
    assert added.etag and added.status == "pending" and added.applicant_user_id == "usr_1"
    assert await find_application(store, "pap_1") == added
    assert await find_application(store, "pap_missing") is None
    assert await find_application(store, "applicant:usr_1") is None  # the claim document is not an application


async def test_one_pending_application_per_user(store: DocumentStore) -> None:
    first = await add_application(store, application("pap_1", "usr_1"))
    with pytest.raises(Conflict) as caught:
        await add_application(store, application("pap_2", "usr_1"))
    assert caught.value.code == "application_pending"
    assert await find_application(store, "pap_2") is None  # nothing left behind
    # another user may apply meanwhile
    assert (await add_application(store, application("pap_3", "usr_2"))).id == "pap_3"
    # once the first is decided, the same user may apply again
    await save_application(store, first.model_copy(update={"status": "rejected", "reason": "no"}), etag=first.etag)
    again = await add_application(store, application("pap_4", "usr_1"))
    assert again.status == "pending"
    with pytest.raises(Conflict):
        await add_application(store, application("pap_5", "usr_1"))
    pending, _ = await collect_pages(lambda **page: list_applications(store, status="pending", **page), limit=10)
    assert sorted(a.id for a in pending) == ["pap_3", "pap_4"]


async def test_concurrent_applications_of_one_user_leave_one_pending(store: DocumentStore) -> None:
    results = await asyncio.gather(
        *(add_application(store, application(f"pap_{n}", "usr_1")) for n in range(3)), return_exceptions=True
    )
    won = [r for r in results if isinstance(r, ProviderApplication)]
    lost = [r for r in results if not isinstance(r, ProviderApplication)]
    assert len(won) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "application_pending" for r in lost), lost
    every, _ = await collect_pages(lambda **page: list_applications(store, status=None, **page), limit=10)
    assert [a.id for a in every] == [won[0].id]


async def test_list_applications_by_status_pages_every_item_once(store: DocumentStore) -> None:
    for n in range(5):
        await add_application(store, application(f"pap_p{n}", f"usr_p{n}"))
    for n in range(3):
        await add_application(store, application(f"pap_a{n}", f"usr_a{n}", status="approved", provider_id=f"prv_{n}"))
    await add_provider(store, provider())  # another type in the same container
    await add_invite(store, invite())

    pending, pages = await collect_pages(lambda **page: list_applications(store, status="pending", **page))
    ids = [a.id for a in pending]
    assert sorted(ids) == [f"pap_p{n}" for n in range(5)] and len(ids) == len(set(ids))
    assert pages >= 3  # 5 items at 2 a page
    assert {a.status for a in pending} == {"pending"}

    approved, _ = await collect_pages(lambda **page: list_applications(store, status="approved", **page))
    assert sorted(a.id for a in approved) == ["pap_a0", "pap_a1", "pap_a2"]

    every, _ = await collect_pages(lambda **page: list_applications(store, status=None, **page))
    assert len(every) == 8 and len({a.id for a in every}) == 8

    rejected, _ = await collect_pages(lambda **page: list_applications(store, status="rejected", **page))
    assert rejected == []


# --- invites -------------------------------------------------------------------------------------------------------


async def test_invites_add_find_and_list(store: DocumentStore) -> None:
    added = await add_invite(store, invite("sti_1"))
    assert added.etag and added.provider_id == "prv_a" and added.token_hash == "0" * 64
    assert await find_invite(store, "sti_1") == added
    assert await find_invite(store, "sti_missing") is None
    assert await find_invite(store, "prv_a") is None
    for n in range(2, 6):
        await add_invite(store, invite(f"sti_{n}", email=f"staff{n}@example.com"))
    await add_invite(store, invite("sti_other", provider_id="prv_b"))
    await add_provider(store, provider())

    listed, pages = await collect_pages(lambda **page: list_invites(store, "prv_a", **page))
    ids = [i.id for i in listed]
    assert sorted(ids) == [f"sti_{n}" for n in range(1, 6)] and len(ids) == len(set(ids))
    assert pages >= 3
    other, _ = await collect_pages(lambda **page: list_invites(store, "prv_b", **page))
    assert [i.id for i in other] == ["sti_other"]
    nobody, _ = await collect_pages(lambda **page: list_invites(store, "prv_none", **page))
    assert nobody == []


# --- provider status mirrored onto stations ------------------------------------------------------------------------


async def test_mirror_onto_stations_copies_status_and_name(store: DocumentStore) -> None:
    added = await add_provider(store, provider())
    await add_provider(store, provider("prv_b", "Bravo", "pap_b"))
    await add_station(store, station("stn_1"))
    await add_station(store, station("stn_2", amenities=["wifi"]))
    other = await add_station(store, station("stn_x", provider_id="prv_b", provider_name="Bravo"))

    assert await mirror_onto_stations(store, "prv_a") == 0  # already matching: nothing written
    await save_provider(
        store, added.model_copy(update={"status": "suspended", "display_name": "Alpha New"}), etag=added.etag
    )
    assert await mirror_onto_stations(store, "prv_a") == 2

    for stn_id in ("stn_1", "stn_2"):
        mirrored = await get_station(store, stn_id)
        assert (mirrored.provider_active, mirrored.provider_name) == (False, "Alpha New")
    assert (await get_station(store, "stn_2")).amenities == ["wifi"]  # the rest of the document survives
    untouched = await get_station(store, "stn_x")
    assert untouched == other and untouched.etag == other.etag
    assert (untouched.provider_active, untouched.provider_name) == (True, "Bravo")

    assert await mirror_onto_stations(store, "prv_a") == 0  # idempotent
    suspended = await get_provider(store, "prv_a")
    await save_provider(store, suspended.model_copy(update={"status": "active"}), etag=suspended.etag)
    assert await mirror_onto_stations(store, "prv_a") == 2
    assert [(await get_station(store, s)).provider_active for s in ("stn_1", "stn_2")] == [True, True]
    with pytest.raises(NotFound):
        await mirror_onto_stations(store, "prv_missing")


# --- tariffs -------------------------------------------------------------------------------------------------------


async def test_tariff_head_and_versions(store: DocumentStore) -> None:
    head = await add_tariff(store, tariff(current_version=2))
    assert head.etag and await get_tariff(store, "prv_a", "trf_1") == head
    v1 = await add_tariff_version(store, tariff_version(version=1, price="0.39"))
    v2 = await add_tariff_version(store, tariff_version(version=2, price="0.45"))
    assert v1.etag and v2.elements[0].price_components[0].price == Decimal("0.45")

    current = await get_tariff_version(store, "prv_a", "trf_1")
    assert current == v2 and current.version == 2
    earlier = await get_tariff_version(store, "prv_a", "trf_1", 1)
    assert earlier == v1 and earlier.elements[0].price_components[0].price == Decimal("0.39")

    with pytest.raises(NotFound) as no_version:
        await get_tariff_version(store, "prv_a", "trf_1", 3)
    assert no_version.value.code == "tariff_version_not_found"
    with pytest.raises(NotFound) as no_head:
        await get_tariff_version(store, "prv_a", "trf_missing")
    assert no_head.value.code == "tariff_not_found"
    with pytest.raises(NotFound):  # another provider's partition
        await get_tariff_version(store, "prv_b", "trf_1", 1)
    with pytest.raises(NotFound) as version_is_no_head:
        await get_tariff(store, "prv_a", version_id("trf_1", 1))
    assert version_is_no_head.value.code == "tariff_not_found"


async def test_a_version_number_is_taken_once(store: DocumentStore) -> None:
    await add_tariff(store, tariff())
    await add_tariff_version(store, tariff_version(version=1))
    first = await add_tariff_version(store, tariff_version(version=2, price="0.45"))
    with pytest.raises(DocumentConflict):
        await add_tariff_version(store, tariff_version(version=2, price="0.99"))
    assert await get_tariff_version(store, "prv_a", "trf_1", 2) == first

    # two writers racing for version 3: exactly one of them gets it
    results = await asyncio.gather(
        add_tariff_version(store, tariff_version(version=3, price="0.50")),
        add_tariff_version(store, tariff_version(version=3, price="0.60")),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, TariffVersion)]
    assert len(won) == 1 and sum(isinstance(r, DocumentConflict) for r in results) == 1, results
    stored = await get_tariff_version(store, "prv_a", "trf_1", 3)
    assert stored.elements == won[0].elements
    assert [v.version for v in await list_tariff_versions(store, "prv_a", "trf_1")] == [1, 2, 3]


async def test_list_tariff_versions_in_numeric_order(store: DocumentStore) -> None:
    await add_tariff(store, tariff(current_version=10))
    for n in (2, 10, 1, 3):
        await add_tariff_version(store, tariff_version(version=n, price=f"0.{n:02d}"))
    await add_tariff(store, tariff("trf_2"))
    await add_tariff_version(store, tariff_version("trf_2", 1))
    await add_tariff_version(store, tariff_version("trf_1", 7, provider_id="prv_b"))  # same id, other provider

    versions = await list_tariff_versions(store, "prv_a", "trf_1")
    assert [v.version for v in versions] == [1, 2, 3, 10]
    assert {(v.tariff_id, v.provider_id) for v in versions} == {("trf_1", "prv_a")}
    assert versions[-1].elements[0].price_components[0].price == Decimal("0.10")
    assert [v.version for v in await list_tariff_versions(store, "prv_a", "trf_2")] == [1]
    assert [v.version for v in await list_tariff_versions(store, "prv_b", "trf_1")] == [7]
    assert await list_tariff_versions(store, "prv_a", "trf_missing") == []


async def test_stations_priced_by_a_tariff(store: DocumentStore) -> None:
    await add_tariff(store, tariff())
    await add_tariff_version(store, tariff_version())
    await add_station(store, station("stn_1", tariff_id="trf_1"))
    await add_station(store, station("stn_2", tariff_id="trf_2"))
    await add_station(store, station("stn_3", tariff_id="trf_1"))
    await add_station(store, station("stn_4"))
    await add_station(store, station("stn_x", provider_id="prv_b", tariff_id="trf_1"))

    assert sorted(await stations_priced_by(store, "prv_a", "trf_1")) == ["stn_1", "stn_3"]
    assert await stations_priced_by(store, "prv_a", "trf_2") == ["stn_2"]
    assert await stations_priced_by(store, "prv_b", "trf_1") == ["stn_x"]
    assert await stations_priced_by(store, "prv_a", "trf_none") == []


# --- promo codes ---------------------------------------------------------------------------------------------------


async def test_add_and_get_a_promo_in_any_case(store: DocumentStore) -> None:
    added = await add_promo(store, promo("SUMMER-10"))
    assert added.etag and added.id == "promo:SUMMER-10" and added.percent == 10
    for typed in ("SUMMER-10", "summer-10", "Summer-10"):
        assert await get_promo(store, "prv_a", typed) == added
    with pytest.raises(NotFound) as other_provider:
        await get_promo(store, "prv_b", "SUMMER-10")
    assert other_provider.value.code == "promo_not_found"
    with pytest.raises(NotFound) as missing:
        await get_promo(store, "prv_a", "WINTER-10")
    assert missing.value.code == "promo_not_found"


async def test_a_promo_code_is_unique_per_provider(store: DocumentStore) -> None:
    first = await add_promo(store, promo("SUMMER-10"))
    with pytest.raises(Conflict) as caught:
        await add_promo(store, promo("SUMMER-10", kind="fixed", percent=None, amount=Decimal("5")))
    assert caught.value.code == "promo_code_taken"
    assert await get_promo(store, "prv_a", "SUMMER-10") == first  # the first one stands

    theirs = await add_promo(store, promo("SUMMER-10", provider_id="prv_b", percent=20))
    assert theirs.provider_id == "prv_b"
    assert (await get_promo(store, "prv_b", "summer-10")).percent == 20
    assert (await get_promo(store, "prv_a", "summer-10")).percent == 10


async def test_save_promo_honours_the_etag(store: DocumentStore) -> None:
    added = await add_promo(store, promo())
    used = await save_promo(store, added.model_copy(update={"uses": 1}), etag=added.etag)
    assert used.uses == 1 and used.etag != added.etag
    with pytest.raises(PreconditionFailed):
        await save_promo(store, added.model_copy(update={"uses": 1, "active": False}), etag=added.etag)
    stored = await get_promo(store, "prv_a", "SUMMER-10")
    assert (stored.uses, stored.active) == (1, True)


async def test_list_promos_pages_one_providers_codes_by_code(store: DocumentStore) -> None:
    for code in ("EEEE", "BBBB", "DDDD", "AAAA", "CCCC"):
        await add_promo(store, promo(code))
    await add_promo(store, promo("AAAB", provider_id="prv_b"))
    await add_station(store, station("stn_1"))  # same container and partition, other types
    await add_tariff(store, tariff())

    listed, pages = await collect_pages(lambda **page: list_promos(store, "prv_a", **page))
    assert [p.code for p in listed] == ["AAAA", "BBBB", "CCCC", "DDDD", "EEEE"]
    assert pages >= 3
    theirs, _ = await collect_pages(lambda **page: list_promos(store, "prv_b", **page))
    assert [p.code for p in theirs] == ["AAAB"]
    none, _ = await collect_pages(lambda **page: list_promos(store, "prv_none", **page))
    assert none == []
