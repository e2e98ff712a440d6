"""Charging sessions over HTTP: start from the app, watch, stop, list (the driver's, the provider's)."""

from __future__ import annotations

import hashlib

from functions.sessions import api
from shared.domain.principal import Role
from shared.domain.sessions import SessionStart, SessionStatus, SessionView
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply, to_json
from shared.services import sessions

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_STAFF)


class ProviderSessionQuery(ListQuery):
    station_id: str | None = None
    status: SessionStatus | None = None


def _etag(view: SessionView) -> str:
    return '"' + hashlib.sha256(to_json(view)).hexdigest()[:32] + '"'


async def _view_reply(call: Call, session_id: str, status: int = 200, **headers: str) -> Reply:
    view = await sessions.view_session(call.deps, call.principal, session_id)
    etag = _etag(view)
    matches = [t.strip() for t in (call.req.headers.get("if-none-match") or "").split(",")]
    if status == 200 and (etag in matches or "*" in matches):
        return Reply(None, status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return Reply(view, status=status, headers={"ETag": etag, "Cache-Control": "no-cache", **headers})


@api.route(
    "sessions",
    methods=["POST"],
    roles=(Role.DRIVER,),
    body=SessionStart,
    response=SessionView,
    status=201,
    errors=(403, 404, 409, 422),
    summary="Start charging at a connector (pending until the charger starts), with optional caps",
)
async def start_session(call: Call) -> Reply:
    session = await sessions.start_from_app(call.deps, call.principal, call.body)
    return await _view_reply(call, session.id, 201, Location=f"/api/sessions/{session.id}")


@api.route(
    "sessions",
    query=ListQuery,
    response=Paged[SessionView],
    summary="Your charging sessions, newest first",
)
async def list_my_sessions(call: Call) -> Paged[SessionView]:
    q: ListQuery = call.query
    items, token = await sessions.list_user_sessions(
        call.deps, call.principal, limit=q.limit, continuation=q.continuation_token
    )
    return Paged[SessionView](items=items, continuation_token=token)


@api.route(
    "sessions/{sessionId}",
    response=SessionView,
    errors=(404,),
    summary="A session as it is now: energy, power, duration, idle time, cost so far (ETag / If-None-Match)",
)
async def get_session(call: Call) -> Reply:
    return await _view_reply(call, call.route["sessionId"])


@api.route(
    "sessions/{sessionId}/stop",
    methods=["POST"],
    response=SessionView,
    status=202,
    errors=(404, 409),
    summary="Stop charging (RemoteStopTransaction; stopped once the charger confirms); cancels a pending start",
)
async def stop_session(call: Call) -> Reply:
    session = await sessions.stop_from_app(call.deps, call.principal, call.route["sessionId"])
    return await _view_reply(call, session.id, 202 if session.status == "active" else 200)


@api.route(
    "providers/{providerId}/sessions",
    roles=PROVIDER_ROLES,
    query=ProviderSessionQuery,
    response=Paged[SessionView],
    errors=(403, 404),
    summary="Sessions at the provider's stations, newest first (optionally one station, one status)",
)
async def list_provider_sessions(call: Call) -> Paged[SessionView]:
    q: ProviderSessionQuery = call.query
    items, token = await sessions.list_provider_sessions(
        call.deps,
        call.principal,
        call.route["providerId"],
        station_id=q.station_id,
        status=q.status,
        limit=q.limit,
        continuation=q.continuation_token,
    )
    return Paged[SessionView](items=items, continuation_token=token)
