"""Mailer: one email to one recipient, plain text and HTML (DESIGN section 3).

Adapters: Azure Communication Services email (shared/adapters/azure/acs_mailer.py), SMTP for any other
provider (shared/adapters/smtp_mailer.py) and the embedded default, ``.eml`` files in an outbox folder
(shared/adapters/embedded/outbox_mailer.py); one contract suite (tests/contract/test_mailers.py).

``Mail.id`` is the idempotency key: the notification's id. The outbox writes one file per id, ACS gets it
as the operation id, SMTP as the ``Message-ID``. Sending twice is not prevented here: the notifications
sender records what it sent. Every header value is checked for line breaks (no header injection from a
user's name or a station's title). A failure raises ``MailError`` so that the queue retries the message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Protocol

__all__ = ["Mail", "MailError", "Mailer", "message_id_of", "to_mime"]

_MAX_HEADER = 998  # RFC 5322 line length; a subject longer than this is a bug, not a feature


class MailError(Exception):
    """The mail was not accepted; ``retryable`` False means a retry will not help (a refused recipient)."""

    def __init__(self, detail: str, *, retryable: bool = True) -> None:
        super().__init__(detail)
        self.retryable = retryable


def _header(name: str, value: str) -> str:
    if any(c in value for c in "\r\n\0") or len(value) > _MAX_HEADER:
        raise ValueError(f"{name} must be one line of at most {_MAX_HEADER} characters")
    return value


@dataclass(frozen=True)
class Mail:
    id: str
    to: str
    subject: str
    text: str
    html: str
    at: datetime
    to_name: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in (("id", self.id), ("to", self.to), ("to_name", self.to_name), ("subject", self.subject)):
            _header(name, value)
        for name, value in self.headers.items():
            _header(name, name)
            _header(name, value)
        if "@" not in self.to or parseaddr(self.to)[1] != self.to:
            raise ValueError(f"not an email address: {self.to[:80]!r}")


def message_id_of(mail: Mail, domain: str) -> str:
    """A stable RFC 5322 Message-ID derived from the mail's id (the same notification, the same id)."""
    return f"<{hashlib.sha256(mail.id.encode()).hexdigest()[:32]}@{domain}>"


def to_mime(mail: Mail, sender: str) -> EmailMessage:
    """The mail as a MIME message: multipart/alternative, text first, HTML last (the preferred one)."""
    sender_name, sender_address = parseaddr(sender)
    msg = EmailMessage()
    msg["From"] = Address(display_name=sender_name, addr_spec=sender_address)
    msg["To"] = Address(display_name=mail.to_name, addr_spec=mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.at)
    msg["Message-ID"] = message_id_of(mail, sender_address.rpartition("@")[2] or "localhost")
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None:
        """Hand the mail over for delivery; raises ``MailError`` if it was not accepted."""
        ...

    async def check(self) -> None:
        """Raise if the mail service cannot be reached (used by the health endpoint)."""
        ...

    async def close(self) -> None: ...
