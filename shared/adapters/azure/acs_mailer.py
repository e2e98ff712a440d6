"""Mailer on Azure Communication Services email (``azure-communication-email``, the async client).

Production authenticates with the app's managed identity (``DefaultAzureCredential``) on the resource's
endpoint (ACS_EMAIL_ENDPOINT); the sender address must belong to a domain connected to the resource. A
send is a long-running operation: the adapter waits for its end, so a mail refused by the service
raises and the queue retries it. The operation id is derived from the mail's id (a UUID, as ACS
wants), so the service sees a retried send as the same operation. Tested offline against a loopback
HTTP server standing in for the service (tests/contract/test_mailers.py).
"""

from __future__ import annotations

import uuid
from email.utils import parseaddr
from typing import Any

from azure.communication.email.aio import EmailClient
from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, HttpResponseError

from shared.ports.mailer import Mail, MailError

__all__ = ["AcsMailer", "operation_id_of", "payload_of"]

_NAMESPACE = uuid.UUID("5f0c1c8e-6a47-4e36-9a0e-7d1b1f3c2a90")


def operation_id_of(mail: Mail) -> str:
    return str(uuid.uuid5(_NAMESPACE, mail.id))


def payload_of(mail: Mail, sender: str) -> dict[str, Any]:
    """The request body of ``begin_send`` (the service's JSON, camelCase)."""
    recipient: dict[str, str] = {"address": mail.to}
    if mail.to_name:
        recipient["displayName"] = mail.to_name
    return {
        "senderAddress": parseaddr(sender)[1] or sender,
        "recipients": {"to": [recipient]},
        "content": {"subject": mail.subject, "plainText": mail.text, "html": mail.html},
        "headers": dict(mail.headers),
        "userEngagementTrackingDisabled": True,
    }


class AcsMailer:
    """Owns ``client`` and ``credential`` and closes them in ``close()``."""

    def __init__(
        self,
        client: EmailClient,
        sender: str,
        *,
        credential: AsyncTokenCredential | None = None,
        polling_interval: float = 2.0,
    ) -> None:
        self._client = client
        self.sender = sender
        self._credential = credential
        self._polling_interval = polling_interval

    @classmethod
    def from_endpoint(
        cls, endpoint: str, sender: str, *, credential: AsyncTokenCredential | AzureKeyCredential | None = None
    ) -> AcsMailer:
        owned: AsyncTokenCredential | None = None
        if credential is None:
            from azure.identity.aio import DefaultAzureCredential

            credential = owned = DefaultAzureCredential()
        return cls(EmailClient(endpoint, credential), sender, credential=owned)

    async def send(self, mail: Mail) -> None:
        try:
            poller = await self._client.begin_send(
                payload_of(mail, self.sender),
                operation_id=operation_id_of(mail),
                polling_interval=self._polling_interval,
            )
            result = await poller.result()
        except HttpResponseError as exc:
            status = exc.status_code or 0
            retryable = status >= 500 or status in (408, 429)
            raise MailError(f"ACS email refused the mail ({status}): {exc.message}", retryable=retryable) from exc
        except AzureError as exc:
            raise MailError(f"ACS email unreachable: {exc}") from exc
        outcome = result or {}
        if outcome.get("status") != "Succeeded":
            error = outcome.get("error") or {}
            detail = f"ACS email operation ended {outcome.get('status')}: {error.get('message', '')}"
            raise MailError(detail, retryable=False)

    async def check(self) -> None:
        # ACS has no cheap read-only probe for email; the health endpoint does not send a mail
        return None

    async def close(self) -> None:
        await self._client.close()
        if self._credential is not None:
            await self._credential.close()
