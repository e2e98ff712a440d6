"""``meter_history_build``: every minute, stopped sessions get the downsampled history kept after their raw samples."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.sessions import bp
from shared import bootstrap
from shared.services.meter_history import build_histories

log = logging.getLogger("wattsup.sessions")


@bp.timer_trigger(schedule="0 * * * * *", arg_name="timer", run_on_startup=False)
async def meter_history_build(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    run = await build_histories(deps)
    if run.built or run.empty:
        log.info("meter history: %s", run)
