"""``ocpp/webpubsub``: Azure Web PubSub's event handler for the chargers' sockets (CloudEvents over HTTP).

The signature is checked before anything else is read. ``connect`` authenticates
the charger (OCPP security profile 1: HTTP Basic, the username is its identity)
and accepts only the ``ocpp1.6`` subprotocol; each ``message`` is one OCPP-J
frame whose reply is the response body; ``connected``/``disconnected`` record
the connection on the charger document.
"""

from __future__ import annotations

import azure.functions as func

from functions.chargers.common import answer_frame, log, plain, register
from shared import bootstrap, telemetry
from shared.bootstrap import Deps
from shared.domain.chargers import ChargerOcppState
from shared.http import webpubsub as wps
from shared.services.charger_state import provider_active, update_ocpp_state
from shared.services.chargers import verify_charger_password

SUBPROTOCOL = "ocpp1.6"


@register(
    "ocpp/webpubsub",
    ["OPTIONS", "POST"],
    "Web PubSub event handler for charger sockets (CloudEvents; OCPP-J frames in and out; OPTIONS: abuse protection)",
    errors=(400, 401, 403),
)
async def ocpp_webpubsub(req: func.HttpRequest) -> func.HttpResponse:
    try:
        deps = await bootstrap.ready()
        settings = deps.settings
        if req.method.upper() == "OPTIONS":
            return wps.abuse_protection_response(req, settings.webpubsub_allowed_origin_list)
        try:
            event = wps.parse_event(req, settings.webpubsub_access_key_list)
        except wps.EventError as exc:
            log.warning("refused a Web PubSub event: %s", exc)
            return plain(str(exc), exc.status)
        if isinstance(event, wps.Validate):  # not reached: OPTIONS is answered above
            return wps.abuse_protection_response(req, settings.webpubsub_allowed_origin_list)
        if event.hub and event.hub != settings.webpubsub_hub:
            return plain(f"unexpected hub {event.hub!r}", 400)
        if isinstance(event, wps.Connect):
            return await _connect(deps, event)
        if isinstance(event, wps.Message):
            if not event.user_id:
                return plain("the connection has no charger", 401)
            return wps.message_reply(await answer_frame(deps, event.user_id, event.connection_id, event.body))
        if event.user_id:
            telemetry.charger_connection(isinstance(event, wps.Connected))
            await _record_connection(deps, event)
        return wps.event_ack()
    except Exception:  # noqa: BLE001 - the edge: nothing internal reaches the service
        log.exception("the charger event handler failed")
        return plain("internal error", 500)


async def _connect(deps: Deps, event: wps.Connect) -> func.HttpResponse:
    credentials = wps.basic_credentials(event.headers)
    if credentials is None:
        return wps.connect_refused(401, "HTTP Basic credentials are required")
    username, password = credentials
    charger_id = (event.query.get("chargerId") or [username])[0]
    if not charger_id or (username and username != charger_id):
        return wps.connect_refused(401, "unknown charger or wrong password")
    charger = await verify_charger_password(deps, charger_id, password)
    if charger is None or not await provider_active(deps, charger):
        log.info("refused the connection of charger %r", charger_id)
        return wps.connect_refused(401, "unknown charger or wrong password")
    if SUBPROTOCOL not in event.subprotocols:
        return wps.connect_refused(401, f"the {SUBPROTOCOL} subprotocol is required")
    return wps.connect_accepted(subprotocol=SUBPROTOCOL, user_id=charger.id)


async def _record_connection(deps: Deps, event: wps.Connected | wps.Disconnected) -> None:
    now, connection_id = deps.clock.now(), event.connection_id

    def change(state: ChargerOcppState) -> ChargerOcppState:
        if isinstance(event, wps.Connected):
            return state.model_copy(update={"connection_id": connection_id, "last_seen_at": now})
        if state.connection_id != connection_id:  # a newer connection already replaced this one
            return state.model_copy(update={"last_seen_at": now})
        return state.model_copy(update={"connection_id": None, "last_seen_at": now})

    try:
        await update_ocpp_state(deps, event.user_id or "", change)
    except Exception:  # noqa: BLE001 - bookkeeping only: the event is acknowledged regardless
        log.exception("could not record the connection state of %s", event.user_id)
