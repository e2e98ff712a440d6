"""The charging sessions and reservations capability: one blueprint; its functions live in the modules below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="sessions")

# Imported for their registrations on ``bp``; they import ``api`` or ``bp`` from here.
from functions.sessions import sessions, timers  # noqa: E402,F401

# isort: split
from functions.sessions import reservations  # noqa: E402,F401

# isort: split
from functions.sessions import meter_history, meter_samples  # noqa: E402,F401
