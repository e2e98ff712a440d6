"""ChargerLink on Azure Web PubSub's data-plane REST API (DESIGN sections 3 and 6).

One frame is one ``send_to_connection`` call of the SDK's async client, which sends::

    POST {endpoint}/api/hubs/{hub}/connections/{connectionId}/:send?api-version=2024-12-01
    Content-Type: text/plain
    Authorization: Bearer <JWT>

With an access key (WEBPUBSUB_ACCESS_KEYS, the first is the primary) the SDK
signs the JWT itself: HS256 under the key, ``aud`` the full request URL
(query string included), ``exp`` a minute ahead. Without one it asks
``DefaultAzureCredential`` (the app's user-assigned identity in Azure) for an
Entra token, which needs the "Web PubSub Service Owner" role on the resource
(infra/bicep/modules/webpubsub.bicep). The local host's relay answers the very
same call (local_host/ocpp_relay.py), so WEBPUBSUB_ENDPOINT=http://127.0.0.1:7071
makes this adapter work unchanged on a laptop, and a second host process can
reach a charger connected to the first by pointing at it.

Outcomes: 202 is delivered; 404 (no such connection) is ``ChargerUnreachable``;
anything else (a wrong key's 401, a 5xx after the SDK's retries, a refused
connection) is ``DependencyFailed``: our side or the service is broken, the
charger may well be online. The service may also accept a frame for a socket
that is just closing; then no reply comes and the command times out.

Building the link does no I/O: the client (and the credential) are made on first send.
"""

from __future__ import annotations

from typing import Any

from azure.core.credentials import AzureKeyCredential
from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient

from shared.config import Settings
from shared.domain.errors import DependencyFailed
from shared.ports.charger_link import ChargerUnreachable

__all__ = ["WebPubSubLink"]


class WebPubSubLink:
    """Sends OCPP-J text frames to charger sockets held by Web PubSub (or the local relay)."""

    def __init__(
        self,
        endpoint: str,
        hub: str,
        *,
        access_key: str = "",
        transport: AsyncHttpTransport[Any, Any] | None = None,
        timeout_seconds: float = 10.0,
        retries: int = 2,
    ) -> None:
        self.endpoint, self.hub = endpoint.strip().rstrip("/"), hub
        self._access_key, self._transport = access_key, transport
        self._timeout, self._retries = timeout_seconds, retries
        self._client: WebPubSubServiceClient | None = None
        self._credential: AsyncTokenCredential | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> WebPubSubLink:
        """The primary key signs when keys are configured; ``options`` go to the constructor (tests: transport)."""
        keys = settings.webpubsub_access_key_list
        access_key = keys[0] if keys else ""
        return cls(settings.webpubsub_endpoint, settings.webpubsub_hub, access_key=access_key, **options)

    def _service(self) -> WebPubSubServiceClient:
        if self._client is None:
            credential: AzureKeyCredential | AsyncTokenCredential
            if self._access_key:
                credential = AzureKeyCredential(self._access_key)
            else:
                from azure.identity.aio import DefaultAzureCredential  # the managed identity in Azure

                credential = self._credential = DefaultAzureCredential()
            options: dict[str, Any] = {"retry_total": self._retries}
            if self._transport is not None:
                options["transport"] = self._transport
            else:  # read by the default aiohttp transport: a stuck service must not hold a command for minutes
                options |= {"connection_timeout": self._timeout, "read_timeout": self._timeout}
            self._client = WebPubSubServiceClient(self.endpoint, self.hub, credential, **options)
        return self._client

    async def send(self, connection_id: str, frame: str) -> None:
        if not self.endpoint:
            raise ChargerUnreachable("no Web PubSub endpoint configured")
        try:
            # bytes, not the str: azure-core 1.41 sets Content-Length to a str's length in characters, so a
            # frame with any non-ASCII character (an idTag, a vendor string) would arrive cut short. The
            # SDK's overloads omit bytes, but its text/plain path passes any content through as it is.
            body = frame.encode("utf-8")
            await self._service().send_to_connection(connection_id, body, content_type="text/plain")  # type: ignore[call-overload]
        except ResourceNotFoundError as exc:
            raise ChargerUnreachable(f"connection {connection_id} is gone") from exc
        except AzureError as exc:
            raise _failure(self.endpoint, connection_id, exc) from exc

    async def close(self) -> None:
        client, credential, self._client, self._credential = self._client, self._credential, None, None
        try:
            if client is not None:
                await client.close()
        finally:
            if credential is not None:
                await credential.close()


def _failure(endpoint: str, connection_id: str, exc: AzureError) -> DependencyFailed:
    if not isinstance(exc, HttpResponseError) or exc.status_code is None:  # refused, timed out, no credential
        detail = f"Web PubSub at {endpoint} could not be reached: {exc.message}"
        return DependencyFailed(detail, code="webpubsub_unreachable")
    return DependencyFailed(
        f"Web PubSub at {endpoint} refused a frame for connection {connection_id}: "
        f"{exc.status_code} {exc.reason or ''}".rstrip(),
        code="webpubsub_failed",
    )
