"""A lean WebSocket client for the load generator: ``websockets``' own protocol (sans I/O) on a bare asyncio transport.

``websockets.asyncio.client.connect`` is general (send locks, an assembler for
fragmented messages, flow control, keepalive) and costs the generator about
60 us per call and reply on this machine: at full speed against a server as cheap
as the bare baseline, the client would take most of a core. The same handshake and
framing (``websockets.client.ClientProtocol``: masking, the Basic header, the
subprotocol check) driven straight from ``data_received`` cost a fraction of that.
One outstanding call per charger keeps every write small, so there is no flow control.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import cast

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidHandshake
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

__all__ = ["WireSocket", "open_wire"]


class WireSocket(asyncio.Protocol):
    """One charger's socket: ``send`` a text frame, ``recv`` the next text message.

    Once the connection is gone both raise what ended it (``ConnectionClosed`` from the close handshake).
    """

    def __init__(self, protocol: ClientProtocol, headers: dict[str, str], loop: asyncio.AbstractEventLoop) -> None:
        self.ws, self.headers, self.loop = protocol, headers, loop
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = loop.create_future()
        self.inbox: deque[str] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.failure: Exception | None = None
        self._fragments: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        request = self.ws.connect()
        for name, value in self.headers.items():
            request.headers[name] = value
        self.ws.send_request(request)
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.ws.receive_data(data)
        self._flush()  # pongs and the close handshake
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self._fail(self.ws.handshake_exc)
                elif not self.opened.done():
                    self.opened.set_result(None)
            elif isinstance(event, Frame):
                self._frame(event)
        if self.ws.close_expected() and self.transport is not None:
            self.transport.close()  # connection_lost follows
        if self.ws.state is State.CLOSED:
            self._fail(self.ws.close_exc)
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.ws.state is State.CONNECTING:
            self._fail(InvalidHandshake(f"the server closed the connection during the handshake: {exc!r}"))
        self.ws.receive_eof()
        self._fail(self.ws.close_exc if self.ws.state is State.CLOSED else ConnectionError(f"connection lost: {exc!r}"))

    # the charger's side
    async def send(self, text: str) -> None:
        if self.failure is not None:
            raise self.failure
        self.ws.send_text(text.encode())
        self._flush()

    async def recv(self) -> str:
        while not self.inbox:
            if self.failure is not None:
                raise self.failure
            self.waiter = self.loop.create_future()
            await self.waiter
        return self.inbox.popleft()

    async def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if self.ws.state is State.OPEN:
            self.ws.send_close(1000)
            self._flush()
        self.transport.close()

    # internals
    def _frame(self, frame: Frame) -> None:
        if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            return  # ping, pong, close: the protocol answers them
        self._fragments.append(bytes(frame.data))
        if frame.fin:
            self.inbox.append(b"".join(self._fragments).decode())
            self._fragments = []

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def _fail(self, exc: Exception) -> None:
        if self.failure is None:
            self.failure = exc
        if not self.opened.done():
            self.opened.set_exception(exc)
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


async def open_wire(url: str, headers: dict[str, str], subprotocol: Subprotocol, timeout: float) -> WireSocket:
    """Connect and finish the opening handshake (no extensions offered: no compression)."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    protocol = ClientProtocol(uri, subprotocols=[subprotocol])
    async with asyncio.timeout(timeout):
        _, socket = await loop.create_connection(lambda: WireSocket(protocol, headers, loop), uri.host, uri.port)
        try:
            await socket.opened
        except BaseException:
            await socket.close()
            raise
    if protocol.subprotocol != subprotocol:
        await socket.close()
        raise InvalidHandshake(f"the server chose subprotocol {protocol.subprotocol!r}, not {subprotocol}")
    return socket
