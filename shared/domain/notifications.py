"""Notifications: what a user is told, in which category, and how they chose to hear about it.

A ``Notification`` is one in-app message in the ``notifications`` container (partition ``/userId``,
expiring by its ``ttl``). Its id is derived from the queue message and the recipient, so a redelivered
message stores nothing new. ``NotificationPreferences`` live in ``users`` as ``prefs:<userId>``: per
category and channel, all on by default; ``security`` cannot be turned off.

The kinds, their category and who receives them (``user``: ``body.userId``; ``provider``: the
provider of ``body.providerId``, by its support email and its admins in-app) are in ``KINDS``;
docs/notifications.md lists the body fields each kind reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pydantic import Field

from shared.domain.model import ApiModel, InputModel

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "KINDS",
    "Category",
    "Channel",
    "Kind",
    "Notification",
    "NotificationPreferences",
    "NotificationPublic",
    "PreferencesUpdate",
    "notification_id",
    "prefs_id",
]

Category = Literal["charging", "payments", "reservations", "reviews", "provider_ops", "security"]
Channel = Literal["email", "in_app"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
Audience = Literal["user", "provider"]


@dataclass(frozen=True)
class Kind:
    category: Category
    audience: Audience = "user"


KINDS: dict[str, Kind] = {
    "SessionStarted": Kind("charging"),
    "SessionStopped": Kind("charging"),
    "CapReached": Kind("charging"),
    "IdleStarted": Kind("charging"),
    "PaymentCaptured": Kind("payments"),
    "PaymentFailed": Kind("payments"),
    "InvoiceIssued": Kind("payments"),
    "ReservationConfirmed": Kind("reservations"),
    "ReservationReminder": Kind("reservations"),
    "ReservationExpired": Kind("reservations"),
    "ReservationDisrupted": Kind("reservations"),
    "ChargerFaulted": Kind("provider_ops", "provider"),
    "ChargerOffline": Kind("provider_ops", "provider"),
    "ReviewPosted": Kind("reviews", "provider"),
    "ReviewReplied": Kind("reviews"),
    "ReviewHidden": Kind("reviews"),
    "ProblemResolved": Kind("reviews"),
    "ProblemReported": Kind("provider_ops", "provider"),
    "ApplicationDecided": Kind("provider_ops"),
    "PasswordChanged": Kind("security"),
}


def notification_id(message_id: str, user_id: str) -> str:
    """One in-app notification per queue message and recipient, whatever the number of deliveries."""
    return "ntf_" + hashlib.sha256(f"{message_id}|{user_id}".encode()).hexdigest()[:32]


def prefs_id(user_id: str) -> str:
    return f"prefs:{user_id}"


class Notification(ApiModel):
    id: str
    type: Literal["notification"] = "notification"
    user_id: str
    kind: str
    category: Category
    title: str
    text: str
    link: str | None = None
    created_at: datetime
    read_at: datetime | None = None
    ttl: int = -1
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class NotificationPublic(ApiModel):
    id: str
    kind: str
    category: Category
    title: str
    text: str
    link: str | None = None
    created_at: datetime
    read_at: datetime | None = None

    @classmethod
    def of(cls, n: Notification) -> NotificationPublic:
        return cls.model_validate(n.model_dump())


class ChannelChoice(ApiModel):
    email: bool = True
    in_app: bool = True


def _all_on() -> dict[Category, ChannelChoice]:
    return {c: ChannelChoice() for c in CATEGORIES}


class NotificationPreferences(ApiModel):
    """Every category with both channels; ``security`` is always on (the API shows it so)."""

    categories: dict[Category, ChannelChoice] = Field(default_factory=_all_on)

    def allows(self, category: Category, channel: Channel) -> bool:
        if category == "security":
            return True
        choice = self.categories.get(category) or ChannelChoice()
        return choice.email if channel == "email" else choice.in_app

    def with_choice(self, category: Category, channel: Channel, on: bool) -> NotificationPreferences:
        current = {**_all_on(), **self.categories}
        choice = current[category].model_copy(update={"email" if channel == "email" else "in_app": on})
        return NotificationPreferences(categories={**current, category: choice})

    def shown(self) -> NotificationPreferences:
        return NotificationPreferences(categories={**_all_on(), **self.categories, "security": ChannelChoice()})


class PreferencesUpdate(InputModel):
    """Categories to change; those left out keep their choice. ``security`` cannot be turned off."""

    categories: dict[Category, ChannelChoice] = Field(default_factory=dict)
