"""One WebSocket connection to the central system: the handshake (HTTP Basic, ``ocpp1.6``), the reader, calls.

A ``Link`` lives as long as its socket; reconnecting makes a new one, with a new
``Peer``, so nothing of a dead connection (a call waiting for an answer, the
package's response queue) leaks into the next.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from simulator.errors import CallFailed, ChargerRefused, ChargerUnreachable, Offline
from simulator.peer import Commands, Peer
from simulator.wire import OcppError, error_code, fields_of, request

__all__ = ["SUBPROTOCOL", "Link", "basic_auth", "open_link"]

SUBPROTOCOL = Subprotocol("ocpp1.6")


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a call's outcome as seen: a call abandoned with its connection must not log "never retrieved"."""
    if not future.cancelled():
        future.exception()


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


@dataclass
class Link:
    charger_id: str
    ws: ClientConnection
    peer: Peer
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        return not self.closed.is_set()

    async def call(self, action: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Send one CALL and return its answer's fields; Offline if the socket closes before the answer."""
        if self.closed.is_set():
            raise Offline(self.charger_id, action)
        answer = asyncio.ensure_future(self.peer.call(request(action, **fields), suppress=False))
        answer.add_done_callback(_retrieve)
        gone = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({answer, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not answer.done():
                answer.cancel()
                await asyncio.wait({answer})
        if answer.cancelled():
            raise Offline(self.charger_id, action)
        try:
            return fields_of(answer.result())
        except ConnectionClosed as exc:
            raise Offline(self.charger_id, action) from exc
        except OcppError as exc:
            code, description = error_code(exc)
            raise CallFailed(action, code, description) from exc

    async def close(self) -> None:
        await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        self.closed.set()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                try:
                    await self.peer.route_message(message)
                except ConnectionClosed:
                    raise
                except Exception:  # noqa: BLE001 - one bad frame must not end the connection
                    logging.getLogger("simulator").exception("%s: could not handle %r", self.charger_id, message)
        except ConnectionClosed:
            pass
        finally:
            self.peer.abandon()
            self.closed.set()


async def open_link(
    url: str, charger_id: str, password: str, commands: Commands, *,
    open_timeout: float, response_timeout: float, logger: logging.Logger,
) -> Link:  # fmt: skip
    """Connect and start reading; ChargerRefused if the handshake is answered with an error status."""
    try:
        ws = await connect(
            url,
            additional_headers={"Authorization": basic_auth(charger_id, password)},
            subprotocols=[SUBPROTOCOL],
            open_timeout=open_timeout,
            proxy=None,
        )
    except InvalidStatus as exc:
        reason = exc.response.body.decode("utf-8", "replace").strip() if exc.response.body else ""
        raise ChargerRefused(charger_id, url, exc.response.status_code, reason[:200]) from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise ChargerUnreachable(charger_id, url, str(exc) or type(exc).__name__) from exc
    if ws.subprotocol != SUBPROTOCOL:
        await ws.close(1002, "ocpp1.6 required")
        raise ChargerRefused(charger_id, url, 101, f"the server did not agree to {SUBPROTOCOL}")
    link = Link(charger_id, ws, Peer(charger_id, ws, commands, response_timeout, logger))
    link.reader = asyncio.create_task(link._read(), name=f"ocpp-read-{charger_id}")
    return link
