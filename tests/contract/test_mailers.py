"""The Mailer port against each adapter: the outbox folder, SMTP (a real aiosmtpd server on loopback)
and Azure Communication Services email (the real SDK against a loopback HTTP stand-in for the service)."""

from __future__ import annotations

import asyncio
import base64
import email
import json
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from azure.core.credentials import AzureKeyCredential

from shared.adapters.azure.acs_mailer import AcsMailer, operation_id_of
from shared.adapters.embedded.outbox_mailer import OutboxMailer
from shared.adapters.smtp_mailer import SmtpMailer
from shared.ports.mailer import Mail, MailError

SENDER = "Watt's Up <no-reply@wattsup.test>"
NAME = 'Zoë "<script>" ‏مرحبا'


def sample(**overrides: Any) -> Mail:
    fields: dict[str, Any] = {
        "id": "notify:SessionStopped:ses_1:usr_1",
        "to": "driver@example.com",
        "to_name": NAME,
        "subject": "Charging finished at Café ‏مرحبا",
        "text": "Energy: 12.5 kWh\n",
        "html": "<p>Energy: <b>12.5 kWh</b></p>",
        "at": datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        "headers": {"List-Unsubscribe": "<https://app.test/u?token=a.b>"},
    }
    fields.update(overrides)
    return Mail(**fields)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def check_mime(message: EmailMessage, mail: Mail) -> None:
    assert message["Subject"] == mail.subject
    assert message["To"].addresses[0].addr_spec == mail.to
    assert message["To"].addresses[0].display_name == NAME
    assert message["From"].addresses[0].addr_spec == "no-reply@wattsup.test"
    assert message["List-Unsubscribe"] == "<https://app.test/u?token=a.b>"
    assert message["Message-ID"].endswith("@wattsup.test>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_content().replace("\r\n", "\n") for part in message.iter_parts())
    assert text == mail.text and html.strip() == mail.html


# -- the port's own rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [("subject", "Hello\r\nBcc: victim@example.com"), ("to_name", "x\nBcc: y"), ("to", "a@b.c\n"), ("to", "nobody")],
)
def test_mail_refuses_header_injection_and_bad_addresses(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        sample(**{field: value})


def test_mail_refuses_a_header_with_a_line_break() -> None:
    with pytest.raises(ValueError):
        sample(headers={"X-Note": "a\r\nBcc: victim@example.com"})


# -- outbox ---------------------------------------------------------------------------------


async def test_outbox_writes_one_eml_per_mail_id(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox", SENDER)
    mail = sample()
    await mailer.send(mail)
    await mailer.send(mail)  # the same notification again: the same file
    await mailer.send(sample(id="other"))
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)
    check_mime(parse(mailer.path_of(mail.id).read_bytes()), mail)


async def test_outbox_failure_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailError):
        await OutboxMailer(blocker / "outbox", SENDER).send(sample())


# -- SMTP against aiosmtpd on loopback --------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_smtp_delivers_the_mime_message(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    mail = sample()
    await SmtpMailer("127.0.0.1", port, SENDER, security="none", timeout=5).send(mail)
    [(mail_from, rcpt, raw)] = inbox.received
    assert mail_from == "no-reply@wattsup.test" and rcpt == ["driver@example.com"]
    check_mime(parse(raw), mail)


async def test_smtp_refused_recipient_is_a_permanent_error(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    inbox.refuse.add("driver@example.com")
    with pytest.raises(MailError) as caught:
        await SmtpMailer("127.0.0.1", port, SENDER, security="none", timeout=5).send(sample())
    assert caught.value.retryable is False
    assert inbox.received == []


async def test_smtp_unreachable_is_a_retryable_error() -> None:
    with pytest.raises(MailError) as caught:
        await SmtpMailer("127.0.0.1", free_port(), SENDER, security="none", timeout=2).send(sample())
    assert caught.value.retryable is True


# -- Azure Communication Services email, the real SDK against a loopback stand-in -------------


class AcsStandIn:
    def __init__(self) -> None:
        self.sends: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.polls = 0
        self.final_status = "Succeeded"
        self.url = ""

    async def send(self, request: web.Request) -> web.Response:
        self.sends.append((dict(request.headers), await request.json()))
        operation = request.headers.get("Operation-Id", "op")
        location = f"{self.url}/emails/operations/{operation}?api-version={request.query['api-version']}"
        return web.json_response({"id": operation, "status": "Running"}, status=202,
                                 headers={"Operation-Location": location, "Retry-After": "0"})  # fmt: skip

    async def poll(self, request: web.Request) -> web.Response:
        self.polls += 1
        body: dict[str, Any] = {"id": request.match_info["op"], "status": self.final_status}
        if self.final_status != "Succeeded":
            body["error"] = {"code": "EmailDroppedAllRecipientsSuppressed", "message": "suppressed"}
        return web.json_response(body)


@pytest.fixture
async def acs() -> AsyncIterator[AcsStandIn]:
    stand_in = AcsStandIn()
    app = web.Application()
    app.router.add_post("/emails:send", stand_in.send)
    app.router.add_get("/emails/operations/{op}", stand_in.poll)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stand_in.url = f"http://127.0.0.1:{port}"
    try:
        yield stand_in
    finally:
        await runner.cleanup()


def acs_mailer(acs: AcsStandIn) -> AcsMailer:
    key = AzureKeyCredential(base64.b64encode(b"test-key").decode())
    mailer = AcsMailer.from_endpoint(acs.url, SENDER, credential=key)
    mailer._polling_interval = 0
    return mailer


async def test_acs_sends_the_payload_and_waits_for_success(acs: AcsStandIn) -> None:
    mailer, mail = acs_mailer(acs), sample()
    try:
        await asyncio.wait_for(mailer.send(mail), 10)
    finally:
        await mailer.close()
    [(headers, payload)] = acs.sends
    assert headers["Operation-Id"] == operation_id_of(mail)  # a retried send is the same operation
    assert headers["Authorization"].startswith("HMAC-SHA256")
    assert payload["senderAddress"] == "no-reply@wattsup.test"
    assert payload["recipients"]["to"] == [{"address": "driver@example.com", "displayName": NAME}]
    assert payload["content"] == {"subject": mail.subject, "plainText": mail.text, "html": mail.html}
    assert payload["headers"] == {"List-Unsubscribe": "<https://app.test/u?token=a.b>"}
    assert acs.polls >= 1
    assert json.dumps(payload)  # plain JSON, nothing SDK-specific left in it


async def test_acs_failed_operation_raises(acs: AcsStandIn) -> None:
    acs.final_status = "Failed"
    mailer = acs_mailer(acs)
    try:
        with pytest.raises(MailError, match="suppressed"):
            await asyncio.wait_for(mailer.send(sample()), 10)
    finally:
        await mailer.close()
