"""Notifications end to end on the local host: events to queued messages to in-app notifications and
emails, once per message however often it is delivered; preferences and the unsubscribe link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from shared.bootstrap import Deps
from tests.conftest import Functions
from tests.functions.notification_helpers import RecordingMailer, app_host, session_event
from tests.providers_fixture import create_provider, driver

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def mailer(deps: Deps) -> RecordingMailer:
    recording = RecordingMailer()
    deps.mailer = recording
    return recording


async def test_session_stopped_is_stored_and_mailed_once_even_when_redelivered(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    team = await create_provider(deps)
    me = await driver(deps, card=None)
    event = session_event("SessionStopped", me.user_id, team.id)
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.session_events_topic, event)
        await host.drain()
        await deps.bus.publish(deps.settings.session_events_topic, event)  # the broker redelivers it
        await host.drain()

    [mail] = mailer.to("driver@example.com")
    assert mail.subject == "Charging finished at stn_missing"
    assert "Energy: 12.345 kWh" in mail.text and "Cost: €12.40" in mail.text
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    listed = await functions("list_my_notifications", token=me.token)
    assert listed.status == 200
    [item] = listed.json["items"]
    assert item["kind"] == "SessionStopped" and item["category"] == "charging" and item["readAt"] is None
    assert item["title"] == mail.subject


async def test_mark_read_and_unread_filter(deps: Deps, functions: Functions, mailer: RecordingMailer) -> None:
    team = await create_provider(deps)
    me = await driver(deps, card=None)
    other = await driver(deps, "other@example.com", card=None)
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.session_events_topic, session_event("SessionStarted", me.user_id, team.id))
        await host.drain()
    [item] = (await functions("list_my_notifications", token=me.token)).json["items"]

    stranger = await functions(
        "mark_notification_read", "POST", token=other.token, route={"notificationId": item["id"]}
    )
    assert stranger.status == 404
    done = await functions("mark_notification_read", "POST", token=me.token, route={"notificationId": item["id"]})
    assert done.status == 200 and done.json["readAt"] is not None
    unread = await functions("list_my_notifications", token=me.token, params={"unreadOnly": "true"})
    assert unread.json["items"] == []
    assert len((await functions("list_my_notifications", token=me.token)).json["items"]) == 1


async def test_preferences_mute_a_channel_and_security_cannot_be_muted(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    team = await create_provider(deps)
    me = await driver(deps, card=None)
    refused = await functions("update_notification_preferences", "PUT", token=me.token,
                              body={"categories": {"security": {"email": False, "inApp": True}}})  # fmt: skip
    assert refused.status == 422 and refused.json["code"] == "security_always_on"
    changed = await functions("update_notification_preferences", "PUT", token=me.token,
                              body={"categories": {"charging": {"email": False, "inApp": True}}})  # fmt: skip
    assert changed.status == 200
    assert changed.json["categories"]["charging"] == {"email": False, "inApp": True}
    assert changed.json["categories"]["payments"] == {"email": True, "inApp": True}
    read = await functions("read_notification_preferences", token=me.token)
    assert read.json == changed.json

    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.session_events_topic, session_event("SessionStarted", me.user_id, team.id))
        await host.drain()
    assert mailer.sent == []  # email muted for charging
    assert len((await functions("list_my_notifications", token=me.token)).json["items"]) == 1


async def test_unsubscribe_link_turns_off_that_category_by_email(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    team = await create_provider(deps)
    me = await driver(deps, card=None)
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.session_events_topic, session_event("SessionStarted", me.user_id, team.id))
        await host.drain()
    [mail] = mailer.sent
    url = mail.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(deps.settings.app_base_url + "/api/notifications/unsubscribe?token=")
    token = parse_qs(urlparse(url).query)["token"][0]

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    bad = await functions("unsubscribe_notifications", params={"token": tampered})
    assert bad.status == 422 and bad.json["code"] == "invalid_unsubscribe_link"
    page = await functions("unsubscribe_notifications", params={"token": token}, headers={"accept-language": "de"})
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "Abgemeldet" in page.body.decode()
    again = await functions("unsubscribe_notifications_one_click", "POST", params={"token": token})  # RFC 8058
    assert again.status == 200
    prefs = (await functions("read_notification_preferences", token=me.token)).json
    assert prefs["categories"]["charging"] == {"email": False, "inApp": True}
    assert prefs["categories"]["security"] == {"email": True, "inApp": True}


async def test_password_change_always_mails_even_with_everything_muted(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    me = await driver(deps, card=None)
    muted = {c: {"email": False, "inApp": False} for c in ("charging", "payments", "reservations", "reviews")}
    await functions("update_notification_preferences", "PUT", token=me.token, body={"categories": muted})
    async with app_host(deps) as host:
        body = {"currentPassword": "fixture-password-1", "newPassword": "a-new-password-2"}
        changed = await functions("change_password", "POST", token=me.token, body=body)
        assert changed.status == 204
        await host.drain()
    [mail] = mailer.sent
    assert mail.subject == "Your password was changed" and "List-Unsubscribe" not in mail.headers
    assert "If this was not you" in mail.text


async def test_provider_hears_of_a_fault_by_its_support_email_and_admins_in_app(
    deps: Deps, functions: Functions, mailer: RecordingMailer
) -> None:
    team = await create_provider(deps)
    event = session_event("StationFaulted", None, team.id, chargerId="CP-1", errorCode="GroundFailure")
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.session_events_topic, event)
        await host.drain()
    [mail] = mailer.sent
    assert mail.to == team.provider.support_email and "CP-1" in mail.subject
    assert "GroundFailure" in mail.text
    [item] = (await functions("list_my_notifications", token=team.admin.token)).json["items"]
    assert item["kind"] == "ChargerFaulted" and item["category"] == "provider_ops"
    assert (await functions("list_my_notifications", token=team.staff.token)).json["items"] == []


async def test_queue_message_from_another_capability_reaches_the_provider(deps: Deps, mailer: RecordingMailer) -> None:
    from shared.domain.messages import new_message

    team = await create_provider(deps)
    body = {"providerId": team.id, "stationId": "stn_1", "stationName": "Nord", "rating": 2, "text": "<b>slow</b>"}
    review = new_message("ReviewPosted", body, id="notify:ReviewPosted:rev_1")
    async with app_host(deps) as host:
        await deps.bus.publish(deps.settings.notifications_queue, review)
        await deps.bus.publish(deps.settings.notifications_queue, review)
        await host.drain()
    [mail] = mailer.sent
    assert mail.subject == "New review of Nord" and "&lt;b&gt;slow&lt;/b&gt;" in mail.html
