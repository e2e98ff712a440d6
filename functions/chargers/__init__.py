"""The chargers' side of OCPP: the Web PubSub event handler and the webhook for IoT bridges (DESIGN section 6).

Both speak protocols of their own (CloudEvents, raw OCPP-J frames), not the JSON
API conventions, so they are registered on the blueprint directly and only
described to the OpenAPI document through an ``Endpoint`` record.
"""

import azure.functions as func

bp = func.Blueprint()

# Imported for their registrations on ``bp``.
from functions.chargers import commands, webhook, webpubsub  # noqa: E402,F401
