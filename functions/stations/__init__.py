"""The stations capability: one blueprint; its HTTP functions live in the modules imported below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="stations")

# Imported for their registrations on ``bp``; they import ``api`` from here.
from functions.stations import chargers, maintenance, prices, reliability, search, stations  # noqa: E402,F401
