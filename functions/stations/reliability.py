"""The stations' reliability timer: a bounded batch of stations scored every 5 minutes (services/reliability.py)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.stations import bp
from shared import bootstrap
from shared.services.reliability import score_stations

log = logging.getLogger("wattsup.stations")


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
async def station_reliability(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    run = await score_stations(deps)
    if run.stations_written or run.ledgers_written:
        log.info("station reliability: %s", run)
