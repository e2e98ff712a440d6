"""Monthly statements per provider (DESIGN section 7): sessions billed, energy, revenue, VAT, commission, payout.

A statement covers one calendar month in UTC. A session counts in the month it stopped in when its payment
was settled (captured, or given up as uncollectible) by the time that month's statements are made, 02:00 UTC
on the 1st of the next month (``GRACE``: a session stopped at 23:59:59 is captured seconds later). One
settled later (a capture retried for days) shows as pending there and counts in the statement made next after
its settlement. A refund counts in the calendar month it was made. So each session and each refund counts in
exactly one statement, and all a statement counts was written before it is made: it is made only once its
month is closed, and then never changes (a re-run computes the same figures and the same bytes).

``issue_statement`` stores it once: the PDF and the CSV in the invoices blob container under
``<providerId>/statements/<YYYY-MM>.pdf|csv``, then the statement document ``stm_<providerId>_<YYYY-MM>``
(``invoices`` container, type ``statement``). The document is created last: its presence means done, so a
crash before it leaves a provider to do again (the blobs are replaced, nobody has seen them), and two runs at
once meet on the create. ``run_monthly_statements`` does that for every provider, suspended ones too (what
they earned is owed to them), skipping those done: a second run, or a timer firing twice, changes nothing.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.domain.errors import InvalidInput
from shared.domain.statements import Month, Statement, statement_id_for
from shared.invoices.statement_pdf import render_statement_pdf
from shared.ports.store import DocumentConflict, DocumentNotFound, Filter, Query
from shared.repositories.providers import get_provider
from shared.services.statement_build import build_statement

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "StatementRun",
    "build_statement",
    "find_statement",
    "issue_statement",
    "list_statements",
    "run_monthly_statements",
]

log = logging.getLogger("wattsup.statements")
C = "invoices"
_LIST_FIELDS = (
    *("month", "periodStart", "periodEnd", "commissionPercent", "totals", "rows", "createdAt", "pdfBlob", "csvBlob"),
)


@dataclass
class StatementRun:
    month: str
    created: list[str] = field(default_factory=list)  # provider ids
    existing: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def closed_month(deps: Deps, month: Month) -> Month:
    """``month``, once it is over (a statement of a month still running would change)."""
    if month.closes_at > deps.clock.now():
        raise InvalidInput(
            f"{month} is not closed yet: its statements are made from {month.closes_at:%Y-%m-%d %H:%M} UTC.",
            code="month_not_closed",
        )
    return month


async def find_statement(deps: Deps, provider_id: str, month: Month) -> Statement | None:
    try:
        return Statement.model_validate(await deps.store.read(C, statement_id_for(provider_id, month), provider_id))
    except DocumentNotFound:
        return None


async def list_statements(
    deps: Deps, provider_id: str, *, limit: int, continuation: str | None
) -> tuple[list[Statement], str | None]:
    """The provider's statements, latest month first (without their stations' lines)."""
    where = (Filter("type", "eq", "statement"), Filter("providerId", "eq", provider_id))
    query = Query(
        where,
        order_by="month",
        descending=True,
        limit=limit,
        continuation=continuation,
        partition_key=provider_id,
        fields=_LIST_FIELDS,
    )
    page = await deps.store.query(C, query)
    items = [Statement.model_validate({**d, "stations": [], "type": "statement"}) for d in page.items]
    return items, page.continuation


async def issue_statement(deps: Deps, provider_id: str, month: Month) -> tuple[Statement, bool]:
    """The provider's statement of ``month``, made and stored unless it exists; True when made now."""
    found = await find_statement(deps, provider_id, closed_month(deps, month))
    if found is not None:
        return found, False
    provider = await get_provider(deps.store, provider_id)
    # The CSV goes to a temporary file as it is written (about 110 bytes a session): only the finished
    # bytes are held, once, to store them.
    with tempfile.TemporaryFile("w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        statement = await build_statement(deps, provider_id, month, rows=text)
        text.flush()
        text.detach()
        raw.seek(0)
        csv_bytes = raw.read()
    pdf = render_statement_pdf(statement, provider, font_dir=deps.settings.invoice_font_dir or None)
    container = deps.settings.invoices_container
    await deps.blobs.put(container, statement.pdf_blob, pdf, "application/pdf", overwrite=True)
    await deps.blobs.put(container, statement.csv_blob, csv_bytes, "text/csv; charset=utf-8", overwrite=True)
    del csv_bytes
    try:
        stored = await deps.store.create(C, statement.model_dump(mode="json", by_alias=True))
    except DocumentConflict:  # another run made it first, from the same records
        found = await find_statement(deps, provider_id, month)
        if found is None:
            raise
        return found, False
    return Statement.model_validate(stored), True


async def _provider_ids(deps: Deps) -> list[str]:
    ids: list[str] = []
    token: str | None = None
    while True:
        query = Query((Filter("type", "eq", "provider"),), limit=500, continuation=token, fields=("status",))
        page = await deps.store.query("providers", query)
        ids += [str(d["id"]) for d in page.items]
        if (token := page.continuation) is None:
            return sorted(ids)


async def run_monthly_statements(deps: Deps, month: Month) -> StatementRun:
    """Every provider's statement of ``month`` (idempotent; one provider failing does not stop the others)."""
    run = StatementRun(str(closed_month(deps, month)))
    for provider_id in await _provider_ids(deps):
        try:
            _, made = await issue_statement(deps, provider_id, month)
        except Exception:  # noqa: BLE001 - logged and reported; the next run retries this provider
            log.exception("statement of %s for %s failed", provider_id, month)
            run.failed.append(provider_id)
            continue
        (run.created if made else run.existing).append(provider_id)
    return run
