"""The data tracking and analytics capability: one blueprint; its functions live in the modules imported below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="analytics")

# Imported for their registrations on ``bp``; they import ``api`` or ``bp`` from here.
from functions.analytics import consumers, endpoints  # noqa: E402,F401
