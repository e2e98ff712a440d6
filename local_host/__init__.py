"""The project's own local Functions host (DESIGN section 2): ``python -m local_host``.

``LocalHost`` is imported lazily so that ``local_host.discovery`` (used by tests to
read the app's registrations) does not pull in uvicorn and Starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from local_host.server import LocalHost

__all__ = ["LocalHost"]


def __getattr__(name: str) -> Any:
    if name == "LocalHost":
        from local_host.server import LocalHost

        return LocalHost
    raise AttributeError(name)
