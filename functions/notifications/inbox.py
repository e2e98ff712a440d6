"""The signed-in user's in-app notifications and notification preferences, and the unsubscribe link."""

from __future__ import annotations

from html import escape

from pydantic import Field

from functions.notifications import api
from shared.domain.model import InputModel
from shared.domain.notifications import NotificationPreferences, NotificationPublic, PreferencesUpdate
from shared.http.auth import Auth
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.invoices.formats import language_of
from shared.services import notification_prefs, notifications


class NotificationListQuery(ListQuery):
    unread_only: bool = False


class UnsubscribeQuery(InputModel):
    token: str = Field(min_length=1, max_length=2048)


@api.route("me/notifications", query=NotificationListQuery, response=Paged[NotificationPublic],
           summary="The signed-in user's in-app notifications, newest first")  # fmt: skip
async def list_my_notifications(call: Call) -> Paged[NotificationPublic]:
    q: NotificationListQuery = call.query
    items, token = await notifications.list_notifications(
        call.deps.store, call.user.user_id, unread_only=q.unread_only, limit=q.limit, continuation=q.continuation_token
    )
    return Paged[NotificationPublic](items=[NotificationPublic.of(n) for n in items], continuation_token=token)


@api.route("me/notifications/{notificationId}/read", methods=["POST"], response=NotificationPublic, errors=(404,),
           summary="Mark one of the signed-in user's notifications read")  # fmt: skip
async def mark_notification_read(call: Call) -> NotificationPublic:
    d = call.deps
    done = await notifications.mark_read(d.store, call.user.user_id, call.route["notificationId"], d.clock.now())
    return NotificationPublic.of(done)


@api.route("me/notification-preferences", response=NotificationPreferences,
           summary="Which categories reach the signed-in user by email and in the app")  # fmt: skip
async def read_notification_preferences(call: Call) -> NotificationPreferences:
    return (await notification_prefs.read_prefs(call.deps.store, call.user.user_id)).shown()


@api.route("me/notification-preferences", methods=["PUT"], body=PreferencesUpdate, response=NotificationPreferences,
           errors=(422,), summary="Change categories' channels (security messages are always sent)")  # fmt: skip
async def update_notification_preferences(call: Call) -> NotificationPreferences:
    return await notification_prefs.update_prefs(call.deps.store, call.user.user_id, call.body)


_PAGE = {
    "en": ("Unsubscribed", "You will no longer receive emails of the category “{c}”."),
    "de": ("Abgemeldet", "Sie erhalten keine E-Mails der Kategorie „{c}“ mehr."),
}


async def _unsubscribe(call: Call) -> Reply:
    q: UnsubscribeQuery = call.query
    category = await notification_prefs.unsubscribe(call.deps.settings, call.deps.store, q.token)
    lang = language_of(call.req.headers.get("accept-language"))
    title, text = _PAGE[lang]
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{escape(text.format(c=category))}</p></body></html>"
    )
    return Reply(page, content_type="text/html; charset=utf-8")


@api.route("notifications/unsubscribe", auth=Auth.PUBLIC, query=UnsubscribeQuery, errors=(422,),
           content_types=("text/html",), summary="One-click unsubscribe: the signed link in every email")  # fmt: skip
async def unsubscribe_notifications(call: Call) -> Reply:
    return await _unsubscribe(call)


@api.route("notifications/unsubscribe", methods=["POST"], auth=Auth.PUBLIC, query=UnsubscribeQuery, errors=(422,),
           content_types=("text/html",), summary="The same, as RFC 8058 one-click POST from a mail client")  # fmt: skip
async def unsubscribe_notifications_one_click(call: Call) -> Reply:
    return await _unsubscribe(call)
