"""Providers' monthly statements: the timer on the 1st, the admins' run, and reading them (JSON, PDF, CSV).

A provider's staff and admins see their own provider's statements; another provider's answer 404.
"""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import Field

from functions.payments import api, bp
from shared import bootstrap
from shared.domain.errors import NotFound
from shared.domain.model import ApiModel, InputModel
from shared.domain.principal import Role, guard
from shared.domain.statements import Month, Statement, StatementPublic
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.ports.blobs import BlobNotFound, content_disposition
from shared.services.statements import find_statement, list_statements, run_monthly_statements

log = logging.getLogger("wattsup.statements")
PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class StatementRunQuery(InputModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a month that is over (UTC)")


class StatementRunPublic(ApiModel):
    month: str
    created: list[str]  # provider ids whose statement this run made
    existing: list[str]  # made before: unchanged
    failed: list[str]  # to run again


@bp.timer_trigger(schedule="0 0 2-23 1 * *", arg_name="timer", run_on_startup=False)
async def monthly_statements(timer: func.TimerRequest) -> None:
    """02:00 UTC on the 1st, and each hour after until the day ends: every provider's statement of the month
    before. The later runs find the statements made and leave them alone; they finish a run that failed."""
    deps = await bootstrap.ready()
    run = await run_monthly_statements(deps, Month.of(deps.clock.now()).previous())
    if run.created or run.failed:
        log.info("statements %s: %d made, %d existing", run.month, len(run.created), len(run.existing))
    if run.failed:
        log.error("statements %s failed for %s: run them again", run.month, ", ".join(run.failed))


async def _statement(call: Call) -> Statement:
    provider_id = call.route["providerId"]
    guard.tenant(call.principal, provider_id)
    found = await find_statement(call.deps, provider_id, Month.parse(call.route["month"]))
    if found is None:
        raise NotFound("There is no statement for that month.", code="statement_not_found")
    return found


@api.route(
    "providers/{providerId}/statements",
    roles=PROVIDER_ROLES,
    query=ListQuery,
    response=Paged[StatementPublic],
    errors=(403, 404),
    summary="The provider's monthly statements, latest first (totals per currency)",
)
async def list_provider_statements(call: Call) -> Paged[StatementPublic]:
    provider_id, q = call.route["providerId"], call.query
    guard.tenant(call.principal, provider_id)
    items, token = await list_statements(call.deps, provider_id, limit=q.limit, continuation=q.continuation_token)
    return Paged[StatementPublic](
        items=[StatementPublic.of(s, with_stations=False) for s in items], continuation_token=token
    )


@api.route(
    "providers/{providerId}/statements/{month}",
    roles=PROVIDER_ROLES,
    response=StatementPublic,
    errors=(403, 404, 422),
    summary="One month's statement: totals and per-station lines per currency",
)
async def get_provider_statement(call: Call) -> StatementPublic:
    return StatementPublic.of(await _statement(call))


async def _download(call: Call, kind: str, content_type: str) -> Reply:
    statement = await _statement(call)
    name = statement.pdf_blob if kind == "pdf" else statement.csv_blob
    try:
        data = await call.deps.blobs.get(call.deps.settings.invoices_container, name)
    except BlobNotFound as exc:
        raise NotFound("The statement's file is missing.", code="statement_file_missing") from exc
    download = f"statement-{statement.month}.{kind}"
    return Reply(data, content_type=content_type, headers={"Content-Disposition": content_disposition(download)})


@api.route(
    "providers/{providerId}/statements/{month}/pdf",
    roles=PROVIDER_ROLES,
    response=bytes,
    errors=(403, 404, 422),
    content_types=("application/pdf",),
    summary="One month's statement as a PDF",
)
async def provider_statement_pdf(call: Call) -> Reply:
    return await _download(call, "pdf", "application/pdf")


@api.route(
    "providers/{providerId}/statements/{month}/csv",
    roles=PROVIDER_ROLES,
    response=bytes,
    errors=(403, 404, 422),
    content_types=("text/csv",),
    summary="One month's statement as CSV: one row per session (or refund), then the totals",
)
async def provider_statement_csv(call: Call) -> Reply:
    return await _download(call, "csv", "text/csv; charset=utf-8")


@api.route(
    "platform/billing/statements",
    methods=["POST"],
    roles=[Role.ADMIN],
    query=StatementRunQuery,
    response=StatementRunPublic,
    errors=(403, 422),
    summary="Make every provider's statement of a month that is over (again: those made stay as they are)",
)
async def run_platform_statements(call: Call) -> StatementRunPublic:
    run = await run_monthly_statements(call.deps, Month.parse(call.query.month))
    return StatementRunPublic(month=run.month, created=run.created, existing=run.existing, failed=run.failed)
