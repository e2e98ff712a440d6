"""host.json and app settings, as the Functions host reads them.

``%Name%`` binding expressions (queue, topic, subscription, schedule) resolve
from the app settings: the project's ``Settings`` fields by alias (the names
Azure app settings use), then the process environment.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["HostJson", "load_host_json", "resolve_expression", "settings_values"]

_EXPRESSION = re.compile(r"%([^%]+)%")


@dataclass(frozen=True, slots=True)
class HostJson:
    route_prefix: str = "api"
    max_concurrent_calls: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HostJson:
        extensions = data.get("extensions") or {}
        prefix = (extensions.get("http") or {}).get("routePrefix", "api")
        bus = extensions.get("serviceBus") or {}
        # v5 extension: serviceBus.maxConcurrentCalls; v4: messageHandlerOptions.maxConcurrentCalls.
        # Locally 1 unless host.json asks for more, so a development run is easy to follow.
        calls = bus.get("maxConcurrentCalls") or (bus.get("messageHandlerOptions") or {}).get("maxConcurrentCalls", 1)
        return cls(route_prefix=str(prefix).strip("/"), max_concurrent_calls=max(1, int(calls)))


def load_host_json(path: Path | None) -> HostJson:
    """The host.json at ``path``; the defaults if there is none."""
    if path is None or not path.is_file():
        return HostJson()
    return HostJson.from_dict(json.loads(path.read_text(encoding="utf-8")))


def settings_values(settings: Any) -> dict[str, str]:
    """App settings by name: a pydantic Settings' fields by alias, over the environment."""
    values = dict(os.environ)
    if isinstance(settings, Mapping):
        values.update({str(k): str(v) for k, v in settings.items()})
    elif settings is not None:
        for key, value in settings.model_dump(by_alias=True).items():
            values[key] = str(value)
    return values


def resolve_expression(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``%Name%`` with its app setting; a missing one is an error at start."""

    def lookup(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in values:
            raise KeyError(f"app setting {name!r} (used as %{name}%) is not defined")
        return values[name]

    return _EXPRESSION.sub(lookup, text)
