"""Every notification kind renders in English and German, with hostile input escaped in HTML.

The values a user controls (station names, review text, a provider's name, a rejection reason) are
filled with a script tag, an attribute break-out, a very long string and right-to-left text with a
bidi override; the HTML must show them as text, never as markup, and the subject must stay one line.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from shared.domain.notifications import KINDS
from shared.notifications.content import MalformedNotification
from shared.notifications.render import render

SCRIPT = '<script>alert("x")</script>'
BREAKOUT = '"><img src=x onerror=alert(1)>'
RTL = "\u202eمحطة الشحن\u202c שלום"
LONG = "W" * 5000
HOSTILE = f"{SCRIPT}{BREAKOUT}{RTL}\r\nBcc: victim@example.com {LONG}"


def body_for(kind: str, hostile: str = HOSTILE) -> dict[str, Any]:
    return {
        "userId": "usr_1", "providerId": "prv_1", "stationId": "stn_1", "stationName": hostile,
        "sessionId": "ses_1", "connectorKey": "CP-1/1", "chargerId": "CP-1", "energyWh": 12345,
        "durationSeconds": 5400, "costTotal": "12.40", "currency": "EUR", "amount": "12.40", "total": "12.40",
        "amountCollected": "12.40", "invoiceId": "inv_1", "invoiceNumber": hostile, "startsAt": "2026-03-01T12:00:00Z",
        "endsAt": "2026-03-01T12:30:00Z", "timeZone": "Europe/Berlin", "errorCode": hostile, "rating": 4,
        "text": hostile, "status": "rejected" if kind == "ApplicationDecided" else "stopped", "displayName": hostile,
        "reason": hostile, "at": "2026-03-01T12:00:00Z", "final": True, "cause": "maintenance",
    }  # fmt: skip


CASES = [(kind, lang) for kind in KINDS for lang in ("en", "de")]


@pytest.mark.parametrize("kind, lang", CASES)
def test_every_template_escapes_hostile_input(kind: str, lang: str) -> None:
    out = render(
        kind, body_for(kind), language=lang, base_url="https://app.test", unsubscribe_url="https://u.test/?a=1&b=2"
    )
    assert "<script" not in out.html.lower()
    assert "<img" not in out.html.lower()
    assert "onerror=alert(1)>" not in out.html  # the attribute break-out stays inside text
    assert "\r" not in out.subject and "\n" not in out.subject and len(out.subject) <= 200
    assert 'href="https://u.test/?a=1&amp;b=2"' in out.html  # URLs are escaped in attributes too
    assert out.html.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in out.html
    # no tag other than the template's own
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out.html))
    assert tags <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "p",
        "h1",
        "bdi",
        "table",
        "tr",
        "th",
        "td",
        "strong",
        "a",
        "hr",
    }


@pytest.mark.parametrize("kind", ["SessionStarted", "ReviewPosted", "ProblemReported", "ChargerFaulted"])
def test_hostile_text_is_shown_escaped_in_html_and_verbatim_in_text(kind: str) -> None:
    out = render(kind, body_for(kind), language="en", base_url="https://app.test", unsubscribe_url=None)
    assert html.escape(SCRIPT) in out.html.replace("&#34;", "&quot;")
    assert SCRIPT in out.text  # plain text is not HTML: escaping would show "&lt;" to the reader
    assert RTL in out.text
    assert "<bdi>" in out.html  # user text is isolated, so right-to-left runs cannot reorder the sentence


def test_subject_cuts_a_long_name_and_drops_line_breaks() -> None:
    out = render("SessionStarted", body_for("SessionStarted"), language="en", base_url="", unsubscribe_url=None)
    assert out.subject.startswith("Charging started at")
    assert out.subject.endswith("…") and len(out.subject) == 200


def test_german_money_dates_and_words() -> None:
    body = body_for("SessionStopped", hostile="Ladepark Nord")
    out = render("SessionStopped", body, language="de-AT", base_url="", unsubscribe_url=None)
    assert out.subject == "Ladevorgang an Ladepark Nord beendet"
    assert "12,40\xa0€" in out.text and "12,345 kWh" in out.text and "Dauer: 1:30 Std." in out.text
    reminder = render("ReservationReminder", body, language="de", base_url="", unsubscribe_url=None)
    assert "01.03.2026, 13:00" in reminder.text  # 12:00 UTC in the station's zone (Berlin)


def test_english_invoice_links_to_the_pdf() -> None:
    body = body_for("InvoiceIssued", hostile="INV-2026-0001")
    out = render("InvoiceIssued", body, language="en", base_url="https://app.test", unsubscribe_url=None)
    assert out.subject == "Your invoice INV-2026-0001"
    assert "€12.40" in out.text
    assert 'href="https://app.test/api/invoices/inv_1/pdf"' in out.html


def test_missing_field_is_a_malformed_notification() -> None:
    with pytest.raises(MalformedNotification):
        render("InvoiceIssued", {"userId": "usr_1"}, language="en", base_url="", unsubscribe_url=None)


def test_security_mail_has_no_unsubscribe_link_when_none_given() -> None:
    out = render("PasswordChanged", body_for("PasswordChanged"), language="en", base_url="", unsubscribe_url=None)
    assert "Unsubscribe" not in out.text and "<a " not in out.html
    assert "If this was not you" in out.text
