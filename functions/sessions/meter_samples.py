"""A session's meter curve over HTTP: energy and power over time at a resolution (docs/charging.md)."""

from __future__ import annotations

from pydantic import Field

from functions.sessions import api
from shared.domain.meter_history import RESOLUTIONS, MeterCurve
from shared.domain.model import InputModel
from shared.http.endpoint import Call
from shared.services import meter_history


class MeterSampleQuery(InputModel):
    # a plain string, checked by the service, so that a bad value gets its own code (invalid_resolution)
    resolution: str = Field(
        default="5m",
        max_length=16,
        description="bucket width: raw (every reading), 1m, 5m, 15m, 1h or 1d",
        json_schema_extra={"enum": list(RESOLUTIONS)},
    )


@api.route(
    "sessions/{sessionId}/meter-samples",
    query=MeterSampleQuery,
    response=MeterCurve,
    errors=(404, 422),
    summary="The session's energy and power curve (raw samples, or their history once they have expired)",
)
async def get_meter_samples(call: Call) -> MeterCurve:
    q: MeterSampleQuery = call.query
    return await meter_history.meter_curve(call.deps, call.principal, call.route["sessionId"], q.resolution)
