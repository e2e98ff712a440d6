"""Racing OS processes against one SQLite file, for the tests that need real concurrency."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

Worker = Callable[..., None]  # (path, name, barrier, results): puts (name, value) on results


def race(
    worker: Worker, path: str, names: Sequence[str], *, start: str = "spawn", timeout: float = 120
) -> dict[str, Any]:
    """Run ``worker`` once per name in its own process, all released together by a barrier.

    Returns each process's value by name; fails if a process did not exit cleanly.
    ``spawn`` gives fresh interpreters (no inherited connection or lock); ``fork`` is quicker.
    """
    ctx = multiprocessing.get_context(start)
    barrier = ctx.Barrier(len(names))
    results = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(path, name, barrier, results)) for name in names]
    for proc in procs:
        proc.start()
    try:
        values = dict(results.get(timeout=timeout) for _ in procs)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        results.close()
        results.join_thread()
    assert [proc.exitcode for proc in procs] == [0] * len(procs)
    return values
