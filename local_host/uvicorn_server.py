"""uvicorn as a task on the caller's event loop, on a loopback socket we bind ourselves.

Binding the socket here (not in uvicorn) is what lets port 0 report the real
port, and keeps the host to loopback addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

__all__ = ["EmbeddedUvicorn", "loopback"]


def loopback(host: str) -> str:
    """``host`` if it is a loopback address; the local host never listens beyond the machine."""
    if host == "localhost":
        return "127.0.0.1"
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the local host binds loopback only, not {host!r}")
    return host


class _Server(uvicorn.Server):
    # SIGINT/SIGTERM belong to __main__ or the test runner: uvicorn must not take them
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EmbeddedUvicorn:
    def __init__(self, app: ASGIApp, host: str, port: int, grace_seconds: float = 5.0) -> None:
        self.app, self.host, self.port, self.grace = app, loopback(host), port, grace_seconds
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Listen and serve; returns the port (the real one when asked for 0)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
        # Nagle plus delayed ACK would add ~40 ms to every keep-alive response
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            access_log=False,  # the host's RequestLog writes the one line per request
            log_config=None,  # leave logging to the caller
            timeout_graceful_shutdown=max(1, int(self.grace)),
        )
        self._server = server = _Server(config)
        self._task = task = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn")
        while not server.started:
            if task.done():
                sock.close()
                await task  # surfaces the startup error
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.01)
        return self.port

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None
