"""The built web app (``web/dist``) at ``/``, as the Static Web App serves it in Azure (DESIGN section 2).

A single-page app: a file that exists is sent as it is, any other page address gets ``index.html``
so the app's router can show it. Vite names what it builds under ``assets/`` by content hash, so
those are cached for a year (``immutable``); ``index.html`` must be revalidated on every load, or a
browser would keep asking for assets of an older build. ``/api``, ``/ocpp`` and ``/admin`` are never
answered here: a path there that no function serves stays a plain 404. Without a build, pages say
how to make one. The dist folder is looked at on every request, so building while the host runs works.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import URLPath
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

__all__ = ["IMMUTABLE", "REVALIDATE", "WebApp"]

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_NOT_OURS = ("/api", "/ocpp", "/admin")
_HINT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Watt's Up: web app not built</title></head>
<body><h1>The web app is not built yet</h1>
<p>Build it with <code>make web</code> (or <code>npm ci --prefix web &amp;&amp; npm run build --prefix web</code>),
then reload. <code>make run</code> builds it before starting the host.</p>
<p>The API is at <a href="/api/health">/api/health</a>; its OpenAPI document at
<a href="/api/openapi.json">/api/openapi.json</a>.</p></body></html>
"""


def _ours(path: str) -> bool:
    lowered = path.lower()
    return not any(lowered == p or lowered.startswith(p + "/") for p in _NOT_OURS)


class WebApp(BaseRoute):
    """A Starlette route that answers GET and HEAD for every path outside /api, /ocpp and /admin."""

    def __init__(self, dist: Path) -> None:
        self.dist = dist.resolve()

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and _ours(scope["path"]):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NotImplementedError("the web app has no named routes")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.respond(scope["path"])
        await response(scope, receive, send)

    def respond(self, path: str) -> Response:
        index = self.dist / "index.html"
        if not index.is_file():
            return HTMLResponse(_HINT, status_code=200 if path in ("/", "/index.html") else 404)
        found = self._file(path)
        if found is not None:
            hashed = found.parent == self.dist / "assets"
            return FileResponse(found, headers={"Cache-Control": IMMUTABLE if hashed else REVALIDATE})
        if "." in path.rsplit("/", 1)[-1]:
            # a missing file (an old build's asset, a typo): never answer it with the page
            return PlainTextResponse("Not Found", status_code=404, headers={"Cache-Control": REVALIDATE})
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})

    def _file(self, path: str) -> Path | None:
        relative = path.lstrip("/")
        if not relative:
            return None
        candidate = (self.dist / relative).resolve()
        # nothing outside dist, however the path is spelt (.., symlinks)
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None
        return candidate
