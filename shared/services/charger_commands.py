"""Commands to chargers (RemoteStartTransaction, ReserveNow, ...) with correlated replies and timeouts.

A command is a CALL ``[2, "cmd_<hex>", action, payload]`` sent through ChargerLink
to the socket in ``charger.ocpp.connection_id``. The charger's answer does not
come back on that call: it arrives later, maybe on another worker, as an
ordinary ``message`` event, and the router hands every CALLRESULT/CALLERROR to
``record_reply``. What ties the two together is a ``CommandRecord`` in
``charger_commands`` (partition ``/chargerId``, id = the message id), stored
*before* the frame goes out, since a quick charger may answer before the send
returns. Its states are drawn in shared/domain/charger_commands.py.

Settling a record (reply, or expiry by the ``expire_charger_commands`` timer)
replaces it under its ETag, so when a reply and the expiry race exactly one
wins, and only the winner runs the action's outcome handlers
(``@on_outcome(action)``), once. Handlers run in the process that settled the
record (the charger function or the timer), after the write; their failures
are logged and never reach the charger's reply. A send that fails raises from
``send_command`` instead (ChargerOffline, or DependencyFailed when the link
itself is broken): the record is marked failed and no handler runs, so every
command has exactly one outcome, an exception or a handler call. Duplicate
replies (chargers resend), replies after the timeout and replies to ids the
charger was never sent are logged and ignored. Records expire from the store
after ``KEEP_SECONDS``. ``wait_for_outcome`` is for a caller that wants to
answer synchronously.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from shared.domain.charger_commands import (
    ChargerOffline,
    CommandAction,
    CommandRecord,
    CommandStatus,
    InvalidCommand,
    call_frame,
    settle_by_reply,
    validate_command,
)
from shared.domain.errors import DependencyFailed, NotFound
from shared.ocpp.frames import CallError, CallResult
from shared.ports.charger_link import ChargerUnreachable
from shared.ports.store import DocumentNotFound, Filter, PreconditionFailed, Query
from shared.repositories.chargers import get_charger

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = [
    "KEEP_SECONDS",
    "ChargerOffline",
    "CommandAction",
    "CommandRecord",
    "InvalidCommand",
    "OutcomeHandler",
    "Reply",
    "expire_commands",
    "on_outcome",
    "record_reply",
    "send_command",
    "wait_for_outcome",
]

log = logging.getLogger(__name__)
C = "charger_commands"
KEEP_SECONDS = 7 * 86400  # long enough to look into what a charger was told last week
EXPIRE_BATCH = 500  # per timer run; the rest waits for the next tick
_COMMAND_ID = re.compile(r"cmd_[0-9a-f]{32}")
_TIME = TypeAdapter(datetime)

Reply = CallResult | CallError
OutcomeHandler = Callable[["Deps", CommandRecord], Awaitable[None]]
_handlers: dict[str, list[OutcomeHandler]] = {}


def on_outcome(action: CommandAction | str) -> Callable[[OutcomeHandler], OutcomeHandler]:
    """Register a handler for the settled commands of ``action`` (several per action run in order)."""
    name = CommandAction(action).value  # an unknown action fails at import time, not at the first reply

    def register(handler: OutcomeHandler) -> OutcomeHandler:
        registered = _handlers.setdefault(name, [])
        if handler not in registered:
            registered.append(handler)
        return handler

    return register


def _whole_second(moment: datetime, *, up: bool) -> datetime:
    # Stored times are compared as strings; whole seconds keep them in one format, so text order is time order.
    floor = moment.replace(microsecond=0)
    return floor + timedelta(seconds=1) if up and floor != moment else floor


async def send_command(
    deps: Deps,
    charger_id: str,
    action: CommandAction | str,
    payload: dict[str, Any],
    *,
    subject: dict[str, str] | None = None,
) -> CommandRecord:
    """Store the command, then send its CALL; the returned record is "sent" (the reply settles it later).

    Raises InvalidCommand (our payload breaks the 1.6 schema), NotFound (no such charger),
    ChargerOffline (not connected, or the link found the socket gone) or DependencyFailed.
    """
    command = validate_command(action, payload)
    charger = await get_charger(deps.store, charger_id)
    connection_id = charger.ocpp.connection_id
    if not connection_id:
        raise ChargerOffline(f"Charger {charger_id} is not connected.")
    now = deps.clock.now()
    deadline = _whole_second(now + timedelta(seconds=deps.settings.ocpp_command_timeout_seconds), up=True)
    record = CommandRecord(
        id=f"cmd_{uuid.uuid4().hex}", charger_id=charger_id, action=command.value, payload=payload,
        subject=dict(subject or {}), sent_at=now, deadline=deadline, ttl=KEEP_SECONDS,
    )  # fmt: skip
    frame = json.dumps(call_frame(record), separators=(",", ":"), allow_nan=False)  # NaN fails here, not on the wire
    record = CommandRecord.model_validate(await deps.store.create(C, record.model_dump(mode="json")))
    try:
        await deps.link.send(connection_id, frame)
    except ChargerUnreachable as exc:
        await _settle(deps, record, "failed", error_code="charger_unreachable", notify=False)
        raise ChargerOffline(f"Charger {charger_id} is not reachable.") from exc
    except DependencyFailed as exc:
        await _settle(deps, record, "failed", error_code=exc.code, notify=False)
        raise
    log.info("%s %s sent to %s", record.action, record.id, charger_id)
    return record


async def _read(deps: Deps, charger_id: str, command_id: str) -> CommandRecord | None:
    if not _COMMAND_ID.fullmatch(command_id):  # not an id we issue: no store read
        return None
    try:
        return CommandRecord.model_validate(await deps.store.read(C, command_id, charger_id))
    except DocumentNotFound:
        return None


async def _settle(
    deps: Deps, record: CommandRecord, status: CommandStatus, *, notify: bool = True, **changes: Any
) -> CommandRecord | None:
    """Move ``record`` out of "sent" under its ETag; None when another writer settled it first."""
    settled = record.model_copy(update={"status": status, **changes})
    try:
        stored = await deps.store.replace(C, settled.model_dump(mode="json"), etag=record.etag)
    except (PreconditionFailed, DocumentNotFound):
        log.info("%s %s was settled by someone else", record.action, record.id)
        return None
    saved = CommandRecord.model_validate(stored)
    if notify:
        for handler in list(_handlers.get(saved.action, ())):
            try:
                await handler(deps, saved)
            except Exception:  # a handler's bug must not undo the outcome nor reach the charger
                log.exception("outcome handler %s failed for %s %s", handler.__qualname__, saved.action, saved.id)
    return saved


async def record_reply(deps: Deps, charger_id: str, frame: Reply) -> CommandRecord | None:
    """Settle the command this reply answers; None if it answers nothing pending (logged)."""
    record = await _read(deps, charger_id, frame.message_id)
    if record is None:
        log.warning("%s replied to %r, which is no command sent to it: ignored", charger_id, frame.message_id)
        return None
    if record.status != "sent":
        log.info("%s replied again to %s %s, already %s: ignored", charger_id, record.action, record.id, record.status)
        return None
    status, reply, error_code, why = settle_by_reply(record, frame)
    if why is not None:
        log.warning("%s answered %s %s with an invalid reply: %s", charger_id, record.action, record.id, why)
    now = deps.clock.now()
    return await _settle(deps, record, status, reply=reply, error_code=error_code, answered_at=now)


async def expire_commands(deps: Deps) -> int:
    """Settle every "sent" command past its deadline as "timed_out" (up to EXPIRE_BATCH); returns how many."""
    now = deps.clock.now()
    cutoff = _TIME.dump_python(_whole_second(now, up=False), mode="json")
    filters = (Filter("status", "eq", "sent"), Filter("deadline", "le", cutoff))
    due: list[CommandRecord] = []
    continuation: str | None = None
    for _ in range(EXPIRE_BATCH):  # pages may come back empty with more to follow; bounded all the same
        page = await deps.store.query(C, Query(filters, limit=100, continuation=continuation))
        due += (CommandRecord.model_validate(d) for d in page.items)
        continuation = page.continuation
        if continuation is None or len(due) >= EXPIRE_BATCH:
            break
    expired = 0
    for record in due:  # collected first: settling while paging would shift the pages
        if record.deadline <= now and await _settle(deps, record, "timed_out") is not None:
            log.info("%s %s to %s timed out", record.action, record.id, record.charger_id)
            expired += 1
    return expired


async def wait_for_outcome(
    deps: Deps, charger_id: str, command_id: str, timeout: float, poll: float = 0.05
) -> CommandRecord:
    """Poll the record until it is settled or ``timeout`` seconds have passed; the record as it is then."""
    loop = asyncio.get_running_loop()
    end, poll = loop.time() + max(timeout, 0.0), max(poll, 0.001)
    while True:
        record = await _read(deps, charger_id, command_id)
        if record is None:
            raise NotFound("No such command.", code="command_not_found")
        remaining = end - loop.time()
        if record.status != "sent" or remaining <= 0:
            return record
        await asyncio.sleep(min(poll, remaining))
