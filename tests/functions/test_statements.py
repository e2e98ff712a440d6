"""Monthly statements per provider: exact sums, month bounds, refunds, commission, idempotent runs, tenancy.

October 2026 at acme, 19 % VAT, commission 7.5 % (set below), statements made at 02:00 UTC on 1 November:

| session | station | due (VAT) | collected | stopped | settled | refunds | counts in October |
|---|---|---|---|---|---|---|---|
| s1 | Mitte | 23.80 (3.80) | 23.80 | 5 Oct | 5 Oct | | yes |
| s2 | Mitte | 11.90 (1.90) | 10.00 + 1.90 top-up | 31 Oct 23:59:59 | 1 Nov 00:00:29 | 5.95, 31 Oct | yes, and refund |
| s3 | Hafen | 17.85 (2.85, from its invoice) | 17.85 | 10 Oct | 10 Oct | | yes |
| s4 | Hafen | 50.00 | 50.00 | 1 Nov 00:00:00 | 1 Nov | | no: November |
| s5 | Hafen | 59.50 (9.50) | 59.50 | 30 Sep | 30 Sep | 11.90 on 3 Oct | its refund only |
| s6 | Hafen | 10.00 | none yet (capture_failed) | 20 Oct | | | pending |
| s7 | Hafen | 11.90 (1.90) | 11.90 | 28 Sep | 2 Oct 09:00 (retried) | | yes (settled late) |
| s8 | Mitte | 11.90 (1.90) | 11.90 | 15 Oct | 1 Nov 03:00 (retried) | | pending: November's |
| s9 | Mitte | CHF 10.81 (0.81) | 10.81 | 12 Oct | 12 Oct | | yes, in CHF |

EUR: Mitte collected 35.70 (VAT 5.70), refunded 5.95 (VAT 0.95): revenue 29.75, VAT 4.75, excl. 25.00.
Hafen collected 29.75 (VAT 4.75), refunded 11.90 (VAT 1.90): revenue 17.85, VAT 2.85, excl. 15.00.
Commission 7.5 % of 40.00 = 3.00 (Mitte 1.875 and Hafen 1.125 split by largest remainder: 1.88 and 1.12);
payout 47.60 - 3.00 = 44.60. CHF: revenue 10.81, VAT 0.81, commission 0.75, payout 10.06.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from azure.functions.timer import TimerRequest

import function_app
from local_host.discovery import functions_of
from shared.bootstrap import Deps
from shared.config import Settings
from shared.domain.billing import PaymentStatus, RefundRecord, SessionPayment, payment_id_for
from shared.domain.invoice_records import InvoiceRecord, invoice_id_for
from shared.domain.statements import Month, commission_split
from shared.invoices.statement_pdf import render_statement_pdf
from shared.services import statements as svc
from tests.conftest import make_settings
from tests.fakes import FakeClock
from tests.providers_fixture import ProviderTeam, driver, platform_admin, station_body

DRIVER = "usr_driver_statements"
OCT = Month(2026, 10)
RUN_AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(RUN_AT)  # when October's statements are made; tenants and tokens are made then too


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, PLATFORM_COMMISSION_PERCENT="7.5")


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


async def station(functions: Any, team: ProviderTeam, name: str) -> str:
    created = await functions(
        "create_station", "POST", token=team.admin.token, route={"providerId": team.id}, body=station_body(name=name)
    )
    assert created.status == 201, created.json
    return str(created.json["id"])


async def pay(
    deps: Deps,
    team: ProviderTeam,
    station_id: str,
    key: str,
    *,
    due: int,
    vat: int | None,
    stopped: datetime,
    settled: datetime | None = None,
    status: PaymentStatus = "captured",
    topped_up: int = 0,
    energy_wh: int = 10_000,
    refunds: tuple[tuple[int, datetime], ...] = (),
    currency: str = "EUR",
) -> SessionPayment:
    """A payment record as billing leaves it; ``vat`` None: no ``vatMinor``, the VAT is on an invoice."""
    settled_at = (settled or stopped + timedelta(seconds=30)) if status in ("captured", "uncollectible") else None
    records = [
        RefundRecord(id=f"ref_{key}_{n}", amount_minor=amount, reason="fault", by="usr_staff", at=when)
        for n, (amount, when) in enumerate(refunds)
    ]
    captured = due - topped_up if settled_at else 0
    payment = SessionPayment(
        id=payment_id_for(f"ses_{key}"),
        user_id=DRIVER,
        provider_id=team.id,
        station_id=station_id,
        session_id=f"ses_{key}",
        currency=currency,
        status=status,
        due_minor=due,
        captured_minor=captured,
        topped_up_minor=topped_up if settled_at else 0,
        refunded_minor=sum(r.amount_minor for r in records),
        refunds=records,
        stopped_at=stopped,
        settled_at=settled_at,
        energy_wh=energy_wh,
        created_at=stopped - timedelta(hours=1),
        updated_at=max([settled_at or stopped, *(r.at for r in records)]),
    )
    doc = payment.model_dump(mode="json", by_alias=True)
    if vat is not None:  # as billing writes it at settle
        doc["vatMinor"] = vat
    else:  # a record from before vatMinor: its VAT is on its invoice
        del doc["vatMinor"]
    await deps.store.create("payments", doc)
    return payment


async def invoice(deps: Deps, payment: SessionPayment, vat: Decimal, total: Decimal) -> None:
    record = InvoiceRecord(
        id=invoice_id_for(payment.session_id),
        status="issued",
        provider_id=payment.provider_id,
        user_id=payment.user_id,
        station_id=payment.station_id,
        session_id=payment.session_id,
        payment_id=payment.id,
        year=2026,
        currency=payment.currency,
        total_excl_vat=total - vat,
        total_vat=vat,
        total_incl_vat=total,
        created_at=payment.settled_at or payment.created_at,
    )
    await deps.store.create("invoices", record.model_dump(mode="json", by_alias=True))


@pytest.fixture
async def october(deps: Deps, functions: Any, acme: ProviderTeam) -> dict[str, str]:
    mitte, hafen = await station(functions, acme, "Depot Mitte"), await station(functions, acme, "Hafen")
    await pay(deps, acme, mitte, "s1", due=2380, vat=380, stopped=at("2026-10-05T10:00"), energy_wh=50_000)
    await pay(
        deps, acme, mitte, "s2", due=1190, vat=190, topped_up=190, stopped=at("2026-10-31T23:59:59"),
        energy_wh=25_000, refunds=((595, at("2026-10-31T23:59:59.900000")),),
    )  # fmt: skip
    s3 = await pay(deps, acme, hafen, "s3", due=1785, vat=None, stopped=at("2026-10-10T08:00"), energy_wh=30_000)
    await invoice(deps, s3, Decimal("2.85"), Decimal("17.85"))
    await pay(deps, acme, hafen, "s4", due=5000, vat=798, stopped=at("2026-11-01T00:00"))
    await pay(
        deps, acme, hafen, "s5", due=5950, vat=950, stopped=at("2026-09-30T23:59:59"),
        refunds=((1190, at("2026-10-03T12:00")),),
    )  # fmt: skip
    await pay(deps, acme, hafen, "s6", due=1000, vat=160, stopped=at("2026-10-20T12:00"), status="capture_failed")
    await pay(
        deps, acme, hafen, "s7", due=1190, vat=190, stopped=at("2026-09-28T12:00"), settled=at("2026-10-02T09:00")
    )
    await pay(
        deps, acme, mitte, "s8", due=1190, vat=190, stopped=at("2026-10-15T12:00"), settled=at("2026-11-01T03:00")
    )
    await pay(
        deps, acme, mitte, "s9", due=1081, vat=81, stopped=at("2026-10-12T12:00"), currency="CHF", energy_wh=12_345
    )
    return {"mitte": mitte, "hafen": hafen}


def route(team: ProviderTeam, month: str = "2026-10") -> dict[str, str]:
    return {"providerId": team.id, "month": month}


async def run_october(functions: Any, deps: Deps) -> Any:
    ran = await functions(
        "run_platform_statements", "POST", token=platform_admin(deps).token, params={"month": "2026-10"}
    )
    assert ran.status == 200, ran.json
    return ran.json


class TestAmounts:
    async def test_totals_per_currency_are_exact(self, functions, deps, acme, october) -> None:
        await run_october(functions, deps)
        got = await functions("get_provider_statement", token=acme.staff.token, route=route(acme))
        assert got.status == 200, got.json
        chf, eur = got.json["totals"]  # by currency code
        assert {k: eur[k] for k in eur if k not in ("stationId", "stationName")} == {
            "currency": "EUR",
            "sessions": 4,  # s1, s2, s3, s7
            "energyKwh": "115",
            "collectedInclVat": "65.45",
            "refundedInclVat": "17.85",
            "revenueInclVat": "47.60",
            "vat": "7.60",
            "revenueExclVat": "40.00",
            "commission": "3.00",
            "payout": "44.60",
            "pendingSessions": 2,  # s6 (capture failed), s8 (captured after the statements were made)
        }
        assert (chf["currency"], chf["revenueInclVat"], chf["vat"], chf["commission"], chf["payout"]) == (
            "CHF", "10.81", "0.81", "0.75", "10.06",
        )  # fmt: skip
        assert (chf["sessions"], chf["energyKwh"]) == (1, "12.345")
        assert got.json["month"] == "2026-10" and got.json["commissionPercent"] == "7.5"

    async def test_stations_add_up_to_the_total_and_split_the_commission_by_largest_remainder(
        self, functions, deps, acme, october
    ) -> None:
        await run_october(functions, deps)
        got = await functions("get_provider_statement", token=acme.admin.token, route=route(acme))
        lines = {(s["stationName"], s["currency"]): s for s in got.json["stations"]}
        mitte, hafen = lines[("Depot Mitte", "EUR")], lines[("Hafen", "EUR")]
        assert (mitte["revenueInclVat"], mitte["vat"], mitte["revenueExclVat"]) == ("29.75", "4.75", "25.00")
        assert (hafen["revenueInclVat"], hafen["vat"], hafen["revenueExclVat"]) == ("17.85", "2.85", "15.00")
        # 1.875 and 1.125: the total 3.00 is rounded once; the tied half cent goes to the first station by id
        first = min(october.values())
        expected = {first: Decimal("0.005"), max(october.values()): Decimal("-0.005")}  # the cent to the first
        assert Decimal(mitte["commission"]) == Decimal("1.875") + expected[october["mitte"]]
        assert Decimal(hafen["commission"]) == Decimal("1.125") + expected[october["hafen"]]
        assert Decimal(mitte["payout"]) + Decimal(hafen["payout"]) == Decimal("44.60")
        assert lines[("Depot Mitte", "CHF")]["payout"] == "10.06"

    async def test_refunds_made_in_the_month_reduce_its_revenue_whenever_the_session_was(
        self, functions, deps, acme, october
    ) -> None:
        await run_october(functions, deps)
        got = await functions("get_provider_statement", token=acme.admin.token, route=route(acme))
        hafen = next(s for s in got.json["stations"] if s["stationName"] == "Hafen")
        # s5 stopped in September: its October refund of 11.90 (VAT 1.90) counts here, its revenue does not
        assert (hafen["collectedInclVat"], hafen["refundedInclVat"], hafen["sessions"]) == ("29.75", "11.90", 2)

    def test_commission_is_rounded_once_and_split_exactly(self) -> None:
        assert commission_split([1, 1, 1], Decimal(50)) == (2, [1, 1, 0])  # 1.5 -> 2, not 3 x round(0.5)
        assert commission_split([333, 333, 334], Decimal(10)) == (100, [33, 33, 34])
        total, shares = commission_split([-1000, 2501], Decimal("7.5"))  # refunds can make a base negative
        assert total == 113 and sum(shares) == 113 and shares == [-75, 188]


class TestMonthBounds:
    async def test_a_session_stopped_at_the_last_second_is_in_the_month_and_midnight_is_the_next(
        self, functions, deps, acme, october, clock
    ) -> None:
        await run_october(functions, deps)
        oct_csv = await functions("provider_statement_csv", token=acme.admin.token, route=route(acme))
        assert "ses_s2" in oct_csv.body.decode() and "ses_s4" not in oct_csv.body.decode()
        clock.current = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        ran = await functions(
            "run_platform_statements",
            "POST",
            token=platform_admin(deps).renewed(deps).token,
            params={"month": "2026-11"},
        )
        assert ran.status == 200, ran.json
        nov = await functions(
            "get_provider_statement", token=acme.admin.renewed(deps).token, route=route(acme, "2026-11")
        )
        [eur] = nov.json["totals"]
        # s4 (stopped at 00:00 on 1 November) and s8 (stopped in October, captured after October's statements)
        assert (eur["sessions"], eur["revenueInclVat"], eur["pendingSessions"]) == (2, "61.90", 0)

    def test_months_are_utc_calendar_months(self) -> None:
        assert (OCT.start, OCT.end) == (at("2026-10-01T00:00"), at("2026-11-01T00:00"))
        assert Month(2026, 12).next() == Month(2027, 1) and Month(2027, 1).previous() == Month(2026, 12)
        assert Month.of(datetime(2026, 11, 1, 0, 30, tzinfo=UTC)).previous() == OCT
        assert Month.parse("2026-10") == OCT

    async def test_a_month_not_closed_yet_is_refused(self, functions, deps, acme, october, clock) -> None:
        clock.current = datetime(2026, 11, 1, 1, 59, tzinfo=UTC)
        early = await functions(
            "run_platform_statements", "POST", token=platform_admin(deps).token, params={"month": "2026-10"}
        )
        assert (early.status, early.json["code"]) == (422, "month_not_closed")
        bad = await functions(
            "get_provider_statement", token=acme.admin.renewed(deps).token, route=route(acme, "2026-13")
        )
        assert (bad.status, bad.json["code"]) == (422, "invalid_month")


class TestRuns:
    async def test_running_twice_makes_one_statement_and_the_same_files(
        self, functions, deps, acme, rival, october
    ) -> None:
        first = await run_october(functions, deps)
        assert sorted(first["created"]) == sorted([acme.id, rival.id]) and first["failed"] == []
        pdf = await deps.blobs.info(deps.settings.invoices_container, f"{acme.id}/statements/2026-10.pdf")
        second = await run_october(functions, deps)
        assert second["created"] == [] and sorted(second["existing"]) == sorted([acme.id, rival.id])
        assert await deps.blobs.info(deps.settings.invoices_container, f"{acme.id}/statements/2026-10.pdf") == pdf
        listed = await functions("list_provider_statements", token=acme.admin.token, route={"providerId": acme.id})
        assert [s["month"] for s in listed.json["items"]] == ["2026-10"]
        assert listed.json["items"][0]["stations"] is None
        assert listed.json["items"][0]["pdfUrl"] == f"/api/providers/{acme.id}/statements/2026-10/pdf"

    async def test_the_timer_on_the_first_runs_the_previous_month_and_twice_is_harmless(
        self, deps, acme, october
    ) -> None:
        (timer,) = [f for f in functions_of(function_app.app) if f.get_function_name() == "monthly_statements"]
        assert timer.get_trigger().schedule == "0 0 2-23 1 * *"  # 02:00, and each hour after to finish a failed run
        await timer.get_user_function()(TimerRequest(past_due=False))
        made = await svc.find_statement(deps, acme.id, OCT)
        assert made is not None and made.totals[1].payout == Decimal("44.60")
        await timer.get_user_function()(TimerRequest(past_due=False))
        again = await svc.find_statement(deps, acme.id, OCT)
        assert again is not None and again.etag == made.etag

    async def test_a_run_that_failed_for_one_provider_resumes_with_it(
        self, functions, deps, acme, rival, october, monkeypatch
    ) -> None:
        real = render_statement_pdf

        def crash_for_acme(statement, provider, **kw):
            if provider.id == acme.id:
                raise RuntimeError("worker died")
            return real(statement, provider, **kw)

        monkeypatch.setattr("shared.services.statements.render_statement_pdf", crash_for_acme)
        first = await run_october(functions, deps)
        assert (first["failed"], first["created"]) == ([acme.id], [rival.id])
        assert await svc.find_statement(deps, acme.id, OCT) is None
        monkeypatch.setattr("shared.services.statements.render_statement_pdf", real)
        second = await run_october(functions, deps)
        assert (second["created"], second["existing"], second["failed"]) == ([acme.id], [rival.id], [])


class TestFiles:
    async def test_the_csv_has_a_row_per_session_and_refund_then_the_totals(
        self, functions, deps, acme, october
    ) -> None:
        await run_october(functions, deps)
        got = await functions("provider_statement_csv", token=acme.staff.token, route=route(acme))
        assert got.status == 200 and got.headers["content-type"].startswith("text/csv")
        assert 'filename="statement-2026-10.csv"' in got.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(got.body.decode("utf-8"))))
        sessions = {r["session_id"]: r for r in rows if r["kind"] != "total"}
        assert set(sessions) == {"ses_s1", "ses_s2", "ses_s3", "ses_s5", "ses_s7", "ses_s9"}
        s2 = sessions["ses_s2"]
        assert (s2["station"], s2["kwh"], s2["amount_excl_vat"], s2["vat"], s2["amount_incl_vat"]) == (
            "Depot Mitte", "25", "10.00", "1.90", "11.90",
        )  # fmt: skip
        assert (s2["refunded_incl_vat"], s2["commission"]) == ("5.95", "0.375")  # 7.5 % of 5.00, exact
        s5 = sessions["ses_s5"]
        assert (s5["kind"], s5["amount_incl_vat"], s5["refunded_incl_vat"], s5["commission"]) == (
            "refund", "0.00", "11.90", "-0.75",
        )  # fmt: skip
        totals = {r["currency"]: r for r in rows if r["kind"] == "total"}
        assert (totals["EUR"]["amount_incl_vat"], totals["EUR"]["refunded_incl_vat"]) == ("65.45", "17.85")
        assert (totals["EUR"]["commission"], totals["EUR"]["payout"]) == ("3.00", "44.60")
        exact = sum(Decimal(r["commission"]) for r in sessions.values() if r["currency"] == "EUR")
        assert exact == Decimal("3.000")  # the rows' exact shares add up to the total before its rounding

    async def test_the_pdf_is_a_pdf(self, functions, deps, acme, october) -> None:
        await run_october(functions, deps)
        got = await functions("provider_statement_pdf", token=acme.admin.token, route=route(acme))
        assert got.status == 200 and got.body.startswith(b"%PDF-") and got.headers["content-type"] == "application/pdf"
        assert 'filename="statement-2026-10.pdf"' in got.headers["content-disposition"]

    async def test_a_provider_without_sessions_gets_an_empty_statement(self, functions, deps, rival, october) -> None:
        await run_october(functions, deps)
        got = await functions("get_provider_statement", token=rival.admin.token, route=route(rival))
        assert got.status == 200 and got.json["totals"] == [] and got.json["stations"] == []
        pdf = await functions("provider_statement_pdf", token=rival.admin.token, route=route(rival))
        assert pdf.body.startswith(b"%PDF-")


class TestTenancy:
    async def test_a_provider_never_sees_another_providers_statements(
        self, functions, deps, acme, rival, october
    ) -> None:
        await run_october(functions, deps)
        for name in ("get_provider_statement", "provider_statement_pdf", "provider_statement_csv"):
            for member in (rival.admin, rival.staff):
                answer = await functions(name, token=member.token, route=route(acme))
                assert answer.status == 404, (name, answer.json)
        listed = await functions("list_provider_statements", token=rival.admin.token, route={"providerId": acme.id})
        assert listed.status == 404
        own = await functions("list_provider_statements", token=rival.admin.token, route={"providerId": rival.id})
        assert [s["providerId"] for s in own.json["items"]] == [rival.id]
        admin = await functions("get_provider_statement", token=platform_admin(deps).token, route=route(acme))
        assert admin.status == 200

    async def test_drivers_and_strangers_cannot_read_or_run(self, functions, deps, acme, october) -> None:
        await run_october(functions, deps)
        someone = await driver(deps, "someone@example.com", card=None)
        assert (await functions("get_provider_statement", token=someone.token, route=route(acme))).status == 403
        assert (await functions("get_provider_statement", route=route(acme))).status == 401
        run = await functions("run_platform_statements", "POST", token=acme.admin.token, params={"month": "2026-10"})
        assert run.status == 403

    async def test_a_month_without_a_statement_is_404(self, functions, deps, acme, october) -> None:
        got = await functions("get_provider_statement", token=acme.admin.token, route=route(acme, "2026-08"))
        assert (got.status, got.json["code"]) == (404, "statement_not_found")
