"""Featured stations and promo codes through the HTTP functions; ``promo_applies`` for billing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shared.domain.errors import Forbidden
from shared.domain.promotions import (
    FeaturedPeriod,
    PromoCode,
    PromoCodeCreate,
    PromoCodeUpdate,
    PromoRefusal,
    promo_applies,
)
from shared.repositories.promotions import get_promo, save_promo
from shared.repositories.stations import get_station, save_station
from shared.services import promotions
from tests.functions.test_tariffs_api import make_station
from tests.providers_fixture import driver, platform_admin, set_provider_status

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # the FakeClock's start


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def period(start=NOW, days=30.0):
    return {"from": iso(start), "until": iso(start + timedelta(days=days))}


def promo_body(code="WINTER-10", **overrides):
    body = {
        "code": code,
        "kind": "percent",
        "percent": 10,
        "validFrom": iso(NOW),
        "validUntil": iso(NOW + timedelta(days=30)),
        "maxUses": 100,
        "perDriverLimit": 2,
    }
    return {**body, **overrides}


class RedeemBeforeFirstWrite:
    """The store, except that billing redeems the promo code (uses += 7) just before the first write of it."""

    def __init__(self, inner):
        self.inner, self.done = inner, False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def replace(self, container, doc, *, etag=None):
        if not self.done and doc.get("type") == "promoCode":
            self.done = True
            current = await self.inner.read(container, doc["id"], doc["providerId"])
            await self.inner.replace(container, {**current, "uses": current["uses"] + 7}, etag=current["_etag"])
        return await self.inner.replace(container, doc, etag=etag)


async def feature(functions, station_id, token, body):
    return await functions("feature_station", "PUT", token=token, route={"stationId": station_id}, body=body)


async def create_promo(functions, team, body=None, token=None):
    return await functions(
        "create_promo_code",
        "POST",
        token=token or team.admin.token,
        route={"providerId": team.id},
        body=body or promo_body(),
    )


async def patch_promo(functions, team, code, body, token=None, headers=None):
    route = {"providerId": team.id, "code": code}
    return await functions(
        "update_promo_code", "PATCH", token=token or team.admin.token, route=route, body=body, headers=headers
    )


class TestFeatured:
    async def test_feature_then_stop(self, functions, deps, acme):
        station = await make_station(deps, acme)
        answer = await feature(functions, station.id, acme.admin.token, period(days=90))
        assert answer.status == 200, answer.json
        assert answer.json == {
            "stationId": station.id,
            "featuredFrom": iso(NOW),
            "featuredUntil": iso(NOW + timedelta(days=90)),
        }
        stored = await get_station(deps.store, station.id)
        assert (stored.featured_from, stored.featured_until) == (NOW, NOW + timedelta(days=90))
        stopped = await functions(
            "unfeature_station", "DELETE", token=acme.admin.token, route={"stationId": station.id}
        )
        assert stopped.status == 204
        stored = await get_station(deps.store, station.id)
        assert (stored.featured_from, stored.featured_until) == (None, None)

    async def test_offsets_are_kept_as_utc(self, functions, deps, acme):
        station = await make_station(deps, acme)
        body = {"from": "2026-11-25T09:00:00+01:00", "until": "2026-11-26T09:00:00+01:00"}
        answer = await feature(functions, station.id, acme.admin.token, body)
        assert answer.json["featuredFrom"] == "2026-11-25T08:00:00Z"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            (period(days=0), "featured_period_invalid"),
            (period(days=-1), "featured_period_invalid"),
            (period(days=90.001), "featured_period_too_long"),
            (period(start=NOW - timedelta(days=10), days=5), "featured_period_past"),
            ({"from": "2026-12-01T00:00:00", "until": "2026-12-02T00:00:00"}, "validation_failed"),  # no offset
            ({"from": iso(NOW)}, "validation_failed"),
        ],
    )
    async def test_bad_periods_are_422_and_change_nothing(self, functions, deps, acme, body, code):
        station = await make_station(deps, acme)
        answer = await feature(functions, station.id, acme.admin.token, body)
        assert answer.status == 422 and answer.json["code"] == code, answer.json
        assert (await get_station(deps.store, station.id)).etag == station.etag

    async def test_retired_station_or_suspended_provider_is_409(self, functions, deps, acme):
        station = await make_station(deps, acme)
        await save_station(deps.store, station.model_copy(update={"lifecycle": "retired"}), etag=station.etag)
        answer = await feature(functions, station.id, acme.admin.token, period())
        assert answer.status == 409 and answer.json["code"] == "station_retired"
        await set_provider_status(deps, acme.id, "suspended")
        answer = await feature(functions, (await make_station(deps, acme)).id, acme.admin.token, period())
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"

    async def test_unknown_station_is_404(self, functions, acme):
        answer = await feature(functions, "stn_nope", acme.admin.token, period())
        assert answer.status == 404


class TestPromoCodes:
    async def test_create_uppercases_the_code_and_takes_the_providers_currency(self, functions, acme):
        answer = await create_promo(functions, acme, promo_body(code="winter-10"))
        assert answer.status == 201, answer.json
        assert answer.json["code"] == "WINTER-10" and answer.json["id"] == "promo:WINTER-10"
        assert answer.json["currency"] == "EUR" and answer.json["uses"] == 0 and answer.json["active"] is True
        assert answer.headers["location"] == f"/api/providers/{acme.id}/promo-codes/WINTER-10"

    async def test_fixed_amount_is_a_decimal_string(self, functions, acme):
        body = promo_body(kind="fixed", percent=None, amount="5.50")
        answer = await create_promo(functions, acme, body)
        assert answer.status == 201, answer.json
        assert answer.json["amount"] == "5.50"

    async def test_a_code_is_unique_per_provider(self, functions, acme, rival):
        assert (await create_promo(functions, acme)).status == 201
        again = await create_promo(functions, acme, promo_body(code="Winter-10"))
        assert again.status == 409 and again.json["code"] == "promo_code_taken"
        assert (await create_promo(functions, rival)).status == 201

    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"code": "ABC"}, "validation_failed"),
            ({"code": "A" * 21}, "validation_failed"),
            ({"code": "WIN TER"}, "validation_failed"),
            ({"percent": 0}, "validation_failed"),
            ({"percent": 101}, "validation_failed"),
            ({"kind": "fixed"}, "promo_kind_mismatch"),
            ({"amount": "5"}, "promo_kind_mismatch"),
            ({"kind": "fixed", "percent": None, "amount": "0"}, "validation_failed"),
            ({"validUntil": iso(NOW)}, "promo_period_invalid"),
            ({"maxUses": 1, "perDriverLimit": 2}, "promo_limits_invalid"),
            ({"maxUses": 0}, "validation_failed"),
            ({"stationIds": ["stn_nope"]}, "unknown_station"),
            ({"discount": 5}, "validation_failed"),
        ],
    )
    async def test_bad_codes_are_422_and_nothing_is_stored(self, functions, acme, overrides, code):
        answer = await create_promo(functions, acme, promo_body(**overrides))
        assert answer.status == 422 and answer.json["code"] == code, answer.json
        listed = await functions("list_promo_codes", token=acme.admin.token, route={"providerId": acme.id})
        assert listed.json["items"] == []

    async def test_stations_must_be_the_providers_own(self, functions, deps, acme, rival):
        ours, theirs = await make_station(deps, acme), await make_station(deps, rival)
        refused = await create_promo(functions, acme, promo_body(stationIds=[ours.id, theirs.id]))
        assert refused.status == 422 and refused.json["code"] == "unknown_station"
        answer = await create_promo(functions, acme, promo_body(stationIds=[ours.id, ours.id]))
        assert answer.status == 201 and answer.json["stationIds"] == [ours.id]

    async def test_list_by_code_for_members(self, functions, acme, rival):
        for code in ("ZETA", "ALPHA"):
            await create_promo(functions, acme, promo_body(code=code))
        await create_promo(functions, rival, promo_body(code="RIVAL"))
        listed = await functions("list_promo_codes", token=acme.staff.token, route={"providerId": acme.id})
        assert [p["code"] for p in listed.json["items"]] == ["ALPHA", "ZETA"]

    async def test_patch_deactivates_and_clears_a_limit(self, functions, acme):
        await create_promo(functions, acme)
        answer = await patch_promo(functions, acme, "winter-10", {"active": False, "maxUses": None})
        assert answer.status == 200, answer.json
        assert answer.json["active"] is False and answer.json["maxUses"] is None
        assert answer.json["perDriverLimit"] == 2  # not sent: kept

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"validUntil": iso(NOW - timedelta(days=1))}, "promo_period_invalid"),
            ({"maxUses": 1}, "promo_limits_invalid"),
            ({"active": None}, "validation_failed"),
            ({"stationIds": ["stn_nope"]}, "unknown_station"),
            ({"code": "OTHER"}, "validation_failed"),
        ],
    )
    async def test_bad_patches_are_422_and_change_nothing(self, functions, deps, acme, body, code):
        created = await create_promo(functions, acme)
        answer = await patch_promo(functions, acme, "WINTER-10", body)
        assert answer.status == 422 and answer.json["code"] == code, answer.json
        assert (await get_promo(deps.store, acme.id, "WINTER-10")).etag == created.headers["etag"]

    async def test_patch_with_a_stale_if_match_is_412(self, functions, acme):
        await create_promo(functions, acme)
        answer = await patch_promo(functions, acme, "WINTER-10", {"active": False}, headers={"if-match": "stale"})
        assert answer.status == 412

    async def test_patch_without_if_match_keeps_a_concurrent_redemption_count(self, functions, deps, acme):
        await create_promo(functions, acme)
        promo = await get_promo(deps.store, acme.id, "WINTER-10")
        await save_promo(deps.store, promo.model_copy(update={"uses": 7}), etag=promo.etag)  # billing redeemed
        answer = await patch_promo(functions, acme, "WINTER-10", {"perDriverLimit": 3})
        assert answer.status == 200 and answer.json["uses"] == 7 and answer.json["perDriverLimit"] == 3

    async def test_patch_racing_a_redemption_reapplies_over_the_new_count(self, functions, deps, acme, monkeypatch):
        await create_promo(functions, acme)
        monkeypatch.setattr(deps, "store", RedeemBeforeFirstWrite(deps.store))
        answer = await patch_promo(functions, acme, "WINTER-10", {"perDriverLimit": 3})
        assert answer.status == 200, answer.json
        assert answer.json["uses"] == 7 and answer.json["perDriverLimit"] == 3

    async def test_patch_racing_a_redemption_with_if_match_is_412(self, functions, deps, acme, monkeypatch):
        created = await create_promo(functions, acme)
        monkeypatch.setattr(deps, "store", RedeemBeforeFirstWrite(deps.store))
        headers = {"if-match": created.headers["etag"]}
        answer = await patch_promo(functions, acme, "WINTER-10", {"perDriverLimit": 3}, headers=headers)
        assert answer.status == 412
        assert (await get_promo(deps.store, acme.id, "WINTER-10")).per_driver_limit == 2

    async def test_patch_of_an_unknown_code_is_404(self, functions, acme):
        answer = await patch_promo(functions, acme, "NOPE", {"active": False})
        assert answer.status == 404 and answer.json["code"] == "promo_not_found"

    async def test_suspended_provider_cannot_create(self, functions, deps, acme):
        await set_provider_status(deps, acme.id, "suspended")
        answer = await create_promo(functions, acme)
        assert answer.status == 409 and answer.json["code"] == "provider_suspended"


def promo(**overrides) -> PromoCode:
    fields = {
        "id": "promo:WINTER-10", "provider_id": "prv_1", "code": "WINTER-10", "kind": "percent", "percent": 10,
        "currency": "EUR", "valid_from": NOW, "valid_until": NOW + timedelta(days=30), "max_uses": 10,
        "per_driver_limit": 2, "station_ids": ["stn_a"], "created_by": "usr_1", "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return PromoCode(**{**fields, **overrides})


class TestPromoApplies:
    def test_applies_within_its_terms(self):
        check = promo_applies(promo(), "stn_a", NOW, uses_by_driver=1)
        assert check and check.refusal is None

    def test_all_stations_when_none_are_listed(self):
        assert promo_applies(promo(station_ids=[], kind="fixed", percent=None, amount=Decimal("5")), "stn_z", NOW, 0)

    @pytest.mark.parametrize(
        ("overrides", "station", "at", "uses", "reason"),
        [
            ({"active": False}, "stn_a", NOW, 0, PromoRefusal.INACTIVE),
            ({}, "stn_a", NOW - timedelta(seconds=1), 0, PromoRefusal.NOT_YET_VALID),
            ({}, "stn_a", NOW + timedelta(days=30), 0, PromoRefusal.EXPIRED),  # validUntil is exclusive
            ({"uses": 10}, "stn_a", NOW, 0, PromoRefusal.USED_UP),
            ({}, "stn_a", NOW, 2, PromoRefusal.DRIVER_LIMIT),
            ({}, "stn_b", NOW, 0, PromoRefusal.OTHER_STATION),
        ],
    )
    def test_refusals_say_why_and_are_falsy(self, overrides, station, at, uses, reason):
        check = promo_applies(promo(**overrides), station, at, uses)
        assert not check and check.refusal is reason


class TestTenancy:
    """Every endpoint, walked with each kind of caller."""

    async def test_the_services_refuse_staff_writes_themselves(self, deps, acme):
        # The routes refuse staff by role already; the services must not rely on that.
        station = await make_station(deps, acme)
        staff = deps.tokens.verify(acme.staff.token)
        with pytest.raises(Forbidden):
            await promotions.feature_station(
                station.id, FeaturedPeriod.model_validate(period()), who=staff, store=deps.store, clock=deps.clock
            )
        with pytest.raises(Forbidden):
            await promotions.unfeature_station(station.id, who=staff, store=deps.store, clock=deps.clock)
        with pytest.raises(Forbidden):
            body = PromoCodeCreate.model_validate(promo_body())
            await promotions.create_promo(body, provider_id=acme.id, who=staff, store=deps.store, clock=deps.clock)
        with pytest.raises(Forbidden):
            cmd = PromoCodeUpdate(active=False)
            await promotions.update_promo(
                acme.id, "X", cmd, if_match=None, who=staff, store=deps.store, clock=deps.clock
            )

    async def test_each_endpoint_with_each_caller(self, functions, deps, acme, rival):
        station = await make_station(deps, acme)
        await create_promo(functions, acme)
        endpoints = [  # (function, method, route, body factory, write?, status when allowed)
            ("feature_station", "PUT", {"stationId": station.id}, lambda i: period(), True, 200),
            ("unfeature_station", "DELETE", {"stationId": station.id}, lambda i: None, True, 204),
            ("create_promo_code", "POST", {"providerId": acme.id}, lambda i: promo_body(code=f"CODE-{i}"), True, 201),
            ("list_promo_codes", "GET", {"providerId": acme.id}, lambda i: None, False, 200),
            (
                "update_promo_code",
                "PATCH",
                {"providerId": acme.id, "code": "WINTER-10"},
                lambda i: {"maxUses": 50 + i},
                True,
                200,
            ),
        ]
        callers = {
            "driver": ((await driver(deps)).token, 403, 403),
            "foreign admin": (rival.admin.token, 404, 404),
            "own staff": (acme.staff.token, 403, None),
            "own admin": (acme.admin.token, None, None),
            "platform admin": (platform_admin(deps).token, None, None),
        }
        for i, (who, (token, on_write, on_read)) in enumerate(callers.items()):
            for name, method, route, body, write, allowed in endpoints:
                expected = (on_write if write else on_read) or allowed
                answer = await functions(name, method, token=token, route=route, body=body(i))
                assert answer.status == expected, (who, name, answer.json)
        listed = await functions("list_promo_codes", token=acme.admin.token, route={"providerId": acme.id})
        assert sorted(p["code"] for p in listed.json["items"]) == ["CODE-3", "CODE-4", "WINTER-10"]
        assert (await get_promo(deps.store, acme.id, "WINTER-10")).max_uses == 54  # the last allowed caller's
