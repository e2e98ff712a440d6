"""What the FunctionApp registered, read once through ``app.get_functions()``.

The local host learns every function only from these registrations (trigger
type, route, methods, queue/topic, schedule), so a new blueprint needs no
change here. ``get_functions()`` may be called once per app object (a second
call raises a duplicate-name error in azure-functions), hence the cache.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func

__all__ = ["BusFunction", "Discovered", "HttpFunction", "TimerFunction", "discover", "functions_of"]

log = logging.getLogger("local_host")

_cache: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def functions_of(app: func.FunctionApp) -> list[Any]:
    """``app.get_functions()``, called at most once per app object."""
    with _cache_lock:
        found = _cache.get(app)
        if found is None:
            found = _cache[app] = list(app.get_functions())
        return found


@dataclass(frozen=True, slots=True)
class HttpFunction:
    name: str
    fn: Callable[..., Any]
    arg_name: str
    route: str
    methods: frozenset[str] | None  # None: every method
    auth_level: str


@dataclass(frozen=True, slots=True)
class BusFunction:
    name: str
    fn: Callable[..., Any]
    arg_name: str
    entity: str  # queue or topic name, possibly a %Setting% expression
    subscription: str | None


@dataclass(frozen=True, slots=True)
class TimerFunction:
    name: str
    fn: Callable[..., Any]
    arg_name: str
    schedule: str
    run_on_startup: bool


@dataclass(slots=True)
class Discovered:
    http: list[HttpFunction] = field(default_factory=list)
    bus: list[BusFunction] = field(default_factory=list)
    timers: list[TimerFunction] = field(default_factory=list)

    def non_http(self, name: str) -> BusFunction | TimerFunction | None:
        """Look a function up by name, case-insensitively as the Functions host does."""
        candidates: list[BusFunction | TimerFunction] = [*self.bus, *self.timers]
        return next((fn for fn in candidates if fn.name.lower() == name.lower()), None)

    def is_http(self, name: str) -> bool:
        return any(fn.name.lower() == name.lower() for fn in self.http)


def _enum_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def _warn_extra_bindings(function: Any, trigger: Any) -> None:
    # The local host binds the trigger and the HTTP $return only; say so
    # rather than silently dropping another input or output binding.
    for binding in function.get_bindings():
        if binding is not trigger and binding.name != "$return":
            log.warning(
                "function %s: binding %r (%s) is not supported by the local host and is ignored",
                function.get_function_name(),
                binding.name,
                binding.type,
            )


def discover(app: func.FunctionApp) -> Discovered:
    found = Discovered()
    for function in functions_of(app):
        name = function.get_function_name()
        trigger = function.get_trigger()
        fn = function.get_user_function()
        kind = getattr(trigger, "type", None)
        _warn_extra_bindings(function, trigger)
        if kind == "httpTrigger":
            methods = trigger.methods
            found.http.append(
                HttpFunction(
                    name=name,
                    fn=fn,
                    arg_name=trigger.name,
                    route=trigger.route or name,
                    methods=frozenset(_enum_value(m).upper() for m in methods) if methods else None,
                    auth_level=_enum_value(trigger.auth_level),
                )
            )
        elif kind == "serviceBusTrigger":
            queue = getattr(trigger, "queue_name", None)
            entity = queue or trigger.topic_name
            subscription = None if queue else trigger.subscription_name
            found.bus.append(BusFunction(name, fn, trigger.name, entity, subscription))
        elif kind == "timerTrigger":
            found.timers.append(TimerFunction(name, fn, trigger.name, trigger.schedule, bool(trigger.run_on_startup)))
        else:
            log.warning("function %s: trigger %s is not served by the local host", name, kind)
    return found
