"""The session view names the driver's review of it (``reviewId``, null when none): set when the review is
posted, kept through edits, cleared when it is deleted, set again when the session is reviewed again; the
link follows review versions, so replays and late writers change nothing; a failed link is repaired by
posting again."""

from __future__ import annotations

from typing import Any

import pytest

from shared.bootstrap import Deps
from shared.domain.errors import Conflict
from shared.domain.reviews import Review
from shared.repositories import reviews as review_repo
from shared.repositories import sessions as session_repo
from shared.services import reviews as review_service
from shared.services.app_tags import app_id_tag
from shared.services.session_reviews import link_review
from tests.charging_fixture import Site, build_site
from tests.fakes import FakeClock
from tests.functions.test_reviews import post, stopped_session


@pytest.fixture
async def site(deps: Deps, functions: Any) -> Site:
    return await build_site(deps, functions)


async def review_id_seen(site: Site, session_id: str) -> Any:
    """``reviewId`` as GET /api/sessions/{id} and GET /api/sessions (the driver's list) show it."""
    one = await site.session(session_id)
    assert one.status == 200, one.json
    listed = await site.functions("list_my_sessions", token=site.tok)
    assert listed.status == 200, listed.json
    in_list = [s["reviewId"] for s in listed.json["items"] if s["id"] == session_id]
    assert in_list == [one.json["reviewId"]]
    return one.json["reviewId"]


async def stored_review(deps: Deps, review_id: str) -> Review:
    review = await review_repo.find_review(deps.store, review_id)
    assert review is not None
    return review


async def test_a_real_session_shows_its_review_once_posted(site: Site, clock: FakeClock) -> None:
    started = await site.start_from_app()
    assert started.status == 201, started.json
    session_id = started.json["id"]
    assert started.json["reviewId"] is None
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    tx = await site.start(app_id_tag(site.driver.user_id), 1000)
    clock.advance(minutes=20)
    await site.stop(tx, 9000)
    assert await review_id_seen(site, session_id) is None

    made = await post(site, site.driver, session_id, 5, "Quick.")
    assert made.status == 201, made.json
    assert await review_id_seen(site, session_id) == made.json["id"]
    provider_view = await site.functions(
        "list_provider_sessions", token=site.team.staff.renewed(site.deps).token, route={"providerId": site.team.id}
    )
    assert [s["reviewId"] for s in provider_view.json["items"] if s["id"] == session_id] == [made.json["id"]]


async def test_edit_keeps_it_delete_clears_it_reviewing_again_sets_it(site: Site) -> None:
    session_id = await stopped_session(site, site.driver)
    made = await post(site, site.driver, session_id, 3)
    review_id = made.json["id"]
    assert await review_id_seen(site, session_id) == review_id
    etag_before_edit = (await site.session(session_id)).headers["etag"]

    token = site.driver.renewed(site.deps).token
    edited = await site.functions(
        "update_review", "PATCH", token=token, route={"reviewId": review_id}, body={"rating": 4}
    )
    assert edited.status == 200, edited.json
    assert await review_id_seen(site, session_id) == review_id
    assert (await site.session(session_id)).headers["etag"] == etag_before_edit  # an edit writes no session

    deleted = await site.functions("delete_review", "DELETE", token=token, route={"reviewId": review_id})
    assert deleted.status == 204, deleted.json
    assert await review_id_seen(site, session_id) is None

    again = await post(site, site.driver, session_id, 2)
    assert again.status == 201, again.json
    assert await review_id_seen(site, session_id) == review_id


async def test_the_link_follows_versions_replays_and_late_writers_change_nothing(site: Site, deps: Deps) -> None:
    session_id = await stopped_session(site, site.driver)
    review_id = (await post(site, site.driver, session_id, 3)).json["id"]
    first = await stored_review(deps, review_id)
    token = site.driver.renewed(deps).token
    assert (await site.functions("delete_review", "DELETE", token=token, route={"reviewId": review_id})).status == 204
    tombstone = await stored_review(deps, review_id)
    assert tombstone.version > first.version

    before = await session_repo.get_session(deps.store, session_id)
    assert (before.review_id, before.review_version) == (None, tombstone.version)
    await link_review(deps, first)  # an older version arriving late
    await link_review(deps, tombstone)  # a replay
    after = await session_repo.get_session(deps.store, session_id)
    assert (after.review_id, after.etag) == (None, before.etag)


async def test_a_link_that_failed_is_written_when_the_review_is_posted_again(
    site: Site, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = await stopped_session(site, site.driver)

    async def busy(deps: Deps, review: Review) -> None:
        raise Conflict("The session kept changing; try again.", code="session_busy")

    monkeypatch.setattr(review_service, "link_review", busy)
    failed = await post(site, site.driver, session_id, 5)
    assert failed.status == 409 and failed.json["code"] == "session_busy"
    assert await review_id_seen(site, session_id) is None  # the review stands, unlinked

    monkeypatch.setattr(review_service, "link_review", link_review)
    again = await post(site, site.driver, session_id, 5)
    assert again.status == 409 and again.json["code"] == "review_exists"
    assert await review_id_seen(site, session_id) == again.json["reviewId"]


async def test_sessions_stored_before_the_link_show_null(site: Site, deps: Deps) -> None:
    session_id = await stopped_session(site, site.driver)
    stored = await session_repo.get_session(deps.store, session_id)
    old = {
        k: v for k, v in stored.model_dump(mode="json", by_alias=True).items() if k not in ("reviewId", "reviewVersion")
    }
    await deps.store.replace("sessions", old, etag=stored.etag)
    assert await review_id_seen(site, session_id) is None
