"""A LocalHost on its own event loop in a background thread, for synchronous callers.

Async tests use ``async with LocalHost(...)`` on their own loop; synchronous
ones (and tools that are not async) use ``with serve_in_thread(app) as host``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import azure.functions as func

from local_host.server import LocalHost

__all__ = ["serve_in_thread"]


@contextmanager
def serve_in_thread(app: func.FunctionApp, *args: Any, **kwargs: Any) -> Iterator[LocalHost]:
    """Start ``LocalHost(app, *args, **kwargs)`` in a thread; stop it on exit."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def run() -> None:
        stop = asyncio.Event()
        box["loop"], box["stop"] = asyncio.get_running_loop(), stop
        try:
            host = LocalHost(app, *args, **kwargs)
            await host.start()
        except BaseException as exc:
            box["error"] = exc
            ready.set()
            return
        box["host"] = host
        ready.set()
        try:
            await stop.wait()
        finally:
            await host.stop()

    thread = threading.Thread(target=asyncio.run, args=(run(),), name="local-host", daemon=True)
    thread.start()
    ready.wait()
    if "error" in box:
        thread.join()
        raise box["error"]
    try:
        yield box["host"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join()
