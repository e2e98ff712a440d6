"""The typed edge of the ``ocpp`` package (it ships no type information): the ChargePoint base, routing, payloads.

Everything else in the simulator imports ``ocpp`` through here, so strict mypy
sees typed names and the package's camelCase/snake_case conversion stays the
package's business.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ocpp import exceptions as _exceptions  # type: ignore[import-untyped]
from ocpp import routing as _routing
from ocpp.v16 import call as _call  # type: ignore[import-untyped]
from ocpp.v16 import call_result as _call_result

__all__ = ["ChargePoint", "OcppError", "after", "error_code", "fields_of", "ocpp_time", "on", "reply", "request"]

Handler = TypeVar("Handler", bound=Callable[..., Any])

OcppError: type[Exception] = _exceptions.OCPPError

if TYPE_CHECKING:

    class ChargePoint:
        """What the simulator uses of ``ocpp.v16.ChargePoint``."""

        id: str

        def __init__(
            self, id: str, connection: Any, response_timeout: float = 30, logger: logging.Logger = ...
        ) -> None: ...

        async def route_message(self, raw_msg: str | bytes) -> None: ...

        async def call(
            self,
            payload: Any,
            suppress: bool = True,
            unique_id: str | None = None,
            skip_schema_validation: bool = False,
        ) -> Any: ...

else:
    from ocpp.v16 import ChargePoint


def on(action: str) -> Callable[[Handler], Handler]:
    """``ocpp.routing.on``: the method answers the central system's CALL ``action``."""
    return cast(Callable[[Handler], Handler], _routing.on(action))


def after(action: str) -> Callable[[Handler], Handler]:
    """``ocpp.routing.after``: the method runs once the answer to ``action`` has been sent."""
    return cast(Callable[[Handler], Handler], _routing.after(action))


def request(action: str, **fields: Any) -> Any:
    """The ``ocpp.v16.call`` payload of ``action`` (its class name is the action on the wire)."""
    return getattr(_call, action)(**fields)


def reply(action: str, **fields: Any) -> Any:
    """The ``ocpp.v16.call_result`` payload answering ``action``."""
    return getattr(_call_result, action)(**fields)


def fields_of(payload: Any) -> dict[str, Any]:
    """A payload dataclass as a dict of its snake_case fields (nested objects stay dicts)."""
    if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
        return dataclasses.asdict(payload)
    return {}


def error_code(exc: Exception) -> tuple[str, str]:
    """The CALLERROR code and description an ``OcppError`` carries."""
    return str(getattr(exc, "code", "GenericError")), str(getattr(exc, "description", "") or "")


def ocpp_time(moment: datetime | None = None) -> str:
    """UTC with milliseconds and ``Z``, the form every OCPP 1.6 peer parses."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
