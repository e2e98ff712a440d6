"""What one notification says: subject, first line, facts and a link, from its kind and body.

Values come from the queue message's body (docs/notifications.md) and are formatted for the reader's
language with Babel (``shared.invoices.formats``). A body missing a field its kind needs raises
``MalformedNotification``: the message is retried and then dead-lettered, where an admin sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.invoices.formats import Formats, Language
from shared.notifications.texts import LABELS, text_of

__all__ = ["Content", "MalformedNotification", "content_of"]


class MalformedNotification(ValueError):
    """The message's body lacks a field (or holds a wrong value) that its kind needs."""


@dataclass(frozen=True)
class Content:
    subject: str
    intro: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    link: tuple[str, str] | None = None  # (label, absolute URL)


class _Data:
    def __init__(self, body: dict[str, Any], language: Language) -> None:
        self.body, self.f, self.labels = body, Formats(language), LABELS[language]
        self.zone = str(body.get("timeZone") or "UTC")

    def text(self, name: str, default: str | None = None) -> str:
        value = self.body.get(name, default)
        if value is None:
            if default is None:
                raise MalformedNotification(f"the body needs {name}")
            return default
        return str(value)

    def money(self, amount: str, currency: str = "currency") -> str:
        try:
            return self.f.money(Decimal(self.text(amount)), self.text(currency))
        except (InvalidOperation, ValueError, KeyError) as exc:
            raise MalformedNotification(f"{amount} is not an amount") from exc

    def moment(self, name: str) -> str:
        try:
            return self.f.moment(datetime.fromisoformat(self.text(name).replace("Z", "+00:00")), self.zone)
        except (ValueError, KeyError) as exc:
            raise MalformedNotification(f"{name} is not a time") from exc

    def energy(self) -> str:
        return f"{self.f.number(Decimal(int(self.text('energyWh', '0'))) / 1000)} kWh"

    def duration(self) -> str:
        minutes = int(self.text("durationSeconds", "0")) // 60
        return f"{minutes // 60}:{minutes % 60:02d} {self.f.unit('h')}"


def content_of(kind: str, body: dict[str, Any], language: Language, base_url: str) -> Content:
    d, labels = _Data(body, language), LABELS[language]
    station = d.text("stationName", d.text("stationId", ""))
    facts: list[tuple[str, str]] = []
    note, link, key, values = "", None, kind, {"station": station}
    if kind == "SessionStopped":
        key = "SessionFailed" if body.get("status") == "failed" else kind
        facts = [(labels["energy"], d.energy()), (labels["duration"], d.duration())]
        if body.get("costTotal") is not None:
            facts.append((labels["cost"], d.money("costTotal")))
    elif kind in ("PaymentCaptured", "PaymentFailed"):
        values["amount"] = d.money("amount" if body.get("amount") is not None else "amountCollected")
        if kind == "PaymentFailed" and body.get("final"):
            note = labels["final"]
    elif kind == "InvoiceIssued":
        values |= {"number": d.text("invoiceNumber"), "amount": d.money("total")}
        link = (labels["invoice"], f"{base_url}/api/invoices/{d.text('invoiceId')}/pdf")
    elif kind.startswith("Reservation"):
        values["start"] = d.moment("startsAt")
        values["cause"] = labels["maintenance" if body.get("cause") == "maintenance" else "fault"]
        facts = [(labels["start"], values["start"]), (labels["connector"], d.text("connectorKey", ""))]
    elif kind in ("ChargerFaulted", "ChargerOffline"):
        values["charger"] = d.text("chargerId")
        if body.get("errorCode"):
            facts = [(labels["connector"], d.text("connectorKey", "")), (labels["error"], d.text("errorCode"))]
    elif kind in ("ReviewPosted", "ProblemReported"):
        values["rating"] = d.text("rating", "-")
        facts = [(labels["comment"], d.text("text", ""))]
    elif kind == "ReviewReplied":
        facts = [(labels["comment"], d.text("text", ""))]
    elif kind == "ReviewHidden":
        facts = [(labels["reason"], d.text("reason", ""))]
    elif kind == "ProblemResolved":
        facts = [(labels["connector"], d.text("connectorKey", "")), (labels["comment"], d.text("note", ""))]
    elif kind == "ApplicationDecided":
        key = "ApplicationApproved" if d.text("status") == "approved" else "ApplicationRejected"
        values["name"] = d.text("displayName")
        if body.get("reason"):
            facts = [(labels["reason"], d.text("reason"))]
    elif kind == "PasswordChanged":
        facts, note = [(labels["at"], d.moment("at"))], labels["security_note"]
    subject, intro = text_of(key, language, **values)
    return Content(subject=subject, intro=intro, facts=[f for f in facts if f[1]], note=note, link=link)
