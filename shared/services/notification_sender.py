"""The sender: one message of the ``notifications`` queue becomes an in-app notification and an email.

Per message: the recipients (``body.userId``: that user; ``body.providerId``: the provider's support
email, and each of its admins in-app), each one's preferences, the content rendered in their language,
the in-app notification stored (created once: its id comes from the message and the recipient), the
email sent. The whole is processed once per message id (``process_once``); each email is also recorded
once sent, so a retry after a failed second email does not send the first again. A mailer failure
raises: the queue retries the message and finally dead-letters it (``/api/platform/dead-letters``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.domain.messages import Message
from shared.domain.notifications import KINDS, Kind, Notification, notification_id
from shared.domain.principal import Role
from shared.notifications.content import MalformedNotification
from shared.notifications.render import render
from shared.ports.mailer import Mail
from shared.repositories.providers import get_provider
from shared.repositories.users import get_user
from shared.services.idempotency import already_processed, mark_processed, process_once
from shared.services.memberships import list_members
from shared.services.notification_prefs import read_prefs, unsubscribe_url
from shared.services.notifications import store_notification

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["EMAIL_CONSUMER", "SENDER_CONSUMER", "Recipient", "deliver"]

log = logging.getLogger(__name__)
SENDER_CONSUMER = "notifications-sender"
EMAIL_CONSUMER = "notifications-email"
MAX_ADMINS = 20


@dataclass(frozen=True)
class Recipient:
    key: str  # the user id, or "provider:<id>" for a provider's support address
    user_id: str | None
    email: str | None
    name: str
    locale: str


async def _recipients(deps: Deps, message: Message, kind: Kind) -> list[Recipient]:
    body = message.body
    if kind.audience == "user":
        user = await get_user(deps.store, _field(body, "userId"))
        return [Recipient(user.id, user.id, user.email, user.name, user.locale)]
    provider = await get_provider(deps.store, _field(body, "providerId"))
    admins, _ = await list_members(provider.id, limit=MAX_ADMINS, continuation=None, store=deps.store)
    admins = [a for a in admins if Role.PROVIDER_ADMIN in a.roles]
    locale = admins[0].locale if admins else "en"
    found = [Recipient(f"provider:{provider.id}", None, provider.support_email, provider.display_name, locale)]
    return found + [Recipient(a.id, a.id, None, a.name, a.locale) for a in admins]


def _field(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedNotification(f"the body needs {name}")
    return value


async def _one(deps: Deps, message: Message, kind: Kind, to: Recipient) -> str:
    s = deps.settings
    prefs = await read_prefs(deps.store, to.user_id) if to.user_id else None
    link = unsubscribe_url(s, to.user_id, kind.category) if to.user_id else None
    base = s.app_base_url.rstrip("/")
    rendered = render(message.type, message.body, language=to.locale, base_url=base, unsubscribe_url=link)
    done = []
    if to.user_id and prefs is not None and prefs.allows(kind.category, "in_app"):
        notification = Notification(
            id=notification_id(message.id, to.user_id),
            user_id=to.user_id,
            kind=message.type,
            category=kind.category,
            title=rendered.subject,
            text=rendered.content.intro,
            link=rendered.content.link[1] if rendered.content.link else None,
            created_at=message.occurred_at,
            ttl=int(timedelta(days=s.notification_ttl_days).total_seconds()),
        )
        await store_notification(deps.store, notification)
        done.append("in-app")
    if to.email and (prefs is None or prefs.allows(kind.category, "email")):
        mail_id = f"{message.id}|{to.key}"
        if not await already_processed(deps.store, EMAIL_CONSUMER, mail_id):
            headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            mail = Mail(
                id=mail_id, to=to.email, to_name=to.name, subject=rendered.subject, text=rendered.text,
                html=rendered.html, at=deps.clock.now(), headers=headers if link else {},
            )  # fmt: skip
            await deps.mailer.send(mail)  # MailError propagates: the queue retries, then dead-letters
            await mark_processed(deps.store, deps.clock, EMAIL_CONSUMER, mail_id)
        done.append("email")
    return f"{to.key}: {', '.join(done) or 'muted'}"


async def deliver(deps: Deps, message: Message) -> str:
    """Send one queued notification; returns what was done (for the log)."""
    kind = KINDS.get(message.type)
    if kind is None:
        raise MalformedNotification(f"unknown notification type {message.type!r}")

    async def work() -> str:
        return "; ".join([await _one(deps, message, kind, to) for to in await _recipients(deps, message, kind)])

    ran, outcome = await process_once(deps.store, deps.clock, SENDER_CONSUMER, message.id, work)
    return outcome or "" if ran else "duplicate"
