"""What both charger entry points share: their OpenAPI record, the OCPP call, plain-text answers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

import azure.functions as func

from functions.chargers import bp
from shared.bootstrap import Deps
from shared.http.auth import Auth
from shared.http.endpoint import ENDPOINTS, Endpoint
from shared.ocpp.frames import FormationViolation, error_frame
from shared.ocpp.router import handle_frame
from shared.services.ocpp_handlers import OcppContext, router

__all__ = ["answer_frame", "log", "plain", "register"]

log = logging.getLogger("wattsup.ocpp")
Entry = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def register(route: str, methods: Sequence[str], summary: str, errors: Sequence[int]) -> Callable[[Entry], Entry]:
    """``bp.route`` (anonymous: the function checks signatures and passwords itself) plus the OpenAPI record."""

    def wrap(entry: Entry) -> Entry:
        # One operation per function (operation ids are unique): Web PubSub's OPTIONS handshake stays undocumented.
        documented = tuple(m.upper() for m in methods if m.upper() != "OPTIONS")
        ENDPOINTS.append(
            Endpoint(
                function_name=entry.__name__,
                route=route,
                methods=documented,
                tag="chargers",
                summary=summary,
                auth=Auth.PUBLIC,
                response=str,
                errors=tuple(errors),
                content_types=("text/plain",),
            )
        )
        bp.route(route=route, methods=list(methods), auth_level=func.AuthLevel.ANONYMOUS)(entry)
        return entry

    return wrap


def plain(text: str, status: int, **headers: str) -> func.HttpResponse:
    return func.HttpResponse(text, status_code=status, mimetype="text/plain", headers=headers or None)


async def answer_frame(deps: Deps, charger_id: str, connection_id: str, body: bytes) -> str | None:
    """The reply frame for one frame from an authenticated charger (never raises)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return error_frame("-1", FormationViolation("OCPP-J frames are UTF-8 text"))
    return await handle_frame(router, text, OcppContext(charger_id, connection_id, deps))
