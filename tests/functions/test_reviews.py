"""Reviews through the HTTP functions: only after a completed session, one per session, plain text, edit and
delete one's own, listing with sorting and paging, and the rating document kept exact under replays and races.

The helpers at the top are shared with test_reviews_moderation.py and test_problem_reports.py.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.messages import Message
from shared.domain.reviews import rating_id
from shared.domain.sessions import ChargingSession, SessionStatus, session_id_for
from shared.repositories import reviews as review_repo
from shared.repositories import sessions as session_repo
from shared.repositories.stations import read_station
from shared.services.app_tags import app_id_tag
from shared.services.reviews_rating import count_review, rebuild_rating
from tests.charging_fixture import Site, build_site, bus_messages
from tests.fakes import FakeClock
from tests.providers_fixture import Member, driver, platform_admin

__all__ = ["notifications", "post", "rating_of", "site", "stopped_session"]


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def stopped_session(
    site: Site, who: Member, *, energy_wh: int = 5000, status: SessionStatus = "stopped", connector_id: int = 1
) -> str:
    """A session document as the charging flow leaves it (written straight to the store: fast)."""
    now = site.deps.clock.now()
    session = ChargingSession(
        id=session_id_for(site.station_id, uuid.uuid4().hex[:16]),
        station_id=site.station_id,
        provider_id=site.team.id,
        station_name="Depot Mitte",
        time_zone="Europe/Berlin",
        charger_id=site.charger_id,
        connector_id=connector_id,
        connector_key=site.key(connector_id),
        max_power_kw=22,
        user_id=who.user_id,
        id_tag=app_id_tag(who.user_id),
        origin="app",
        status=status,
        requested_at=now - timedelta(hours=1),
        started_at=now - timedelta(hours=1),
        stopped_at=now if status in ("stopped", "failed") else None,
        energy_wh=energy_wh,
        updated_at=now,
    )
    await session_repo.create_session(site.deps.store, session)
    return session.id


async def post(site: Site, who: Member, session_id: str, rating: int, text: str = "", **extra: Any) -> Any:
    return await site.functions(
        "create_review", "POST", token=who.renewed(site.deps).token, route={"stationId": site.station_id},
        body={"sessionId": session_id, "rating": rating, "text": text, **extra},
    )  # fmt: skip


async def rating_of(site: Site) -> dict[str, Any]:
    answer = await site.functions("get_station_rating", route={"stationId": site.station_id})
    assert answer.status == 200, answer.json
    result: dict[str, Any] = answer.json
    return result


async def notifications(deps: Deps, *kinds: str) -> list[Message]:
    """The messages on the notifications queue since the last call (optionally only some kinds)."""
    found = await bus_messages(deps, deps.settings.notifications_queue)
    return [m for m in found if not kinds or m.type in kinds]


async def station_figures(site: Site) -> tuple[float | None, int]:
    station = await read_station(site.deps.store, site.team.id, site.station_id)
    return station.rating_average, station.rating_count


# ---- writing a review --------------------------------------------------------------------------


async def test_a_driver_reviews_after_a_real_session_and_search_ranks_on_the_rating(site: Site, clock: FakeClock):
    started = await site.start_from_app()
    assert started.status == 201, started.json
    session_id = started.json["id"]
    early = await post(site, site.driver, session_id, 5)
    assert early.status == 409 and early.json["code"] == "session_not_completed"  # pending: not yet

    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), 1000)
    clock.advance(minutes=30)
    active = await post(site, site.driver, session_id, 5)
    assert active.status == 409 and active.json["code"] == "session_not_completed"
    await site.stop(tx, 6000)

    made = await post(site, site.driver, session_id, 4, "  Fast and clean.\n")
    assert made.status == 201, made.json
    assert made.json["id"] == f"rev_{session_id}"
    assert made.headers["location"] == f"/api/reviews/rev_{session_id}"
    assert made.json["text"] == "Fast and clean."  # trimmed
    assert made.json["mine"] is True and "userId" not in made.json
    assert await rating_of(site) == {
        "stationId": site.station_id,
        "average": 4.0,
        "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    assert await station_figures(site) == (4.0, 1)

    lon, lat = 13.3889, 52.517  # the fixture station's location
    params = {"lat": str(lat), "lon": str(lon), "radiusKm": "5"}
    found = await site.functions("search_stations", params={**params, "minRating": "4"})
    assert [r["id"] for r in found.json["items"]] == [site.station_id]
    assert found.json["items"][0]["rating"] == {"average": 4.0, "count": 1}
    above = await site.functions("search_stations", params={**params, "minRating": "4.5"})
    assert above.json["items"] == []

    again = await post(site, site.driver, session_id, 1)
    assert again.status == 409 and again.json["code"] == "review_exists"
    assert (await rating_of(site))["count"] == 1


async def test_only_ones_own_completed_session_at_this_station_qualifies(site: Site, deps: Deps, functions: Any):
    other = await driver(deps, "other@example.com")
    assert (await post(site, other, await stopped_session(site, site.driver), 5)).json["code"] == "session_not_found"
    no_energy = await post(site, site.driver, await stopped_session(site, site.driver, energy_wh=0), 5)
    assert no_energy.status == 409 and no_energy.json["code"] == "session_not_completed"
    failed = await post(site, site.driver, await stopped_session(site, site.driver, status="failed"), 5)
    assert failed.status == 409 and failed.json["code"] == "session_not_completed"
    assert (await post(site, site.driver, "ses_nothing_here", 5)).status == 404

    elsewhere = await build_site(deps, functions, key="else", charger_id="CP-9")
    foreign = await stopped_session(elsewhere, site.driver)
    wrong = await post(site, site.driver, foreign, 5)
    assert wrong.status == 422 and wrong.json["code"] == "session_not_at_station"

    staff = await post(site, site.team.staff, await stopped_session(site, site.team.staff), 5)
    assert staff.status == 403  # reviews are a driver's
    assert (await rating_of(site))["count"] == 0


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("<script>alert(1)</script> & <b>bold</b>", True),  # stored as it is: plain text, escaped when shown
        ("line one\nline two\ttabbed", True),
        ("x" * 2000, True),
        ("x" * 2001, False),
        ("bell\x07", False),
        ("nul\x00", False),
        ("escape \x1b[31mred", False),
        ("reversed \u202etxt.exe", False),
        ("lone \ud800 surrogate", False),
        ("carriage\rreturn", False),
    ],
)
async def test_text_is_plain_text_trimmed_length_limited_and_without_control_characters(
    site: Site, text: str, ok: bool
):
    answer = await post(site, site.driver, await stopped_session(site, site.driver), 3, text)
    if ok:
        assert answer.status == 201, answer.json
        assert answer.json["text"] == text  # as sent: nothing stripped, nothing turned into markup
        stored = await review_repo.find_review(site.deps.store, answer.json["id"])
        assert stored is not None and stored.text == text
    else:
        assert answer.status == 422, answer.json


async def test_rating_must_be_one_to_five(site: Site):
    session_id = await stopped_session(site, site.driver)
    for bad in (0, 6, 2.5, 4.0, "5", None, True):
        assert (await post(site, site.driver, session_id, bad)).status == 422  # type: ignore[arg-type]
    assert (await post(site, site.driver, session_id, 5, extra="x")).status == 422  # unknown field


# ---- edit, delete ------------------------------------------------------------------------------


async def test_edit_and_delete_ones_own_review_with_if_match(site: Site, deps: Deps):
    review = (await post(site, site.driver, await stopped_session(site, site.driver), 2, "slow")).json
    route = {"reviewId": review["id"]}
    read = await site.functions("get_review", route=route)
    assert read.status == 200 and read.json["mine"] is False  # anonymous reader
    etag = read.headers["etag"]

    other = await driver(deps, "other@example.com")
    stranger = await site.functions("update_review", "PATCH", token=other.token, route=route, body={"rating": 5})
    assert stranger.status == 404
    edited = await site.functions(
        "update_review", "PATCH", token=site.tok, route=route, body={"rating": 4, "text": "fine after all"},
        headers={"If-Match": etag},
    )  # fmt: skip
    assert edited.status == 200, edited.json
    assert edited.json["rating"] == 4 and edited.json["editedAt"] is not None
    assert (await rating_of(site))["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}
    stale = await site.functions(
        "update_review", "PATCH", token=site.tok, route=route, body={"rating": 1}, headers={"If-Match": etag}
    )
    assert stale.status == 412
    assert (await site.functions("update_review", "PATCH", token=site.tok, route=route, body={})).status == 422

    refused = await site.functions("delete_review", "DELETE", token=site.tok, route=route, headers={"If-Match": etag})
    assert refused.status == 412
    gone = await site.functions("delete_review", "DELETE", token=site.tok, route=route)
    assert gone.status == 204
    assert (await site.functions("get_review", route=route)).status == 404
    assert await rating_of(site) == {
        "stationId": site.station_id,
        "average": None,
        "count": 0,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0},
    }
    assert await station_figures(site) == (None, 0)

    # the session may be reviewed again; the tombstone's version keeps rising, so the count stays exact
    again = await post(site, site.driver, review["id"].removeprefix("rev_"), 5)
    assert again.status == 201, again.json
    stored = await review_repo.find_review(deps.store, review["id"])
    assert stored is not None and stored.version == 4 and stored.status == "visible"
    assert (await rating_of(site))["count"] == 1 and await station_figures(site) == (5.0, 1)


# ---- listing -----------------------------------------------------------------------------------


async def test_listing_sorts_newest_highest_lowest_and_pages_without_gaps(site: Site, deps: Deps, clock: FakeClock):
    ids: dict[str, int] = {}
    for n, stars in enumerate((3, 5, 1, 4, 5, 2, 1)):
        who = await driver(deps, f"d{n}@example.com", card=None)
        made = await post(site, who, await stopped_session(site, who), stars, f"review {n}")
        assert made.status == 201, made.json
        ids[made.json["id"]] = stars
        clock.advance(minutes=1)
    order = list(ids)  # oldest first

    async def listed(sort: str, limit: int = 3) -> list[str]:
        seen: list[str] = []
        token: str | None = None
        for _ in range(10):  # bounded
            params = {"sort": sort, "limit": str(limit), **({"continuationToken": token} if token else {})}
            page = await site.functions("list_station_reviews", route={"stationId": site.station_id}, params=params)
            assert page.status == 200, page.json
            assert len(page.json["items"]) <= limit
            seen += [r["id"] for r in page.json["items"]]
            token = page.json.get("continuationToken")
            if token is None:
                return seen
        raise AssertionError("paging did not end")

    assert await listed("newest") == order[::-1]
    by_time = {rid: i for i, rid in enumerate(order)}
    assert await listed("highest") == sorted(order, key=lambda r: (-ids[r], -by_time[r]))
    assert await listed("lowest") == sorted(order, key=lambda r: (ids[r], -by_time[r]))
    assert await listed("newest", limit=50) == order[::-1]
    bad = await site.functions("list_station_reviews", route={"stationId": site.station_id}, params={"sort": "best"})
    assert bad.status == 422


async def test_a_station_nobody_may_see_has_no_public_reviews(site: Site, deps: Deps):
    await post(site, site.driver, await stopped_session(site, site.driver), 5)
    hidden = await site.functions(
        "update_station", "PATCH", token=site.team.admin.token, route={"stationId": site.station_id},
        body={"access": "private"},
    )  # fmt: skip
    assert hidden.status == 200, hidden.json
    assert (await site.functions("list_station_reviews", route={"stationId": site.station_id})).status == 404
    assert (await site.functions("get_station_rating", route={"stationId": site.station_id})).status == 404
    member = await site.functions(
        "list_station_reviews", token=site.team.staff.token, route={"stationId": site.station_id}
    )
    assert member.status == 200 and len(member.json["items"]) == 1


# ---- the rating document: idempotent, order-free, race-free, rebuildable ------------------------


async def test_counting_a_review_version_again_or_late_changes_nothing(site: Site, deps: Deps):
    first = (await post(site, site.driver, await stopped_session(site, site.driver), 2)).json["id"]
    v1 = await review_repo.find_review(deps.store, first)
    assert v1 is not None
    edited = await site.functions(
        "update_review", "PATCH", token=site.tok, route={"reviewId": first}, body={"rating": 5}
    )
    assert edited.status == 200
    v2 = await review_repo.find_review(deps.store, first)
    assert v2 is not None and v2.version == v1.version + 1
    before = await review_repo.read_rating(deps.store, site.station_id)
    assert before is not None and (before.count, before.total) == (1, 5)

    await count_review(deps, v2)  # a replay of the latest version
    await count_review(deps, v1)  # an older version arriving late
    await asyncio.gather(*(count_review(deps, v) for v in (v1, v2, v1, v2)))
    after = await review_repo.read_rating(deps.store, site.station_id)
    assert after is not None
    assert (after.count, after.total, after.distribution) == (1, 5, before.distribution)
    assert after.revision == before.revision  # nothing was even written
    assert await station_figures(site) == (5.0, 1)


async def test_concurrent_reviews_and_edits_leave_the_rating_equal_to_a_rebuild(site: Site, deps: Deps):
    drivers = [await driver(deps, f"racer{i}@example.com", card=None) for i in range(12)]
    sessions = [await stopped_session(site, d) for d in drivers]
    made = await asyncio.gather(*(post(site, drivers[i], sessions[i], 1 + i % 5) for i in range(12)))
    assert [m.status for m in made] == [201] * 12, [m.json for m in made if m.status != 201]
    review_ids = [m.json["id"] for m in made]

    async def edit(i: int) -> Any:
        token = drivers[i].renewed(deps).token
        return await site.functions(
            "update_review", "PATCH", token=token, route={"reviewId": review_ids[i]}, body={"rating": 5 - i % 5}
        )

    async def delete(i: int) -> Any:
        token = drivers[i].renewed(deps).token
        return await site.functions("delete_review", "DELETE", token=token, route={"reviewId": review_ids[i]})

    duplicates = [post(site, drivers[i], sessions[i], 3) for i in range(3)]  # same sessions again: refused
    answers = await asyncio.gather(*(edit(i) for i in range(3, 9)), *(delete(i) for i in range(9, 12)), *duplicates)
    assert [a.status for a in answers] == [200] * 6 + [204] * 3 + [409] * 3, [a.json for a in answers]

    expected = [1 + i % 5 for i in range(3)] + [5 - i % 5 for i in range(3, 9)]
    counted = await rating_of(site)
    assert counted["count"] == len(expected)
    assert counted["average"] == round(sum(expected) / len(expected), 2)
    assert counted["distribution"] == {str(s): expected.count(s) for s in range(1, 6)}
    assert await station_figures(site) == (counted["average"], counted["count"])

    stored = await review_repo.read_rating(deps.store, site.station_id)
    rebuilt = await rebuild_rating(deps, site.team.id, site.station_id)
    assert stored is not None
    assert (rebuilt.count, rebuilt.total, rebuilt.distribution, rebuilt.counted) == (
        stored.count,
        stored.total,
        stored.distribution,
        stored.counted,
    )


async def test_a_lost_or_wrong_rating_document_is_rebuilt_from_the_reviews(site: Site, deps: Deps):
    for n, stars in enumerate((5, 4, 1)):
        who = await driver(deps, f"r{n}@example.com", card=None)
        assert (await post(site, who, await stopped_session(site, who), stars)).status == 201
    await deps.store.delete("reviews", rating_id(site.station_id), site.station_id)  # as if never counted
    admin = await site.functions(
        "rebuild_station_rating", "POST", token=platform_admin(deps).token, route={"stationId": site.station_id}
    )
    assert admin.status == 200, admin.json
    assert admin.json["count"] == 3 and admin.json["average"] == 3.33
    assert admin.json["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert await station_figures(site) == (3.33, 3)
    refused = await site.functions(
        "rebuild_station_rating", "POST", token=site.team.admin.token, route={"stationId": site.station_id}
    )
    assert refused.status == 403


async def test_a_new_review_tells_the_provider(site: Site, deps: Deps):
    await notifications(deps)  # whatever the site's set-up sent
    made = await post(site, site.driver, await stopped_session(site, site.driver), 2, "Cable too short")
    [told] = await notifications(deps, "ReviewPosted")
    assert told.id == f"notify:ReviewPosted:{made.json['id']}:1"
    assert told.tenant_id == site.team.id
    assert told.body == {
        "kind": "ReviewPosted",
        "providerId": site.team.id,
        "stationId": site.station_id,
        "stationName": "Depot Mitte",
        "reviewId": made.json["id"],
        "rating": 2,
        "text": "Cable too short",
    }
    stored = await review_repo.find_review(deps.store, made.json["id"])
    assert stored is not None and stored.pending_messages == [] and not stored.has_pending_messages


async def test_a_review_is_read_by_id_only_where_its_station_may_be_seen(site: Site) -> None:
    session_id = await stopped_session(site, site.driver)
    made = await post(site, site.driver, session_id, 4, "Fine")
    assert made.status == 201, made.json
    review_id = made.json["id"]
    assert (await site.functions("get_review", route={"reviewId": review_id})).status == 200
    private = await site.functions(
        "update_station", "PATCH", token=site.team.admin.token, route={"stationId": site.station_id},
        body={"access": "private"},
    )  # fmt: skip
    assert private.status == 200, private.json
    assert (await site.functions("get_review", route={"reviewId": review_id})).status == 404  # anyone
    stranger = await driver(site.deps, "stranger@example.com", card=None)
    assert (await site.functions("get_review", token=stranger.token, route={"reviewId": review_id})).status == 404
    mine = await site.functions("get_review", token=site.driver.renewed(site.deps).token, route={"reviewId": review_id})
    assert mine.status == 200  # the author still sees what they wrote
    theirs = await site.functions("get_review", token=site.team.staff.token, route={"reviewId": review_id})
    assert theirs.status == 200  # and so does the station's provider
