"""Price before start: the estimate for a connector, exact amounts from the site's tariff."""

from __future__ import annotations

from typing import Any

import pytest

from shared.bootstrap import Deps
from tests.charging_fixture import Site, build_site


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def estimate(site: Site, **params: str) -> Any:
    return await site.functions("estimate_station_price", route={"stationId": site.station_id}, params=params)


async def test_an_estimate_by_kwh_and_by_minutes(site: Site) -> None:
    by_kwh = await estimate(site, connectorKey=site.key(1), kwh="20")  # 22 kW AC, 0.40 EUR/kWh + 19 %
    assert by_kwh.status == 200, by_kwh.json
    body = by_kwh.json
    assert body["total"] == {"amount": "9.52", "currency": "EUR"}
    assert (body["kwh"], body["minutes"], body["powerKw"]) == ("20.000", 55, 22.0)
    assert body["summary"]
    by_minutes = await estimate(site, connectorKey=site.key(2), minutes="30")  # 150 kW DC: 75 kWh in 30 min
    assert by_minutes.json["total"] == {"amount": "35.70", "currency": "EUR"}
    both = await estimate(site, connectorKey=site.key(2), kwh="10", minutes="30")  # 10 kWh first, in 4 min
    assert (both.json["kwh"], both.json["minutes"], both.json["total"]["amount"]) == ("10.000", 4, "4.76")


async def test_bad_estimates_are_refused(site: Site) -> None:
    assert (await estimate(site, connectorKey=site.key(1))).json["code"] == "validation_failed"
    assert (await estimate(site, connectorKey=site.key(1), kwh="-1")).status == 422
    missing = await estimate(site, connectorKey="CP-1/9", kwh="5")
    assert (missing.status, missing.json["code"]) == (404, "connector_not_found")
    other = await site.functions(
        "estimate_station_price", route={"stationId": "stn_nope"}, params={"connectorKey": "CP-1/1", "kwh": "5"}
    )
    assert other.status == 404
