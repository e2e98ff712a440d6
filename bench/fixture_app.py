"""A tiny FunctionApp with only ``GET /api/health``: the local host's own overhead, no app work.

``python bench/health_rps.py --app fixture_app:app`` (bench/ is on the path).
"""

from __future__ import annotations

import azure.functions as func

__all__ = ["BODY", "app"]

BODY = b'{"status":"ok","version":"0.1.0"}'

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="health", methods=["GET"])
async def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(BODY, mimetype="application/json", headers={"Cache-Control": "no-store"})
