"""Group commit for the SQLite store: the creates of one event-loop turn, committed together.

Twenty chargers' MeterValues frames arrive in the same turn of the loop under load, and
each stores one sample: one IMMEDIATE transaction per sample paid BEGIN, COMMIT and the
WAL pages of every index once per frame. Here a create waits for the end of the turn
(``call_soon``: callbacks scheduled now run after every task already woken this turn);
the group is then written in one transaction by the store (``commit``), where a conflict
undoes only its own INSERT, and each caller resumes only once the COMMIT returned, so nothing
a caller was told is stored can be lost with the group. A conflict fails its own create only.

Per event loop: a store may be used from two threads' loops (tests, the multi-process
host), and a group never mixes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.ports.store import DocumentConflict

__all__ = ["CreateGroups", "GroupedCreate", "Prepared"]

# the store's row: id, partition key (JSON), body (JSON), expires_at, and the hot columns' values when they can be
# bound (sqlite_columns.bound_values; None: the INSERT computes them from the body)
Prepared = tuple[str, str, str, float | None, tuple[object, ...] | None]


@dataclass(slots=True)
class GroupedCreate:
    """One create waiting for its group: the store's prepared row, its new ETag, and how it went."""

    container: str
    prepared: Prepared
    etag: str
    done: asyncio.Future[bool] = field(repr=False)
    conflict: DocumentConflict | None = None


class CreateGroups:
    """Collects creates per event loop and hands each turn's group to ``commit`` (True: committed;
    False: nothing written, each caller must write alone)."""

    def __init__(self, commit: Callable[[list[GroupedCreate]], bool]) -> None:
        self._commit = commit
        self._pending: dict[asyncio.AbstractEventLoop, list[GroupedCreate]] = {}

    async def add(self, container: str, prepared: Prepared, etag: str) -> bool:
        """Wait for the group holding this create: True once it is committed, False if it must be
        written alone; raises DocumentConflict if its id was taken."""
        loop = asyncio.get_running_loop()
        create = GroupedCreate(container, prepared, etag, loop.create_future())
        pending = self._pending.get(loop)
        if pending is None:
            pending = self._pending[loop] = []
            loop.call_soon(self._flush, loop)
        pending.append(create)
        committed = await create.done
        if committed and create.conflict is not None:
            raise create.conflict
        return committed

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        group = [c for c in self._pending.pop(loop, []) if not c.done.done()]  # a cancelled caller: not written
        if not group:
            return
        committed = False
        try:
            committed = self._commit(group)
        finally:  # never leave a caller waiting: on an error here, each one writes alone
            for create in group:
                if not create.done.done():
                    create.done.set_result(committed)
