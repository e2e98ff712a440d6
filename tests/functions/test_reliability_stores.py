"""The reliability timer's queries and the search's use of the score, on SQLite and on the Cosmos stand-in.

The timer walks stations across partitions by id, reads sessions as a projection, and search filters and
ranks on the nested ``reliability.score``: each must behave alike on both stores.
"""

from __future__ import annotations

from types import SimpleNamespace

from shared.repositories.station_search import Area, find_candidates
from shared.services.reliability import score_stations
from shared.services.search import SearchStations, _store_filters
from tests.conftest import make_settings
from tests.contract.conftest import cosmos_standin, store  # noqa: F401 - fixtures for this module
from tests.fakes import FakeClock
from tests.functions.test_reliability import add_charger, add_sessions
from tests.functions.test_search_api import CENTRE, station_doc


async def test_the_timer_and_the_search_alike_on_every_store(store, tmp_path):  # noqa: F811
    clock = FakeClock()
    deps = SimpleNamespace(store=store, clock=clock, settings=make_settings(tmp_path))
    plan = {"stn_1": (0, 6), "stn_2": (6, 0), "stn_3": (3, 0), "stn_4": (0, 0)}  # (delivered, failed)
    for n, (sid, (delivered, failed)) in enumerate(plan.items()):
        doc = station_doc(sid, provider="prv_a" if n % 2 else "prv_b")
        await store.create("stations", doc)
        await add_charger(deps, sid)
        await add_sessions(deps, sid, delivered=delivered, failed=failed)
    await store.create("stations", station_doc("stn_0_draft", lifecycle="draft"))

    runs = [await score_stations(deps, batch=3) for _ in range(2)]  # type: ignore[arg-type]
    assert [(r.visited, r.stations_written, r.wrapped) for r in runs] == [(3, 3, False), (1, 1, True)]
    scores = {}
    for n, sid in enumerate(plan):
        doc = await store.read("stations", sid, "prv_a" if n % 2 else "prv_b")
        scores[sid] = doc["reliability"]["score"]
    assert scores == {"stn_1": 41, "stn_2": 95, "stn_3": 94, "stn_4": None}  # stn_4: no session, one sample
    again = [await score_stations(deps, batch=3) for _ in range(2)]  # type: ignore[arg-type]
    assert [(r.visited, r.stations_written, r.ledgers_written) for r in again] == [(3, 0, 0), (1, 0, 0)]

    area = Area.around(*CENTRE, 1_000)
    ranked = await find_candidates(store, area, (), now=clock.now(), fields=())
    assert [c.id for c in ranked] == ["stn_2", "stn_3", "stn_4", "stn_1"]  # all at one spot: stn_1 demoted
    picky = _store_filters(SearchStations(area, min_reliability=90))
    assert [c.id for c in await find_candidates(store, area, picky, now=clock.now())] == ["stn_2", "stn_3"]
