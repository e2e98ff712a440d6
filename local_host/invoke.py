"""Calling a user function the way the Python worker does.

``async def`` functions run on the host's event loop; plain ones in a worker
thread so they cannot block it. The trigger value is passed by its binding
name, plus ``context`` when the function asks for it.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

__all__ = ["LocalContext", "call_user_function"]


@dataclass(frozen=True, slots=True)
class LocalContext:
    """Duck-typed ``func.Context``: the fields functions read in practice."""

    function_name: str
    invocation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_directory: str = ""
    trace_context: Any = None
    retry_context: Any = None
    thread_local_storage: threading.local = field(default_factory=threading.local)


@cache
def _wants_context(fn: Callable[..., Any]) -> bool:
    try:
        return "context" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


@cache
def _is_async(fn: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(fn)


async def call_user_function(fn: Callable[..., Any], arg_name: str, arg: Any, function_name: str) -> Any:
    kwargs: dict[str, Any] = {arg_name: arg}
    if _wants_context(fn) and arg_name != "context":
        kwargs["context"] = LocalContext(function_name)
    if _is_async(fn):
        return await fn(**kwargs)
    result = await asyncio.to_thread(fn, **kwargs)
    # a sync wrapper around an async function hands back an awaitable
    if inspect.isawaitable(result):
        return await result
    return result
