"""POST /api/tariffs/preview: a draft priced as the price-estimate prices it once saved; its checks; tenancy.

The site (tests/charging_fixture.py) is an active station in Europe/Berlin with CP-1: connector 1 22 kW AC,
connector 2 150 kW DC. The FakeClock starts on Tuesday 2026-11-24 at 12:00 UTC (13:00 in Berlin).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.bootstrap import Deps
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.providers_fixture import ProviderTeam, create_provider, driver, platform_admin

# Night energy is cheaper, the first hour of charging time is free, a flat fee; step sizes on everything.
DRAFT: dict[str, Any] = {
    "currency": "EUR",
    "elements": [
        {
            "priceComponents": [{"type": "ENERGY", "price": "0.29", "vat": "19", "stepSize": 500}],
            "restrictions": {"startTime": "22:00", "endTime": "06:00"},
        },
        {
            "priceComponents": [
                {"type": "ENERGY", "price": "0.45", "vat": "19", "stepSize": 100},
                {"type": "FLAT", "price": "0.99", "vat": "19"},
            ]
        },
        {
            "priceComponents": [{"type": "TIME", "price": "0", "vat": "19"}],
            "restrictions": {"maxDuration": 3600},
        },
        {"priceComponents": [{"type": "TIME", "price": "3.00", "vat": "19", "stepSize": 300}]},
    ],
}


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


def staff(site: Site) -> str:
    return site.team.staff.renewed(site.deps).token  # issued now: the clock may have moved past the first one


async def preview(site: Site, token: str | None = None, *, tariff: Any = None, **fields: Any) -> Any:
    body = {"stationId": site.station_id, "connectorKey": site.key(1), "kwh": "20", "tariff": tariff or DRAFT}
    body.update(fields)
    return await site.functions("preview_tariff_price", "POST", token=token or staff(site), body=body)


async def save_and_attach(site: Site, draft: dict[str, Any]) -> None:
    admin = site.team.admin.renewed(site.deps).token  # issued now: the clock may have moved past the first one
    made = await site.functions(
        "create_tariff", "POST", token=admin, route={"providerId": site.team.id},
        body={"name": "Previewed", **draft},
    )  # fmt: skip
    assert made.status == 201, made.json
    attached = await site.functions(
        "attach_tariff", "PUT", token=admin, route={"stationId": site.station_id}, body={"tariffId": made.json["id"]},
    )  # fmt: skip
    assert attached.status == 200, attached.json


CASES: list[tuple[int, dict[str, Any]]] = [
    (1, {"kwh": "20"}),  # 22 kW: 20 kWh in 54.5 min, inside the free hour
    (1, {"minutes": 150}),  # 55 kWh, 90 minutes of time fee
    (2, {"kwh": "37.3", "minutes": 45}),  # 150 kW: the kWh come first, in 15 minutes
    (2, {"minutes": 95}),
]


@pytest.mark.parametrize("at_night", [False, True])
async def test_the_preview_is_the_price_estimate_of_the_saved_tariff(
    site: Site, clock: FakeClock, at_night: bool
) -> None:
    if at_night:
        clock.advance(hours=10)  # 23:00 in Berlin: the night element prices the energy
    previews = []
    for connector, amounts in CASES:
        answer = await preview(site, connectorKey=site.key(connector), **{"kwh": None, **amounts})
        assert answer.status == 200, answer.json
        previews.append(answer.json)
    await save_and_attach(site, DRAFT)
    for (connector, amounts), previewed in zip(CASES, previews, strict=True):
        params = {"connectorKey": site.key(connector), **{k: str(v) for k, v in amounts.items()}}
        estimate = await site.functions("estimate_station_price", route={"stationId": site.station_id}, params=params)
        assert estimate.status == 200, estimate.json
        expected = estimate.json
        assert previewed["cost"] == expected["cost"]
        assert previewed["total"] == expected["total"]
        shared = ("stationId", "connectorKey", "summary", "powerKw", "kwh", "minutes")
        assert {k: previewed[k] for k in shared} == {k: expected[k] for k in shared}
        assert previewed["startAt"].startswith("2026-11-24T")
    # worked by hand, 20 kWh at 22 kW by day: 20 kWh x 0.45 + 0.99 flat = 9.99 excl. VAT, 1.90 VAT
    if not at_night:
        assert previews[0]["total"] == {"amount": "11.89", "currency": "EUR"}


async def test_a_given_start_is_used_in_the_stations_time_zone(site: Site) -> None:
    day = await preview(site, startAt="2026-11-24T10:00:00+00:00")  # 11:00 in Berlin
    night = await preview(site, startAt="2026-11-24T21:30:00Z")  # 22:30 in Berlin
    assert (day.status, night.status) == (200, 200), (day.json, night.json)
    assert day.json["total"]["amount"] == "11.89"
    # 20 kWh x 0.29 + 0.99 = 6.79 excl. VAT, 1.29 VAT
    assert night.json["total"]["amount"] == "8.08"
    assert night.json["startAt"] == "2026-11-24T21:30:00Z"


def draft_with(change: Any) -> dict[str, Any]:
    draft = copy.deepcopy(DRAFT)
    change(draft)
    return draft


BAD_DRAFTS = {
    "tariff_missing_fallback": lambda d: d["elements"].pop(3),
    "tariff_unreachable_element": lambda d: d["elements"].append(copy.deepcopy(d["elements"][2])),
    "tariff_duplicate_component": lambda d: d["elements"][1]["priceComponents"].append({"type": "FLAT", "price": "1"}),
    "tariff_range": lambda d: d["elements"][2]["restrictions"].update({"minDuration": 3600}),
    "currency_mismatch": lambda d: d.update({"currency": "USD"}),
    "unknown_currency": lambda d: d.update({"currency": "XXX"}),
    "validation_failed": lambda d: d["elements"][0]["priceComponents"][0].update({"price": "-1"}),
}


@pytest.mark.parametrize("code", sorted(BAD_DRAFTS))
async def test_a_bad_draft_is_refused_as_creating_it_is(site: Site, code: str) -> None:
    draft = draft_with(BAD_DRAFTS[code])
    created = await site.functions(
        "create_tariff", "POST", token=site.team.admin.token, route={"providerId": site.team.id},
        body={"name": "Bad", **draft},
    )  # fmt: skip
    previewed = await preview(site, tariff=draft)
    assert (created.status, created.json["code"]) == (422, code)
    assert (previewed.status, previewed.json["code"]) == (422, code)


@pytest.mark.parametrize(
    "fields",
    [
        {"kwh": None},  # neither kWh nor minutes
        {"kwh": "0"},
        {"minutes": 24 * 60 + 1},
        {"startAt": "2026-11-24T10:00:00"},  # no offset: which zone would it be?
        {"startAt": "9999-12-31T23:59:00Z"},
        {"surprise": True},
    ],
)
async def test_a_bad_session_is_refused(site: Site, fields: dict[str, Any]) -> None:
    answer = await preview(site, **fields)
    assert (answer.status, answer.json["code"]) == (422, "validation_failed")


async def test_an_unknown_connector_or_station_is_404(site: Site) -> None:
    connector = await preview(site, connectorKey="CP-1/9")
    assert (connector.status, connector.json["code"]) == (404, "connector_not_found")
    assert (await preview(site, stationId="stn_nope")).status == 404


async def test_the_providers_staff_and_admins_and_platform_admins_may_preview(site: Site, deps: Deps) -> None:
    for token in (site.team.admin.token, site.team.staff.token, platform_admin(deps).token):
        answer = await preview(site, token)
        assert answer.status == 200, answer.json
        assert answer.json["total"]["amount"] == "11.89"


async def test_another_providers_station_is_not_found(site: Site, deps: Deps) -> None:
    rival: ProviderTeam = await create_provider(deps, "rival")
    for token in (rival.admin.token, rival.staff.token):
        answer = await preview(site, token)
        assert (answer.status, answer.json["code"]) == (404, "not_found")
        # nothing about the draft is judged for a station that is not yours: still 404, not 422
        bad = await preview(site, token, tariff=draft_with(BAD_DRAFTS["tariff_missing_fallback"]))
        assert bad.status == 404


async def test_drivers_and_strangers_may_not_preview(site: Site, deps: Deps) -> None:
    someone = await driver(deps, "someone@example.com", card=None)
    refused = await preview(site, someone.token)
    assert (refused.status, refused.json["code"]) == (403, "forbidden_role")
    anonymous = await site.functions(
        "preview_tariff_price", "POST",
        body={"stationId": site.station_id, "connectorKey": site.key(1), "kwh": "20", "tariff": DRAFT},
    )  # fmt: skip
    assert anonymous.status == 401
