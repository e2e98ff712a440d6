"""``POST ocpp/webhook/{chargerId}``: one OCPP-J frame per request, for IoT bridges without WebSockets.

HTTP Basic on every request (the username is the charger identity); the reply
frame is the ``text/plain`` body, or 204 when the frame needs none.
"""

from __future__ import annotations

import azure.functions as func

from functions.chargers.common import answer_frame, log, plain, register
from shared import bootstrap
from shared.http import webpubsub as wps
from shared.http.endpoint import MAX_BODY_BYTES
from shared.services.charger_state import provider_active
from shared.services.chargers import verify_charger_password

CHALLENGE = {"WWW-Authenticate": 'Basic realm="ocpp", charset="UTF-8"'}


@register(
    "ocpp/webhook/{chargerId}",
    ["POST"],
    "One OCPP-J frame from a charger behind an IoT bridge (HTTP Basic); the reply frame as text",
    errors=(401, 413),
)
async def ocpp_webhook(req: func.HttpRequest) -> func.HttpResponse:
    try:
        charger_id = req.route_params.get("chargerId", "")
        credentials = wps.basic_credentials({"authorization": [req.headers.get("authorization") or ""]})
        if credentials is None or credentials[0] != charger_id:
            return plain("HTTP Basic credentials of this charger are required", 401, **CHALLENGE)
        deps = await bootstrap.ready()
        charger = await verify_charger_password(deps, charger_id, credentials[1])
        if charger is None or not await provider_active(deps, charger):
            return plain("unknown charger or wrong password", 401, **CHALLENGE)
        body = req.get_body() or b""
        if len(body) > MAX_BODY_BYTES:
            return plain(f"a frame is at most {MAX_BODY_BYTES} bytes", 413)
        reply = await answer_frame(deps, charger.id, f"webhook:{charger.id}", body)
        return wps.message_reply(reply)
    except Exception:  # noqa: BLE001 - the edge: nothing internal reaches the bridge
        log.exception("the charger webhook failed")
        return plain("internal error", 500)
