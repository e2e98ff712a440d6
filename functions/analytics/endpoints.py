"""Analytics over HTTP: a provider's figures, the platform's, a driver's own; each as JSON and as CSV.

A provider's admins and staff see their own provider's figures (another provider's, or a station of another
provider, answer 404); platform figures are for admins; a driver sees only their own statistics.
"""

from __future__ import annotations

from functions.analytics import api
from shared.domain.errors import NotFound
from shared.domain.principal import Role, guard
from shared.http.endpoint import Call
from shared.http.reply import Reply
from shared.ports.blobs import content_disposition
from shared.repositories.stations import read_station
from shared.services.analytics_report import (
    AnalyticsQuery,
    DriverReport,
    ProviderReport,
    driver_report,
    report_csv,
    site_report,
)

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


async def _provider(call: Call) -> ProviderReport:
    provider_id, q = call.route["providerId"], call.query
    guard.tenant(call.principal, provider_id)
    if q.station_id is None:
        return await site_report(call.deps, f"provider:{provider_id}", q)
    await read_station(call.deps.store, provider_id, q.station_id)  # another provider's station: 404
    return await site_report(call.deps, f"station:{q.station_id}", q)


async def _platform(call: Call) -> ProviderReport:
    if call.query.station_id is not None:
        return await site_report(call.deps, f"station:{call.query.station_id}", call.query)
    return await site_report(call.deps, "platform", call.query)


def _csv(report: ProviderReport | DriverReport, name: str) -> Reply:
    filename = f"{name}-{report.start}-{report.end}-{report.granularity}.csv"
    return Reply.binary(
        report_csv(report).encode(),
        "text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )


@api.route(
    "providers/{providerId}/analytics",
    roles=PROVIDER_ROLES,
    query=AnalyticsQuery,
    response=ProviderReport,
    errors=(403, 404, 422),
    summary="The provider's (or one of its stations') figures by day, ISO week or month (UTC)",
)
async def provider_analytics(call: Call) -> ProviderReport:
    return await _provider(call)


@api.route(
    "providers/{providerId}/analytics/csv",
    roles=PROVIDER_ROLES,
    query=AnalyticsQuery,
    response=bytes,
    errors=(403, 404, 422),
    content_types=("text/csv",),
    summary="The provider's figures as CSV: one row per period, then the total",
)
async def provider_analytics_csv(call: Call) -> Reply:
    return _csv(await _provider(call), "analytics")


@api.route(
    "platform/analytics",
    roles=[Role.ADMIN],
    query=AnalyticsQuery,
    response=ProviderReport,
    errors=(403, 422),
    summary="Platform-wide figures (or one station's) by day, ISO week or month (UTC)",
)
async def platform_analytics(call: Call) -> ProviderReport:
    return await _platform(call)


@api.route(
    "platform/analytics/csv",
    roles=[Role.ADMIN],
    query=AnalyticsQuery,
    response=bytes,
    errors=(403, 422),
    content_types=("text/csv",),
    summary="Platform-wide figures as CSV",
)
async def platform_analytics_csv(call: Call) -> Reply:
    return _csv(await _platform(call), "platform-analytics")


async def _driver(call: Call) -> DriverReport:
    if call.query.station_id is not None:
        raise NotFound("Statistics are per driver, not per station.", code="not_found")
    return await driver_report(call.deps, call.user.user_id, call.query)


@api.route(
    "me/statistics",
    query=AnalyticsQuery,
    response=DriverReport,
    errors=(401, 422),
    summary="The signed-in driver's own kWh, spend, sessions and estimated CO2 avoided",
)
async def my_statistics(call: Call) -> DriverReport:
    return await _driver(call)


@api.route(
    "me/statistics/csv",
    query=AnalyticsQuery,
    response=bytes,
    errors=(401, 422),
    content_types=("text/csv",),
    summary="The signed-in driver's statistics as CSV",
)
async def my_statistics_csv(call: Call) -> Reply:
    return _csv(await _driver(call), "statistics")
