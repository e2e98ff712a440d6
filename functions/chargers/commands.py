"""``expire_charger_commands``: every 15 s, commands to chargers that got no reply by their deadline time out.

The reply path (shared/services/charger_commands.py) settles answered commands as
they arrive; only silence needs a clock. The outcome handlers of each expired
command run here, once. Six-field NCRONTAB: the first field is seconds.
"""

from __future__ import annotations

import azure.functions as func

from functions.chargers import bp
from functions.chargers.common import log
from shared import bootstrap
from shared.services.charger_commands import expire_commands


@bp.timer_trigger(schedule="*/15 * * * * *", arg_name="timer", run_on_startup=False)
async def expire_charger_commands(timer: func.TimerRequest) -> None:
    deps = await bootstrap.ready()
    expired = await expire_commands(deps)
    if expired or timer.past_due:
        log.info("expired %d charger commands (past due: %s)", expired, timer.past_due)
