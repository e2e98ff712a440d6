"""Analytics rollups against a generated month (tests/analytics_month.py), counted independently minute by
minute: the figures match, replaying every event twice in another order changes nothing, and the nightly
rebuild from the source documents gives the very same documents."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.ports.store import Filter, Query
from shared.repositories.rollups import query_all
from shared.services.analytics import handle, on_event
from shared.services.analytics_recompute import recompute
from tests.analytics_month import Month, generate
from tests.providers_fixture import driver

NOW = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
SUMMED = ("sessions", "energyWh", "durationSeconds", "occupiedSeconds", "availableSeconds", "maintenanceSeconds",
          "downSeconds", "faultedSeconds", "faults")  # fmt: skip


def flat(figures: dict[str, Any]) -> dict[str, int]:
    """Rollup figures in the generator's terms: hourly slots and money per currency as their own keys."""
    out = {k: int(figures[k]) for k in SUMMED if figures.get(k)}
    for h, seconds in (figures.get("occupied") or {}).items():
        if seconds:
            out[f"occupied{int(h)}"] = seconds
    for kind in ("collected", "refunded"):
        for currency, minor in (figures.get(kind) or {}).items():
            if minor:
                out[f"{kind}:{currency}"] = minor
        for currency, hours in (figures.get(f"{kind}ByHour") or {}).items():
            out.update({f"{kind}:{currency}@{int(h)}": v for h, v in hours.items() if v})
    for kind in ("sessions", "energy"):
        out.update({f"{kind}@{int(h)}": v for h, v in (figures.get(f"{kind}ByHour") or {}).items() if v})
    return out


async def snapshot(deps: Any) -> dict[str, Any]:
    """Every rollup document without its write time: what a replay must leave exactly as it was."""
    docs = await query_all(deps.store, Query((Filter("kind", "in", ["day", "month", "facts", "part"]),), limit=1000))
    return {d["id"]: {k: v for k, v in d.items() if k not in ("updatedAt", "_etag", "_ts")} for d in docs}


async def rollup(deps: Any, scope: str, day: str) -> dict[str, int]:
    try:
        doc = await deps.store.read("rollups", f"day:{scope}:{day}", scope)
    except Exception:  # noqa: BLE001 - no document: nothing counted
        return {}
    return flat(doc.get("figures") or {})


@pytest.fixture
async def month(deps, clock, acme, rival) -> tuple[Month, list[Any]]:
    clock.current = NOW
    drivers = [await driver(deps, f"d{i}@example.com", card=None) for i in range(3)]
    generated = await generate(deps, [acme, rival], [d.user_id for d in drivers])
    return generated, drivers


def october() -> list[str]:
    return [f"2026-10-{d:02d}" for d in range(1, 32)]


async def check_against_month(deps: Any, month: Month, acme: Any, rival: Any) -> None:
    by_provider = {acme.id: set(), rival.id: set()}
    for sid, station in month.stations.items():
        by_provider[station.provider_id].add(sid)
        expected = month.expected({sid})
        for day in october():
            assert await rollup(deps, f"station:{sid}", day) == expected.get(day, {}), (sid, day)
    for provider_id, stations in by_provider.items():
        expected = month.expected(stations)
        for day in october():
            assert await rollup(deps, f"provider:{provider_id}", day) == expected.get(day, {}), (provider_id, day)
    everything = month.expected(set(month.stations))
    for day in october():
        assert await rollup(deps, "platform", day) == everything.get(day, {}), day


async def test_events_in_any_order_give_the_independent_figures(deps, month, acme, rival):
    generated, _ = month
    events = list(generated.events)
    random.Random(1).shuffle(events)
    for message in events:
        await on_event(deps, message)
    await check_against_month(deps, generated, acme, rival)
    assert sum(1 for m in generated.events if m.type == "StationFaulted") > 0
    totals = generated.expected(set(generated.stations))
    assert any("refunded:EUR" in f for f in totals.values()) and any("collected:CHF" in f for f in totals.values())
    assert any(f.get("maintenanceSeconds") for f in totals.values()) and any(f.get("faults") for f in totals.values())


async def test_replaying_every_event_twice_out_of_order_changes_nothing(deps, month, acme, rival):
    generated, _ = month
    for message in generated.events:
        await on_event(deps, message)
    before = await snapshot(deps)
    assert len(before) > 100
    again = list(generated.events) * 2
    random.Random(2).shuffle(again)
    for message in again:  # the work itself, past the processed-message records
        await handle(deps, message)
    assert await snapshot(deps) == before
    for message in generated.events[:20]:  # and the records stop a plain redelivery
        assert await on_event(deps, message) == "duplicate"


async def test_nightly_rebuild_gives_the_same_documents(deps, month, acme, rival):
    generated, _ = month
    for message in reversed(generated.events):
        await on_event(deps, message)
    from_events = await snapshot(deps)
    run = await recompute(deps, "2026-10-01", "2026-11-02")
    assert run.failed == [] and run.stations == len(generated.stations)
    assert await snapshot(deps) == from_events
    await check_against_month(deps, generated, acme, rival)


async def test_nightly_rebuild_alone_matches_and_repairs_a_lost_event(deps, month, acme, rival):
    generated, _ = month
    for message in generated.events:
        if message.type != "SessionStopped":  # as if every SessionStopped had been lost
            await on_event(deps, message)
    run = await recompute(deps, "2026-10-01", "2026-11-02")
    assert run.sessions > 0
    await check_against_month(deps, generated, acme, rival)


async def test_driver_months_match_their_sessions(deps, month):
    generated, drivers = month
    for message in generated.events:
        await on_event(deps, message)
    for member in drivers:
        expected = generated.driver_expected(member.user_id)
        found: dict[str, dict[str, int]] = {}
        for month_key in ("2026-10", "2026-11"):
            scope = f"driver:{member.user_id}"
            try:
                doc = await deps.store.read("rollups", f"month:{scope}:{month_key}", scope)
            except Exception:  # noqa: BLE001
                continue
            found.update({day: flat(f) for day, f in doc["days"].items()})
        expected = {d: {k: v for k, v in f.items() if "@" not in k} for d, f in expected.items()}
        assert found == expected, member.user_id
        assert found
