"""Reviews and notifications end to end on a real local host with a simulated charger, on the embedded
defaults: a whole session leaves the driver's emails in the outbox folder, once each, with the right amounts,
however often the bus is drained; a review needs a completed session; a hidden review leaves the rating.

The tariff is 0.50 EUR/kWh + 19 % VAT (tests/e2e/test_charging_flow.py's world).
"""

from __future__ import annotations

import email
from decimal import Decimal
from email import policy
from email.message import Message as EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from tests.e2e.test_charging_flow import World, world  # noqa: F401 - the fixture
from tests.providers_fixture import platform_admin

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def outbox(world: World) -> list[EmailMessage]:  # noqa: F811
    folder = Path(world.deps.settings.sqlite_path).parent / "outbox"
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def text_of(mail: EmailMessage) -> str:
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no plain-text part")


async def drain(world: World) -> None:  # noqa: F811
    """Deliver everything: events, then the notifications they queue (bounded)."""
    for _ in range(10):
        if await world.host.drain() == 0:
            return
    raise AssertionError("the bus kept producing messages")


async def test_a_session_mails_the_driver_once_each_and_reviews_follow_the_rules(world: World) -> None:  # noqa: F811
    auth = world.auth()
    async with world.charger() as cp:
        await cp.wait_for_status(1, "Available")
        started = await world.start(caps={"maxKwh": "1"})
        assert started.status_code == 201, started.text
        session_id = started.json()["id"]

        # no review before the session is over
        early = await world.http.post(
            f"/api/stations/{world.station_id}/reviews", json={"sessionId": session_id, "rating": 5}, headers=auth
        )
        assert early.status_code in (409, 422), early.text

        final = await world.until(session_id, lambda v: v["status"] == "stopped", "the cap")
        await drain(world)
        await drain(world)  # a second pass finds nothing new to send

    mails = outbox(world)
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert {parseaddr(str(m["To"]))[1] for m in mails} == {"e2e-driver@example.com"}
    invoice_number = next(s for s in subjects if s.startswith("Your invoice ")).removeprefix("Your invoice ")
    assert subjects == sorted(
        [
            "Charging started at Depot Mitte",
            "Your limit was reached at Depot Mitte",
            "Charging finished at Depot Mitte",
            f"Payment received: €{final['cost']['amount']}",
            f"Your invoice {invoice_number}",
        ]
    ), subjects
    finished = next(m for m in mails if str(m["Subject"]).startswith("Charging finished"))
    body = text_of(finished)
    assert f"€{final['cost']['amount']}" in body  # the cost, as charged
    energy = Decimal(final["energyKwh"])
    assert f"{energy:.3f}".rstrip("0").rstrip(".") in body or str(energy) in body

    inbox = (await world.http.get("/api/me/notifications", headers=auth)).json()["items"]
    assert sorted(n["kind"] for n in inbox) == sorted(
        ["SessionStarted", "CapReached", "SessionStopped", "PaymentCaptured", "InvoiceIssued"]
    )

    # now the review is welcome; a hidden one leaves the rating
    review = await world.http.post(
        f"/api/stations/{world.station_id}/reviews",
        json={"sessionId": session_id, "rating": 2, "text": "<script>alert(1)</script> slow"},
        headers=auth,
    )
    assert review.status_code == 201, review.text
    rating = (await world.http.get(f"/api/stations/{world.station_id}/rating")).json()
    assert (rating["average"], rating["count"]) == (2.0, 1)
    admin = {"Authorization": f"Bearer {platform_admin(world.deps).token}"}
    hidden = await world.http.post(
        f"/api/platform/reviews/{review.json()['id']}/hide", json={"reason": "Not about the station"}, headers=admin
    )
    assert hidden.status_code == 200, hidden.text
    rating = (await world.http.get(f"/api/stations/{world.station_id}/rating")).json()
    assert (rating["average"], rating["count"]) == (None, 0)
    listed = (await world.http.get(f"/api/stations/{world.station_id}/reviews")).json()["items"]
    assert listed == []
