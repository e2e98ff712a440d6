"""The sessions' timer: start timeouts, sessions left open without StopTransaction, duration caps, outbox."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.sessions import bp
from shared import bootstrap
from shared.services.session_sweep import sweep_sessions

log = logging.getLogger("wattsup.sessions")


@bp.timer_trigger(schedule="*/30 * * * * *", arg_name="timer", run_on_startup=False)
async def sessions_sweep(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    report = await sweep_sessions(deps)
    if report.failed or report.closed or report.capped or report.flushed:
        log.info("sessions sweep: %s", report)
