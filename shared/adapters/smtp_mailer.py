"""Mailer over SMTP (aiosmtplib), for any mail provider that is not Azure Communication Services.

``security`` is ``starttls`` (port 587, the usual submission port), ``tls`` (implicit TLS, port 465) or
``none`` (a relay on a trusted network, and the tests' local server). A 5xx answer is permanent
(``MailError(retryable=False)``): the recipient or the message was refused. Anything else (4xx, a
connection error, a timeout) is worth a retry. One connection per mail: a notification sender sends
one mail per message, and an idle pooled connection would be closed by the server anyway.
"""

from __future__ import annotations

from typing import Literal

import aiosmtplib

from shared.ports.mailer import Mail, MailError, to_mime

__all__ = ["SmtpMailer", "SmtpSecurity"]

SmtpSecurity = Literal["starttls", "tls", "none"]


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        security: SmtpSecurity = "starttls",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username or None, password or None
        self._security = security
        self._timeout = timeout

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self._security == "tls",
            start_tls=self._security == "starttls",
            username=self._username,
            password=self._password,
            timeout=self._timeout,
        )

    async def send(self, mail: Mail) -> None:
        message = to_mime(mail, self.sender)
        try:
            async with self._client() as smtp:
                await smtp.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"recipient refused: {exc}", retryable=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise MailError(f"SMTP {exc.code}: {exc.message}", retryable=exc.code < 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP server {self.host}:{self.port} unreachable: {exc}") from exc

    async def check(self) -> None:
        async with self._client() as smtp:
            await smtp.noop()

    async def close(self) -> None:
        return None
