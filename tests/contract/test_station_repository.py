"""The station and charger repositories against every DocumentStore adapter (the ``store`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.chargers import Charger, ChargerConnector
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.geo import GeoPoint
from shared.domain.stations import Address, ConnectorStandard, ConnectorStatus, PowerType, Station
from shared.ports.store import DocumentStore, InvalidContinuation, PreconditionFailed
from shared.repositories.chargers import add_charger, list_station_chargers, save_charger, station_chargers
from shared.repositories.stations import (
    add_station,
    get_station,
    list_provider_stations,
    read_station,
    rebuild_connectors,
    save_station,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def station(id="stn_1", provider_id="prv_a", name="Depot", **fields) -> Station:
    return Station(
        id=id,
        provider_id=provider_id,
        provider_name="A",
        name=name,
        address=Address(street="Hauptstraße 1", city="Berlin", postal_code="10117", country="DE"),
        location=GeoPoint.at(13.4, 52.5),
        time_zone="Europe/Berlin",
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


def charger(id="CP-1", station_id="stn_1", provider_id="prv_a", kw=(22.0,), **fields) -> Charger:
    connectors = [
        ChargerConnector(
            connector_id=n,
            standard=ConnectorStandard.TYPE_2 if p <= 43 else ConnectorStandard.CCS2,
            power_type=PowerType.AC if p <= 43 else PowerType.DC,
            max_power_kw=p,
        )
        for n, p in enumerate(kw, start=1)
    ]
    return Charger(
        id=id,
        provider_id=provider_id,
        station_id=station_id,
        vendor="ABB",
        model="Terra",
        password_hash="$argon2id$not-a-real-hash",
        password_updated_at=NOW,
        connectors=connectors,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )


async def test_add_then_find_by_id_alone_and_by_point_read(store: DocumentStore) -> None:
    added = await add_station(store, station())
    assert added.etag
    found = await get_station(store, "stn_1")
    assert found == added and found.etag == added.etag
    assert await read_station(store, "prv_a", "stn_1") == added
    with pytest.raises(NotFound):
        await get_station(store, "stn_missing")
    with pytest.raises(NotFound):
        await read_station(store, "prv_b", "stn_1")  # another provider's partition


async def test_a_non_station_document_is_not_a_station(store: DocumentStore) -> None:
    await store.create("stations", {"id": "trf_1", "type": "tariff", "providerId": "prv_a", "name": "T"})
    with pytest.raises(NotFound):
        await get_station(store, "trf_1")
    with pytest.raises(NotFound):
        await read_station(store, "prv_a", "trf_1")


async def test_save_recomputes_derived_fields_and_honours_the_etag(store: DocumentStore) -> None:
    added = await add_station(store, station())
    await add_charger(store, charger(kw=(22.0, 150.0)))
    rebuilt = await rebuild_connectors(store, "stn_1")
    assert rebuilt.standards == [ConnectorStandard.CCS2, ConnectorStandard.TYPE_2] and rebuilt.max_power_kw == 150
    # a writer that forgot the derived fields still gets them right
    stripped = rebuilt.model_copy(update={"standards": [], "max_power_kw": 0, "name": "Renamed"})
    saved = await save_station(store, stripped, rebuilt.etag)
    assert saved.standards == rebuilt.standards and saved.max_power_kw == 150 and saved.name == "Renamed"
    with pytest.raises(PreconditionFailed):
        await save_station(store, rebuilt.model_copy(update={"name": "Lost"}), added.etag)
    assert (await get_station(store, "stn_1")).name == "Renamed"


async def test_list_pages_one_providers_stations_by_name(store: DocumentStore) -> None:
    for n, name in enumerate(["E", "B", "D", "A", "C"]):
        await add_station(store, station(id=f"stn_{n}", name=name, lifecycle="active" if name in "AC" else "draft"))
    await add_station(store, station(id="stn_other", provider_id="prv_b", name="AA"))
    await store.create("stations", {"id": "trf_1", "type": "tariff", "providerId": "prv_a", "name": "0"})
    names: list[str] = []
    token = None
    for _ in range(10):
        page, token = await list_provider_stations(store, "prv_a", limit=2, continuation=token)
        assert len(page) <= 2
        names += [s.name for s in page]
        if token is None:
            break
    assert names == ["A", "B", "C", "D", "E"]
    active, _ = await list_provider_stations(store, "prv_a", lifecycle="active")
    assert [s.name for s in active] == ["A", "C"]


async def test_rebuild_projects_active_chargers_and_keeps_live_state(store: DocumentStore) -> None:
    await add_station(store, station())
    await add_charger(store, charger("CP-2", kw=(11.0,)))
    await add_charger(store, charger("CP-1", kw=(22.0, 50.0)))
    await add_charger(store, charger("CP-9", station_id="stn_other"))
    first = await rebuild_connectors(store, "stn_1")
    assert [c.key for c in first.connectors] == ["CP-1/1", "CP-1/2", "CP-2/1"]
    assert {c.status for c in first.connectors} == {ConnectorStatus.UNKNOWN}

    reported = [
        c.model_copy(update={"status": ConnectorStatus.AVAILABLE, "status_at": NOW, "suspect": c.connector_id == 2})
        for c in first.connectors
    ]
    with_status = await save_station(store, first.model_copy(update={"connectors": reported}), first.etag)
    assert await rebuild_connectors(store, "stn_1", provider_id="prv_a") == with_status  # nothing to change
    assert (await get_station(store, "stn_1")).etag == with_status.etag  # and nothing written

    cp1 = (await station_chargers(store, "stn_1", lifecycle=None))[0]
    await save_charger(store, cp1.model_copy(update={"lifecycle": "retired"}), etag=cp1.etag)
    cp2 = (await station_chargers(store, "stn_1", lifecycle="active"))[0]
    bigger = cp2.model_copy(update={"connectors": [*cp2.connectors, charger(kw=(1.0, 7.4)).connectors[1]]})
    await save_charger(store, bigger, etag=cp2.etag)
    after = await rebuild_connectors(store, "stn_1")
    assert [(c.key, c.status, c.status_at) for c in after.connectors] == [
        ("CP-2/1", ConnectorStatus.AVAILABLE, NOW),
        ("CP-2/2", ConnectorStatus.UNKNOWN, None),
    ]
    assert after.max_power_kw == 11 and after.standards == [ConnectorStandard.TYPE_2]


async def test_charger_identity_is_unique(store: DocumentStore) -> None:
    await add_charger(store, charger("CP-1"))
    with pytest.raises(InvalidInput) as caught:
        await add_charger(store, charger("CP-1", station_id="stn_b", provider_id="prv_b"))
    assert caught.value.code == "charger_identity_taken"


async def test_list_a_stations_chargers(store: DocumentStore) -> None:
    for n in range(5):
        await add_charger(store, charger(f"CP-{n}", lifecycle="retired" if n == 3 else "active"))
    await add_charger(store, charger("CP-X", station_id="stn_other"))
    seen: list[str] = []
    token = None
    for _ in range(10):
        page, token = await list_station_chargers(store, "stn_1", limit=2, continuation=token)
        seen += [c.id for c in page]
        if token is None:
            break
    assert sorted(seen) == ["CP-0", "CP-1", "CP-2", "CP-3", "CP-4"]
    assert [c.id for c in await station_chargers(store, "stn_1", lifecycle="active")] == [
        "CP-0",
        "CP-1",
        "CP-2",
        "CP-4",
    ]
    with pytest.raises(InvalidContinuation):  # answered at the HTTP edge as 422 invalid_continuation_token
        await list_station_chargers(store, "stn_1", continuation="%%%garbage")


async def test_rebuild_takes_connector_tariffs_from_the_chargers(store: DocumentStore) -> None:
    await add_station(store, station())
    plain = charger(kw=(22.0, 50.0))
    first, second = plain.connectors
    await add_charger(
        store, plain.model_copy(update={"connectors": [first.model_copy(update={"tariff_id": "trf_1"}), second]})
    )
    rebuilt = await rebuild_connectors(store, "stn_1")
    assert [c.tariff_id for c in rebuilt.connectors] == ["trf_1", None]
    # a tariff written onto the projection alone is not the truth: the next rebuild repairs it
    stray = [c.model_copy(update={"tariff_id": "trf_stray"}) for c in rebuilt.connectors]
    await save_station(store, rebuilt.model_copy(update={"connectors": stray}), rebuilt.etag)
    assert [c.tariff_id for c in (await rebuild_connectors(store, "stn_1")).connectors] == ["trf_1", None]
