"""The baseline: a bare Starlette app on uvicorn returning the very bytes the host returned.

The bench passes those bytes in ``BENCH_BODY`` so both servers send the same payload.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["app"]

BODY = os.environ.get("BENCH_BODY", '{"status":"ok"}').encode()


async def health(request: Request) -> Response:
    return Response(BODY, media_type="application/json", headers={"Cache-Control": "no-store"})


app = Starlette(routes=[Route("/api/health", health, methods=["GET"])])
