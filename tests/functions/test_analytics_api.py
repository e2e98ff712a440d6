"""Analytics endpoints over the generated month: figures equal the independent counts, the CSV carries the
JSON's numbers, and each reader sees only their own figures (another provider's answer 404)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from shared.services.analytics import on_event
from shared.services.analytics_recompute import recompute
from tests.analytics_month import generate
from tests.providers_fixture import driver, platform_admin

NOW = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def summed(expected: dict[str, dict[str, int]], key: str) -> int:
    return sum(f.get(key, 0) for day, f in expected.items() if day.startswith("2026-10"))


def rows_of(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def same_as_json(row: dict[str, str], period: dict[str, Any], money: str) -> None:
    """Every CSV cell is the JSON's value, written the same way."""
    for key, value in period.items():
        if key == money:
            for m in value:
                for part in ("collected", "refunded", "net"):
                    assert row[f"{part}_{m['currency']}"] == m[part]
            continue
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in key)
        cell = row[snake]
        if key == "period" and cell == "total":
            continue
        expected = "" if value is None else " ".join(map(str, value)) if isinstance(value, list) else str(value)
        assert cell == expected, (key, cell, expected)


async def test_reports_match_the_month_and_their_csv(deps, clock, functions, acme, rival):
    clock.current = NOW
    drivers = [await driver(deps, f"d{i}@example.com", card=None) for i in range(3)]
    month = await generate(deps, [acme, rival], [d.user_id for d in drivers])
    for message in month.events:  # the status log comes from events only; the rest from the nightly rebuild
        if message.type == "ConnectorStatusChanged":
            await on_event(deps, message)
    await recompute(deps, "2026-10-01", "2026-11-02")
    acme_stations = {s for s, st in month.stations.items() if st.provider_id == acme.id}
    expected = month.expected(acme_stations)
    admin = acme.admin.renewed(deps).token

    answer = await functions(
        "provider_analytics", token=admin, route={"providerId": acme.id}, params={**OCTOBER, "granularity": "week"}
    )
    assert answer.status == 200, answer.json
    report = answer.json
    assert [p["period"] for p in report["periods"]][:2] == ["2026-W40", "2026-W41"]
    assert report["periods"][0]["start"] == "2026-10-01" and report["periods"][0]["end"] == "2026-10-04"
    total = report["total"]
    assert total["sessions"] == summed(expected, "sessions") == sum(p["sessions"] for p in report["periods"])
    assert Decimal(total["energyKwh"]) == Decimal(summed(expected, "energyWh")) / 1000
    for key in ("occupiedSeconds", "availableSeconds", "maintenanceSeconds", "downSeconds", "faultedSeconds", "faults"):
        assert total[key] == summed(expected, key), key
    assert total["availableSeconds"] + total["maintenanceSeconds"] == 31 * 86400 * 5  # five connectors at acme
    eur = next(m for m in total["revenue"] if m["currency"] == "EUR")
    assert Decimal(eur["collected"]) == Decimal(summed(expected, "collected:EUR")) / 100
    assert Decimal(eur["refunded"]) == Decimal(summed(expected, "refunded:EUR")) / 100
    assert {m["currency"] for m in total["revenue"]} == {"EUR", "CHF"}
    utilisation = Decimal(total["occupiedSeconds"]) / Decimal(total["availableSeconds"])
    assert Decimal(total["utilisation"]) == utilisation.quantize(Decimal("0.0001"))
    assert 1 <= len(total["peakHours"]) <= 3

    download = await functions(
        "provider_analytics_csv", token=admin, route={"providerId": acme.id}, params={**OCTOBER, "granularity": "week"}
    )
    assert download.status == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = rows_of(download.body)
    assert len(rows) == len(report["periods"]) + 1 and rows[-1]["period"] == "total"
    for row, period in zip(rows, [*report["periods"], total], strict=True):
        same_as_json(row, period, "revenue")

    # one station of its own: the station's figures; days by default
    station_id = sorted(acme_stations)[0]
    one = await functions(
        "provider_analytics", token=acme.staff.renewed(deps).token, route={"providerId": acme.id},
        params={**OCTOBER, "stationId": station_id},
    )  # fmt: skip
    assert one.status == 200 and len(one.json["periods"]) == 31
    assert one.json["total"]["sessions"] == summed(month.expected({station_id}), "sessions")

    # platform: every provider's
    platform = await functions(
        "platform_analytics", token=platform_admin(deps).token, params={**OCTOBER, "granularity": "month"}
    )
    assert platform.status == 200
    assert platform.json["periods"][0]["sessions"] == summed(month.expected(set(month.stations)), "sessions")

    # a driver's own statistics, with CO2 at the default 0.4 kg/kWh
    mine = month.driver_expected(drivers[0].user_id)
    stats = await functions(
        "my_statistics", token=drivers[0].renewed(deps).token, params={**OCTOBER, "granularity": "month"}
    )
    assert stats.status == 200
    assert stats.json["total"]["sessions"] == summed(mine, "sessions") > 0
    kwh = Decimal(summed(mine, "energyWh")) / 1000
    assert Decimal(stats.json["total"]["co2AvoidedKg"]) == (kwh * Decimal("0.4")).quantize(Decimal("0.001"))
    stats_csv = await functions(
        "my_statistics_csv", token=drivers[0].renewed(deps).token, params={**OCTOBER, "granularity": "month"}
    )
    for row, period in zip(rows_of(stats_csv.body), [*stats.json["periods"], stats.json["total"]], strict=True):
        same_as_json(row, period, "spend")


