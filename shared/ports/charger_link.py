"""ChargerLink: frames from the platform to a charger's open socket (DESIGN section 6).

In Azure the sockets live in Web PubSub and a frame goes out through its REST
API (``send_to_connection``); locally the host's WebSocket relay speaks the same
REST call, so one adapter serves both. The charger's answer does not come back
through this port: it arrives later as an ordinary ``message`` event on the
charger function, where ``shared.services.charger_commands`` correlates it with
the call by its message id.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["ChargerLink", "ChargerUnreachable"]


class ChargerUnreachable(Exception):
    """The connection is gone (or never existed): the frame was not delivered."""


class ChargerLink(Protocol):
    async def send(self, connection_id: str, frame: str) -> None:
        """Send one OCPP-J text frame to the socket ``connection_id``; raises ChargerUnreachable."""
        ...

    async def close(self) -> None: ...
