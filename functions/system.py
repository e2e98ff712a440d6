"""Health, the OpenAPI document, and what the web app needs to know about this deployment."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import azure.functions as func

from shared.bootstrap import Deps
from shared.domain.model import ApiModel
from shared.http.auth import Auth
from shared.http.endpoint import ENDPOINTS, Api, Call
from shared.http.openapi import openapi_document
from shared.http.reply import Reply
from shared.services.deployment_config import CACHE_SECONDS, DeploymentConfig, deployment_config

bp = func.Blueprint()
api = Api(bp, tag="system")

VERSION = "0.1.0"
CHECK_TIMEOUT_SECONDS = 5.0


class DependencyState(ApiModel):
    status: Literal["ok", "failing"]
    backend: str
    error: str | None = None


class Health(ApiModel):
    status: Literal["ok", "degraded"]
    version: str
    dependencies: dict[str, DependencyState]


async def _probe(backend: str, check: Any) -> DependencyState:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
        return DependencyState(status="ok", backend=backend)
    except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
        return DependencyState(status="failing", backend=backend, error=type(exc).__name__)


# Probes are reused for a moment so that a flood of health checks (load balancers,
# monitors, a benchmark) does not become a flood of calls to the store and the bus.
PROBE_TTL_SECONDS = 1.0
_probes: dict[int, tuple[float, Health]] = {}


async def _health(deps: Deps) -> Health:
    now = time.monotonic()
    cached = _probes.get(id(deps))
    if cached is not None and now - cached[0] < PROBE_TTL_SECONDS:
        return cached[1]
    s = deps.settings
    store, bus = await asyncio.gather(
        _probe(s.storage_backend, deps.store.check), _probe(s.bus_backend, deps.bus.check)
    )
    ok = store.status == bus.status == "ok"
    body = Health(status="ok" if ok else "degraded", version=VERSION, dependencies={"store": store, "bus": bus})
    _probes.clear()
    _probes[id(deps)] = (now, body)
    return body


@api.route("health", auth=Auth.PUBLIC, response=Health, errors=(503,), summary="Each dependency's state")
async def health(call: Call) -> Reply:
    body = await _health(call.deps)
    return Reply(body, status=200 if body.status == "ok" else 503, headers={"Cache-Control": "no-store"})


@api.route(
    "config",
    auth=Auth.PUBLIC,
    response=DeploymentConfig,
    summary="This deployment's public settings for the web app: payment backend, Stripe publishable key",
)
async def read_deployment_config(call: Call) -> Reply:
    body = deployment_config(call.deps.settings, call.deps.payments)
    return Reply(body, headers={"Cache-Control": f"public, max-age={CACHE_SECONDS}"})


_document: dict[str, Any] | None = None


@api.route("openapi.json", auth=Auth.PUBLIC, summary="This API's OpenAPI 3.1 document")
async def openapi(call: Call) -> Reply:
    global _document
    if _document is None:
        _document = openapi_document(ENDPOINTS, version=VERSION)
    return Reply(_document)
