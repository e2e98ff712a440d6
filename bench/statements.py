"""The monthly statement run over 100,000 sessions of one provider, on the embedded SQLite store.

Seeds (not measured) one provider with 20 stations and ``--sessions`` payment records stopped in October
2026 (2 % still being collected, 1 % uncollectible with half collected, 30 % with a top-up, 1 % refunded in
the month), ``--earlier`` records stopped in September (half of them settled late, on 3 October, and half
refunded in October) and ``--other`` records of another provider, written straight through the SQLite
adapter in batches of 5,000 (one transaction each). Then, at 02:00 UTC on 1 November, measures:

- ``statement``: ``issue_statement`` for the provider, the whole path: both paged, projected queries, the
  aggregation, the CSV (to a temporary file), the PDF, both blobs and the statement document;
- the same again under ``tracemalloc`` (slower), for the peak of Python allocations;
- ``baseline``: the way that holds everything: every payment record of the month read whole and validated
  as a ``SessionPayment`` into one list, and summed (no CSV, no PDF); timed, then again under ``tracemalloc``.

The statement's totals must equal the sums kept while seeding, or the script exits 1. Process peak RSS
(``ru_maxrss``) is printed after each step; it includes the seeding's and the baseline's own peaks.
Usage: ``.venv/bin/python bench/statements.py [--sessions N] [--earlier N] [--other N]``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import FixedClock, scratch_settings  # noqa: E402

from shared import bootstrap  # noqa: E402
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore  # noqa: E402
from shared.domain.billing import SessionPayment, payment_id_for  # noqa: E402
from shared.domain.providers import Provider  # noqa: E402
from shared.domain.sessions import sortable_time  # noqa: E402
from shared.domain.statements import Month, share, statement_id_for  # noqa: E402
from shared.ports.store import Filter, Query  # noqa: E402
from shared.services.statements import issue_statement  # noqa: E402

OCT = Month(2026, 10)
RUN_AT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
PROVIDER, OTHER = "prv_bench_0001", "prv_bench_0002"
BATCH = 5000


@dataclass
class Expected:
    sessions: int = 0
    energy_wh: int = 0
    collected: int = 0
    collected_vat: int = 0
    refunded: int = 0
    refunded_vat: int = 0


def template() -> dict[str, Any]:
    """The shape billing writes (``SessionPayment`` as JSON), with the ``vatMinor`` the lead adds."""
    now = RUN_AT
    doc = SessionPayment(
        id="pay_x", user_id="usr_x", provider_id=PROVIDER, station_id="stn_x", session_id="ses_x", currency="EUR",
        status="captured", customer_id="cus_" + "0" * 24, payment_method_id="pm_" + "0" * 24, card_brand="visa",
        card_last4="4242", hold_intent_id="pi_" + "0" * 24, hold_minor=5000, hold_incrementable=True,
        invoice_id="inv_x", created_at=now, updated_at=now,
    ).model_dump(mode="json", by_alias=True)  # fmt: skip
    return {**doc, "vatMinor": 0}


def payment(
    rng: random.Random, base: dict[str, Any], provider: str, stopped: datetime, expected: Expected | None
) -> dict[str, Any]:
    """One record stopped at ``stopped``; what the statement of October must count goes into ``expected``."""
    session = f"ses_{uuid.UUID(int=rng.getrandbits(128)).hex}"
    due = rng.randint(200, 8000)
    vat = int((Decimal(due) * 19 / 119).quantize(Decimal(1), ROUND_HALF_UP))
    r = rng.random()
    status = "capture_failed" if r < 0.02 else "uncollectible" if r < 0.03 else "captured"
    collected = 0 if status == "capture_failed" else due // 2 if status == "uncollectible" else due
    topped_up = collected // 3 if status == "captured" and rng.random() < 0.3 else 0
    settled = stopped + timedelta(seconds=rng.randint(2, 40)) if status != "capture_failed" else None
    if stopped < OCT.start and rng.random() < 0.5:  # September: a quarter settled late, in October
        settled = datetime(2026, 10, 3, 9, 0, tzinfo=UTC) if settled else None
    refunds: list[dict[str, Any]] = []
    refund_at = max(stopped, settled or stopped) + timedelta(days=1)
    if status == "captured" and (rng.random() < 0.01 or (stopped < OCT.start and rng.random() < 0.5)):
        refund_at = max(refund_at, datetime(2026, 10, 5, tzinfo=UTC)) if stopped < OCT.start else refund_at
        if refund_at < OCT.end:
            refunds.append({"id": f"ref_{session}", "gatewayRefundIds": ["re_1"], "amountMinor": due // 2,
                            "reason": "fault", "by": "usr_staff", "at": refund_at.isoformat(), "status": "succeeded",
                            "creditNoteId": None})  # fmt: skip
    energy = rng.randint(1000, 80_000)
    updated = max([stopped, settled or stopped, *(refund_at for _ in refunds)])
    doc = {
        **base,
        "id": payment_id_for(session), "userId": f"usr_{rng.randrange(20_000):06d}", "providerId": provider,
        "stationId": f"stn_bench_{rng.randrange(20):02d}", "sessionId": session, "status": status, "dueMinor": due,
        "vatMinor": vat, "capturedMinor": collected - topped_up, "toppedUpMinor": topped_up,
        "refundedMinor": sum(x["amountMinor"] for x in refunds), "refunds": refunds, "energyWh": energy,
        "stoppedAt": sortable_time(stopped), "settledAt": settled.isoformat() if settled else None,
        "createdAt": sortable_time(stopped - timedelta(hours=1)), "updatedAt": updated.isoformat(),
        "invoiceId": f"inv_{session}",
    }  # fmt: skip
    if expected is not None:
        in_month = OCT.start <= stopped < OCT.end
        if settled is not None and (in_month or OCT.start + timedelta(hours=2) <= settled < OCT.closes_at):
            expected.sessions += 1
            expected.energy_wh += energy
            expected.collected += collected
            expected.collected_vat += share(vat, collected, due)
        for x in refunds:
            expected.refunded += x["amountMinor"]
            expected.refunded_vat += share(vat, x["amountMinor"], due)
    return doc


def seed(store: SqliteDocumentStore, args: argparse.Namespace) -> Expected:
    """Straight through the adapter's insert, ``BATCH`` documents per transaction (the bench's bulk path)."""
    rng, base, expected = random.Random(11), template(), Expected()
    seconds = int((OCT.end - OCT.start).total_seconds())
    plan = [(PROVIDER, OCT.start, seconds, args.sessions, True), (OTHER, OCT.start, seconds, args.other, False)]
    plan.append((PROVIDER, OCT.start - timedelta(days=30), 30 * 86400, args.earlier, True))
    for provider, start, span, count, counted in plan:
        for first in range(0, count, BATCH):
            docs = [
                payment(
                    rng, base, provider, start + timedelta(seconds=rng.randrange(span)), expected if counted else None
                )
                for _ in range(min(BATCH, count - first))
            ]
            with store._write("payments") as (conn, spec, now):
                for doc in docs:
                    store._insert(conn, "payments", store._prepare(spec, doc, now), uuid.uuid4().hex, now)
    return expected


async def baseline(deps: bootstrap.Deps) -> tuple[int, int]:
    """Every record of the month whole, validated, in one list; then summed. (sessions, collected)"""
    where = (
        Filter("type", "eq", "payment"), Filter("providerId", "eq", PROVIDER),
        Filter("stoppedAt", "ge", sortable_time(OCT.start)), Filter("stoppedAt", "lt", sortable_time(OCT.end)),
    )  # fmt: skip
    everything: list[SessionPayment] = []
    token = None
    while True:
        page = await deps.store.query("payments", Query(where, limit=1000, continuation=token))
        everything += [SessionPayment.model_validate(d) for d in page.items]
        if (token := page.continuation) is None:
            break
    settled = [p for p in everything if p.status in ("captured", "uncollectible")]
    return len(settled), sum(p.collected_minor for p in settled)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def forget(deps: bootstrap.Deps) -> None:
    """Remove the statement so that the next run makes it again."""
    await deps.store.delete("invoices", statement_id_for(PROVIDER, OCT), PROVIDER)


async def timed_statement(deps: bootstrap.Deps, traced: bool) -> tuple[float, int, Any]:
    gc.collect()
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    statement, made = await issue_statement(deps, PROVIDER, OCT)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    assert made
    return seconds, peak, statement


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="the provider's sessions stopped in October")
    parser.add_argument("--earlier", type=int, default=2_000, help="its sessions stopped in September")
    parser.add_argument("--other", type=int, default=10_000, help="another provider's sessions in October")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-statements-") as folder:
        settings = scratch_settings(Path(folder))
        deps = bootstrap.build(settings, clock=FixedClock(RUN_AT))
        bootstrap.use(deps)
        store = deps.store
        assert isinstance(store, SqliteDocumentStore)
        provider = Provider(
            id=PROVIDER, legal_name="Bench Charging GmbH", display_name="Bench Charging", vat_id="DE123456789",
            country="DE", currency="EUR", support_email="ops@bench.example.com", application_id="pap_bench",
            created_at=RUN_AT, updated_at=RUN_AT,
        )  # fmt: skip
        await store.create("providers", provider.model_dump(mode="json"))
        for n in range(20):
            await store.create("stations", {"id": f"stn_bench_{n:02d}", "type": "station", "providerId": PROVIDER,
                                            "name": f"Bench station {n:02d}"})  # fmt: skip
        await store.query("payments", Query(limit=1))  # creates the table
        start = time.perf_counter()
        expected = seed(store, args)
        print(f"seeded {args.sessions:,} + {args.earlier:,} + {args.other:,} records in "
              f"{time.perf_counter() - start:.1f} s; peak RSS {rss_mb():.0f} MB")  # fmt: skip

        seconds, _, statement = await timed_statement(deps, traced=False)
        rss_after = rss_mb()
        csv_size = (await deps.blobs.info(settings.invoices_container, statement.csv_blob)).size
        pdf_size = (await deps.blobs.info(settings.invoices_container, statement.pdf_blob)).size
        await forget(deps)
        traced_seconds, peak, again = await timed_statement(deps, traced=True)
        gc.collect()
        start = time.perf_counter()
        sessions, collected = await baseline(deps)
        base_seconds = time.perf_counter() - start
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        await baseline(deps)
        base_traced = time.perf_counter() - start
        base_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        await bootstrap.close()

    [total] = statement.totals
    revenue = expected.collected - expected.refunded
    vat = expected.collected_vat - expected.refunded_vat
    want = {
        "sessions": expected.sessions,
        "energy_kwh": Decimal(expected.energy_wh) / 1000,
        "revenue_incl_vat": Decimal(revenue).scaleb(-2),
        "vat": Decimal(vat).scaleb(-2),
        "commission": (Decimal(revenue - vat) * settings.platform_commission_percent / 100)
        .quantize(Decimal(1), ROUND_HALF_UP)
        .scaleb(-2),
    }
    got = {k: getattr(total, k) for k in want}
    print(f"statement: {total.sessions:,} sessions, {total.energy_kwh:,} kWh, revenue {total.revenue_incl_vat:,} EUR, "
          f"VAT {total.vat:,}, commission {total.commission:,}, payout {total.payout:,}; "
          f"{statement.rows:,} CSV rows ({csv_size / 1e6:.1f} MB), PDF {pdf_size / 1e3:.0f} kB")  # fmt: skip
    print(f"{'step':34} {'seconds':>8} {'tracemalloc peak MB':>20} {'peak RSS MB':>12}")
    print(f"{'statement (issue_statement)':34} {seconds:>8.2f} {'-':>20} {rss_after:>12.0f}")
    print(f"{'statement, under tracemalloc':34} {traced_seconds:>8.2f} {peak / 1e6:>20.1f} {'':>12}")
    print(f"{'baseline: all records validated':34} {base_seconds:>8.2f} {'-':>20} {rss_mb():>12.0f}")
    print(f"{'baseline, under tracemalloc':34} {base_traced:>8.2f} {base_peak / 1e6:>20.1f} {'':>12}")
    print(f"statement / baseline time: {seconds / base_seconds:.2f}; tracemalloc peaks: {peak / base_peak:.3f}")
    print(f"baseline counted {sessions:,} settled sessions stopped in October, {collected / 100:,.2f} EUR collected")
    if got != want or again.totals != statement.totals:
        print(f"MISMATCH: statement {got} != seeded sums {want}")
        return 1
    print("totals equal the seeded sums; the second run's totals equal the first's")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
