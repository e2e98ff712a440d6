"""WebPubSubLink against the real SDK with a recording transport: the exact REST call, its JWT, its errors."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from azure.core.pipeline.transport import AsyncHttpResponse, AsyncHttpTransport

from shared.adapters.azure.webpubsub_link import WebPubSubLink
from shared.config import Settings
from shared.domain.errors import DependencyFailed
from shared.ports.charger_link import ChargerUnreachable

ENDPOINT, HUB, KEY = "https://wps-test.webpubsub.azure.com", "ocpp", "primary-access-key-0123456789abcdef"
FRAME = '[2,"cmd_1","RemoteStartTransaction",{"connectorId":1,"idTag":"TAG-Zoë"}]'  # not ASCII on purpose


class Canned(AsyncHttpResponse):
    def __init__(self, request: Any, status: int, body: bytes = b"") -> None:
        super().__init__(request, None)
        self.status_code, self.reason, self._body = status, {202: "Accepted"}.get(status, "Error"), body
        self.headers = {"Content-Type": "application/json"} if body else {}
        self.content_type = self.headers.get("Content-Type")

    def body(self) -> bytes:
        return self._body

    async def load_body(self) -> None:
        return None


class Recording(AsyncHttpTransport):  # type: ignore[type-arg]
    """Answers every request with ``status`` and keeps what was sent."""

    def __init__(self, status: int = 202, body: bytes = b"") -> None:
        self.status, self.answer = status, body
        self.requests: list[Any] = []

    async def __aenter__(self) -> Recording:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, request: Any, **kwargs: Any) -> Canned:
        self.requests.append(request)
        return Canned(request, self.status, self.answer)


def link(transport: Recording, endpoint: str = ENDPOINT, **options: Any) -> WebPubSubLink:
    return WebPubSubLink(endpoint, HUB, access_key=KEY, transport=transport, retries=0, **options)


async def test_a_frame_is_one_signed_post_to_the_connection() -> None:
    transport = Recording()
    sender = link(transport)
    assert transport.requests == []  # building it sent nothing
    await sender.send("conn-1", FRAME)
    await sender.close()

    (request,) = transport.requests
    url = urlsplit(request.url)
    assert request.method == "POST"
    assert f"{url.scheme}://{url.netloc}" == ENDPOINT
    assert url.path == "/api/hubs/ocpp/connections/conn-1/:send"
    assert parse_qs(url.query) == {"api-version": ["2024-12-01"]}
    assert request.headers["Content-Type"] == "text/plain"
    assert request.content == FRAME.encode("utf-8")
    assert request.headers["Content-Length"] == str(len(FRAME.encode("utf-8")))
    scheme, _, token = request.headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience=request.url)
    assert claims["aud"] == request.url  # the whole URL, query string included
    assert time.time() < claims["exp"] <= time.time() + 120
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-key-of-the-same-length-000", algorithms=["HS256"], audience=request.url)


async def test_a_connection_id_is_escaped_into_the_path() -> None:
    transport = Recording()
    await link(transport).send("a/b c", FRAME)
    (request,) = transport.requests
    assert urlsplit(request.url).path == "/api/hubs/ocpp/connections/a%2Fb%20c/:send"


async def test_a_missing_connection_is_unreachable() -> None:
    transport = Recording(404, b'{"code":"NotFound","message":"Connection not found"}')
    with pytest.raises(ChargerUnreachable):
        await link(transport).send("gone", FRAME)


@pytest.mark.parametrize("status", [401, 403, 500, 503])
async def test_other_failures_are_a_dependency_failure(status: int) -> None:
    transport = Recording(status, b'{"code":"Boom","message":"no"}')
    with pytest.raises(DependencyFailed) as failed:
        await link(transport).send("conn-1", FRAME)
    assert failed.value.code == "webpubsub_failed" and str(status) in failed.value.detail
    assert len(transport.requests) == 1  # retries=0: the status decides, not a retry loop


async def test_a_service_that_cannot_be_reached_is_a_dependency_failure() -> None:
    # a real aiohttp transport to a closed loopback port: connection refused
    sender = WebPubSubLink("http://127.0.0.1:9", HUB, access_key=KEY, retries=0, timeout_seconds=2)
    try:
        with pytest.raises(DependencyFailed) as failed:
            await sender.send("conn-1", FRAME)
    finally:
        await sender.close()
    assert failed.value.code == "webpubsub_unreachable"


async def test_without_an_endpoint_nothing_is_sent() -> None:
    transport = Recording()
    with pytest.raises(ChargerUnreachable, match="no Web PubSub endpoint configured"):
        await link(transport, endpoint="").send("conn-1", FRAME)
    assert transport.requests == []


async def test_from_settings_signs_with_the_primary_key(tmp_path: Any) -> None:
    settings = Settings(
        WEBPUBSUB_ENDPOINT="https://wps.example.com/", WEBPUBSUB_HUB="chargers",
        WEBPUBSUB_ACCESS_KEYS="first-key-0123456789abcdefghijkl,second-key-0123456789abcdefghijk",
        LOCAL_BUS_PATH=str(tmp_path / "bus.db"),
    )  # fmt: skip
    transport = Recording()
    built = WebPubSubLink.from_settings(settings, transport=transport, retries=0)
    await built.send("c1", FRAME)
    (request,) = transport.requests
    assert request.url.startswith("https://wps.example.com/api/hubs/chargers/connections/c1/:send?")
    token = request.headers["Authorization"].removeprefix("Bearer ")
    jwt.decode(token, "first-key-0123456789abcdefghijkl", algorithms=["HS256"], audience=request.url)
