"""The providers capability: one blueprint; its HTTP functions live in the modules imported below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="providers")

# Imported for their registrations on ``bp``; they import ``api`` from here.
from functions.providers import applications, promotions, staff, tariffs  # noqa: E402,F401
