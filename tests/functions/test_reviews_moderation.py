"""Around a review: the provider's one reply (its own stations only), reports once per person, and admins
hiding (out of the listing and the rating) and restoring reviews with a reason."""

from __future__ import annotations

from typing import Any

from shared.bootstrap import Deps
from tests.charging_fixture import Site, build_site
from tests.functions.test_reviews import notifications, post, rating_of, site, stopped_session
from tests.providers_fixture import driver, platform_admin

__all__ = ["site"]  # the fixture, imported for these tests


async def a_review(site: Site, stars: int = 2, text: str = "Slow charger") -> str:
    made = await post(site, site.driver, await stopped_session(site, site.driver), stars, text)
    assert made.status == 201, made.json
    review_id: str = made.json["id"]
    return review_id


async def test_the_stations_provider_replies_once_and_the_driver_is_told(site: Site, deps: Deps, functions: Any):
    review_id = await a_review(site)
    route = {"reviewId": review_id}
    rival = await build_site(deps, functions, key="rival", charger_id="CP-R")
    foreign = await site.functions(
        "reply_to_review", "POST", token=rival.team.admin.token, route=route, body={"text": "Come to us"}
    )
    assert foreign.status == 404  # another provider does not learn the review exists
    by_driver = await site.functions("reply_to_review", "POST", token=site.tok, route=route, body={"text": "me"})
    assert by_driver.status == 403
    await notifications(deps)

    first = await site.functions(
        "reply_to_review", "POST", token=site.team.staff.token, route=route, body={"text": " Fixed it today. "}
    )
    assert first.status == 201, first.json
    assert first.json["reply"]["text"] == "Fixed it today."
    assert first.json["reply"]["by"] == site.team.staff.user_id
    second = await site.functions(
        "reply_to_review", "POST", token=site.team.admin.token, route=route, body={"text": "Again"}
    )
    assert second.status == 409 and second.json["code"] == "already_replied"
    listed = await site.functions("list_station_reviews", route={"stationId": site.station_id})
    assert listed.json["items"][0]["reply"]["text"] == "Fixed it today."
    [told] = await notifications(deps, "ReviewReplied")
    assert told.body == {
        "kind": "ReviewReplied",
        "userId": site.driver.user_id,
        "stationId": site.station_id,
        "stationName": "Depot Mitte",
        "reviewId": review_id,
        "text": "Fixed it today.",
    }


async def test_anyone_signed_in_reports_once_and_admins_see_the_queue(site: Site, deps: Deps):
    review_id = await a_review(site)
    route = {"reviewId": review_id}
    assert (await site.functions("report_review", "POST", route=route, body={})).status == 401
    own = await site.functions("report_review", "POST", token=site.tok, route=route, body={"reason": "mine"})
    assert own.status == 422 and own.json["code"] == "own_review"

    reporters = [await driver(deps, f"reporter{i}@example.com", card=None) for i in range(2)]
    body = {"reason": "Insults the staff"}
    for who in (*reporters, site.team.staff):
        answer = await site.functions("report_review", "POST", token=who.token, route=route, body=body)
        assert answer.status == 202, answer.json
    again = await site.functions("report_review", "POST", token=reporters[0].token, route=route, body=body)
    assert again.status == 409 and again.json["code"] == "already_reported"

    admin = platform_admin(deps)
    queue = await site.functions("list_reported_reviews", token=admin.token, params={"reported": "true"})
    assert queue.status == 200, queue.json
    [item] = queue.json["items"]
    assert item["id"] == review_id and item["reportCount"] == 3 and item["openReports"] is True
    assert item["userId"] == site.driver.user_id
    refused = await site.functions("list_reported_reviews", token=site.team.admin.token)
    assert refused.status == 403


async def test_a_hidden_review_leaves_the_rating_and_the_listing_until_restored(site: Site, deps: Deps):
    kept = await a_review(site, 5, "Great")
    other = await driver(deps, "other@example.com", card=None)
    made = await post(site, other, await stopped_session(site, other), 1, "rude words")
    hidden_id = made.json["id"]
    await site.functions("report_review", "POST", token=site.tok, route={"reviewId": hidden_id}, body={})
    assert (await rating_of(site))["count"] == 2
    admin = platform_admin(deps)

    no_reason = await site.functions(
        "hide_review", "POST", token=admin.token, route={"reviewId": hidden_id}, body={"reason": " "}
    )
    assert no_reason.status == 422
    not_admin = await site.functions(
        "hide_review", "POST", token=site.team.admin.token, route={"reviewId": hidden_id}, body={"reason": "x"}
    )
    assert not_admin.status == 403
    await notifications(deps)
    hidden = await site.functions(
        "hide_review", "POST", token=admin.token, route={"reviewId": hidden_id}, body={"reason": "Abusive"}
    )
    assert hidden.status == 200, hidden.json
    assert hidden.json["status"] == "hidden" and hidden.json["openReports"] is False
    assert [(m["action"], m["reason"]) for m in hidden.json["moderation"]] == [("hide", "Abusive")]
    assert await rating_of(site) == {
        "stationId": site.station_id,
        "average": 5.0,
        "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1},
    }
    listed = await site.functions("list_station_reviews", route={"stationId": site.station_id})
    assert [r["id"] for r in listed.json["items"]] == [kept]
    assert (await site.functions("get_review", route={"reviewId": hidden_id})).status == 404
    author = await site.functions("get_review", token=other.renewed(deps).token, route={"reviewId": hidden_id})
    assert author.status == 200 and author.json["status"] == "hidden"
    told = await notifications(deps, "ReviewHidden")
    assert [(m.body["userId"], m.body["reason"]) for m in told] == [(other.user_id, "Abusive")]
    queue = await site.functions("list_reported_reviews", token=admin.token)
    assert queue.json["items"] == []  # dealt with

    # hiding again changes nothing (and does not count it twice when restored)
    again = await site.functions(
        "hide_review", "POST", token=admin.token, route={"reviewId": hidden_id}, body={"reason": "Abusive"}
    )
    assert again.status == 200 and len(again.json["moderation"]) == 1
    restored = await site.functions(
        "restore_review", "POST", token=admin.token, route={"reviewId": hidden_id}, body={"reason": "Appeal upheld"}
    )
    assert restored.status == 200 and restored.json["status"] == "visible"
    assert (await rating_of(site))["count"] == 2 and (await rating_of(site))["average"] == 3.0


async def test_restoring_a_visible_reported_review_dismisses_its_reports(site: Site, deps: Deps):
    review_id = await a_review(site, 4)
    reporter = await driver(deps, "reporter@example.com", card=None)
    await site.functions("report_review", "POST", token=reporter.token, route={"reviewId": review_id}, body={})
    admin = platform_admin(deps)
    assert len((await site.functions("list_reported_reviews", token=admin.token)).json["items"]) == 1
    kept = await site.functions(
        "restore_review", "POST", token=admin.token, route={"reviewId": review_id}, body={"reason": "Fair criticism"}
    )
    assert kept.status == 200 and kept.json["status"] == "visible" and kept.json["reportCount"] == 1
    assert (await site.functions("list_reported_reviews", token=admin.token)).json["items"] == []
    assert (await rating_of(site))["count"] == 1