async def test_readers_see_only_their_own_figures(deps, functions, acme, rival):
    rival_admin, acme_admin = rival.admin.token, acme.admin.token
    other = await functions("provider_analytics", token=rival_admin, route={"providerId": acme.id}, params=OCTOBER)
    assert other.status == 404
    other_csv = await functions(
        "provider_analytics_csv", token=rival_admin, route={"providerId": acme.id}, params=OCTOBER
    )
    assert other_csv.status == 404
    someone = await driver(deps, "someone@example.com", card=None)
    assert (await functions("provider_analytics", token=someone.token, route={"providerId": acme.id})).status == 403
    assert (await functions("platform_analytics", token=acme_admin)).status == 403
    assert (await functions("platform_analytics_csv", token=acme_admin)).status == 403
    assert (await functions("my_statistics")).status == 401
    # a station of another provider, asked through one's own provider
    await deps.store.create(
        "stations",
        {"id": "stn_rival01", "type": "station", "providerId": rival.id, "providerName": "Rival", "name": "R",
         "address": {"street": "a", "city": "b", "postalCode": "1", "country": "DE"},
         "location": {"type": "Point", "coordinates": [7.0, 46.0]}, "timeZone": "UTC",
         "createdAt": "2026-10-01T00:00:00Z", "updatedAt": "2026-10-01T00:00:00Z"},
    )  # fmt: skip
    sneaky = await functions(
        "provider_analytics",
        token=acme_admin,
        route={"providerId": acme.id},
        params={**OCTOBER, "stationId": "stn_rival01"},
    )
    assert sneaky.status == 404
    own_view = await functions(
        "provider_analytics",
        token=rival_admin,
        route={"providerId": rival.id},
        params={**OCTOBER, "stationId": "stn_rival01"},
    )
    assert own_view.status == 200


async def test_bad_periods_are_refused(deps, functions, acme):
    token = acme.admin.token
    route = {"providerId": acme.id}
    backwards = await functions(
        "provider_analytics", token=token, route=route, params={"from": "2026-10-02", "to": "2026-10-01"}
    )
    assert backwards.status == 422
    too_long = await functions(
        "provider_analytics", token=token, route=route, params={"from": "2024-01-01", "to": "2026-10-01"}
    )
    assert too_long.status == 422 and too_long.json["code"] == "period_too_long"
    unknown = await functions("provider_analytics", token=token, route=route, params={"granularity": "year"})
    assert unknown.status == 422
