"""The Web PubSub CloudEvents protocol (shared/http/webpubsub.py): signature, validation, events, replies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import azure.functions as func
import pytest

from shared.http import webpubsub as wps

KEY, OTHER = "primary-access-key", "secondary-access-key"
CID = "0f8bb2c4-6d3e-4bde-9a4b-0c7cf0b1c8b1"


def signature(key: str, connection_id: str = CID) -> str:
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


def event(ce_type: str, body: bytes = b"", *, content_type: str = "application/json", **extra: str) -> func.HttpRequest:
    headers = {
        "WebHook-Request-Origin": "wattsup.webpubsub.azure.com",
        "Content-Type": content_type,
        "ce-specversion": "1.0",
        "ce-type": ce_type,
        "ce-source": f"/hubs/ocpp/client/{CID}",
        "ce-id": "1",
        "ce-time": "2024-01-01T00:00:00Z",
        "ce-signature": f"{signature(KEY)},{signature(OTHER)}",
        "ce-connectionId": CID,
        "ce-hub": "ocpp",
        "ce-eventName": ce_type.rsplit(".", 1)[-1],
        **extra,
    }
    return func.HttpRequest("POST", "http://localhost/api/ocpp", headers=headers, body=body)


# signature


def test_sign_matches_the_reference_formula() -> None:
    assert wps.sign(CID, [KEY, OTHER]) == f"{signature(KEY)},{signature(OTHER)}"


@pytest.mark.parametrize(
    ("header", "keys", "ok"),
    [
        (signature(KEY), [KEY], True),
        (f"{signature(KEY)},{signature(OTHER)}", [OTHER], True),  # rotated: the secondary key alone
        (f"{signature(OTHER)}, {signature(KEY)}", [KEY], True),  # spaces after commas
        (signature(KEY).upper().replace("SHA256=", "sha256="), [KEY], True),  # hex case
        (signature(KEY), [OTHER], False),
        (signature(KEY, "another-connection"), [KEY], False),
        (signature(KEY).removeprefix("sha256=")[:-1], [KEY], False),
        ("sha256=zz", [KEY], False),
        ("", [KEY], False),
        (None, [KEY], False),
        (signature(KEY), [], False),  # no keys configured: nothing verifies
        (signature(""), [""], False),  # an empty key never counts
    ],
)
def test_verify_signature(header: str | None, keys: list[str], ok: bool) -> None:
    assert wps.verify_signature(CID, header, keys) is ok


def test_missing_connection_id_fails() -> None:
    assert not wps.verify_signature("", signature(KEY, ""), [KEY])


def test_parse_checks_the_signature_before_reading_the_body() -> None:
    req = event(wps.CONNECT, b"not json", **{"ce-signature": signature("wrong")})
    with pytest.raises(wps.EventError) as caught:
        wps.parse_event(req, [KEY])
    assert caught.value.status == 401


# abuse protection


def options(origin: str | None) -> func.HttpRequest:
    headers = {"WebHook-Request-Origin": origin} if origin is not None else {}
    return func.HttpRequest("OPTIONS", "http://localhost/api/ocpp", headers=headers, body=b"")


def test_abuse_protection_allows_a_listed_origin() -> None:
    resp = wps.abuse_protection_response(options("wattsup.webpubsub.azure.com"), ["WattsUp.webpubsub.azure.com"])
    assert resp.status_code == 200
    assert resp.headers["WebHook-Allowed-Origin"] == "wattsup.webpubsub.azure.com"


def test_abuse_protection_wildcard() -> None:
    resp = wps.abuse_protection_response(options("anything.example"), ["*"])
    assert resp.status_code == 200 and resp.headers["WebHook-Allowed-Origin"] == "anything.example"


def test_abuse_protection_refuses_other_or_missing_origins() -> None:
    refused = wps.abuse_protection_response(options("evil.example"), ["wattsup.webpubsub.azure.com"])
    assert refused.status_code == 403 and "WebHook-Allowed-Origin" not in refused.headers
    assert wps.abuse_protection_response(options(None), ["*"]).status_code == 400


def test_options_parses_as_validate_without_a_signature() -> None:
    assert wps.parse_event(options("svc.webpubsub.azure.com"), [KEY]) == wps.Validate("svc.webpubsub.azure.com")


# events


def test_connect_event() -> None:
    body = {
        "claims": {"sub": ["x"]},
        "query": {"chargerId": ["CP-1"], "single": "v"},
        "headers": {"Authorization": ["Basic Q1AtMTpzZWNyZXQ="], "Sec-WebSocket-Protocol": ["ocpp1.6, ocpp2.0.1"]},
        "subprotocols": ["ocpp1.6", "ocpp2.0.1"],
        "clientCertificates": [{"thumbprint": "ab", "content": "pem"}],
    }
    parsed = wps.parse_event(event(wps.CONNECT, json.dumps(body).encode()), [KEY])
    assert isinstance(parsed, wps.Connect)
    assert (parsed.connection_id, parsed.hub, parsed.event_name, parsed.user_id) == (CID, "ocpp", "connect", None)
    assert parsed.subprotocols == ("ocpp1.6", "ocpp2.0.1")
    assert parsed.query == {"chargerId": ["CP-1"], "single": ["v"]}
    assert parsed.headers["Authorization"] == ["Basic Q1AtMTpzZWNyZXQ="]
    assert parsed.claims == {"sub": ["x"]} and parsed.client_certificates[0]["thumbprint"] == "ab"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]"])
def test_malformed_connect_is_a_400(body: bytes) -> None:
    with pytest.raises(wps.EventError) as caught:
        wps.parse_event(event(wps.CONNECT, body), [KEY])
    assert caught.value.status == 400


def test_text_message_event() -> None:
    frame = '[2,"1","Heartbeat",{}]'
    req = event(
        wps.MESSAGE, frame.encode(), content_type="text/plain", **{"ce-userId": "CP-1", "ce-subprotocol": "ocpp1.6"}
    )
    parsed = wps.parse_event(req, [KEY])
    assert isinstance(parsed, wps.Message)
    assert parsed.text == frame and parsed.is_text
    assert (parsed.user_id, parsed.subprotocol, parsed.event_name) == ("CP-1", "ocpp1.6", "message")


def test_binary_message_event() -> None:
    parsed = wps.parse_event(event(wps.MESSAGE, b"\x00\x01", content_type="application/octet-stream"), [KEY])
    assert isinstance(parsed, wps.Message) and not parsed.is_text and parsed.body == b"\x00\x01"


def test_connected_and_disconnected_events() -> None:
    connected = wps.parse_event(event(wps.CONNECTED, b"{}", **{"ce-userId": "CP-1"}), [KEY])
    assert isinstance(connected, wps.Connected) and connected.user_id == "CP-1"
    gone = wps.parse_event(event(wps.DISCONNECTED, json.dumps({"reason": "timeout"}).encode()), [KEY])
    assert isinstance(gone, wps.Disconnected) and gone.reason == "timeout"
    silent = wps.parse_event(event(wps.DISCONNECTED, b""), [KEY])
    assert isinstance(silent, wps.Disconnected) and silent.reason is None


def test_unknown_event_type_is_a_400() -> None:
    with pytest.raises(wps.EventError) as caught:
        wps.parse_event(event("azure.webpubsub.user.custom"), [KEY])
    assert caught.value.status == 400


# basic auth


def basic(value: str) -> str:
    return "Basic " + base64.b64encode(value.encode()).decode()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Authorization": [basic("CP-1:s3cret")]}, ("CP-1", "s3cret")),
        ({"authorization": [basic("CP-1:pa:ss")]}, ("CP-1", "pa:ss")),  # only the first colon splits
        ({"AUTHORIZATION": ["basic " + basic("CP-1:x")[6:]]}, ("CP-1", "x")),  # scheme case-insensitive
        ({"Authorization": [basic("CP-1:")]}, ("CP-1", "")),
        ({"Authorization": [basic("no-colon")]}, None),
        ({"Authorization": ["Bearer abc"]}, None),
        ({"Authorization": ["Basic !!!"]}, None),
        ({"Authorization": ["Basic " + base64.b64encode(b"\xff:\xfe").decode()]}, None),
        ({"Authorization": []}, None),
        ({}, None),
    ],
)
def test_basic_credentials(headers: dict[str, list[str]], expected: tuple[str, str] | None) -> None:
    assert wps.basic_credentials(headers) == expected


# responses


def body_of(resp: func.HttpResponse) -> Any:
    return json.loads(resp.get_body())


def test_connect_accepted() -> None:
    resp = wps.connect_accepted(subprotocol="ocpp1.6", user_id="CP-1", groups=["site-9"])
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert body_of(resp) == {"subprotocol": "ocpp1.6", "userId": "CP-1", "groups": ["site-9"]}
    assert body_of(wps.connect_accepted()) == {}  # a blank subprotocol is left out, never sent empty


def test_connect_refused() -> None:
    resp = wps.connect_refused(401, "bad credentials")
    assert resp.status_code == 401 and resp.get_body() == b"bad credentials"
    with pytest.raises(ValueError):
        wps.connect_refused(500)


def test_message_reply() -> None:
    resp = wps.message_reply('[3,"1",{}]')
    assert resp.status_code == 200 and resp.mimetype == "text/plain" and resp.get_body() == b'[3,"1",{}]'
    assert wps.message_reply(None).status_code == 204 and wps.message_reply("").status_code == 204
    assert wps.event_ack().status_code == 204
