"""Notifications: email and in-app, preferences, dead letters; one blueprint, its functions in the modules below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="notifications")

# Imported for their registrations on ``bp``; they import ``api`` or ``bp`` from here.
from functions.notifications import consumers, dead_letters, inbox  # noqa: E402,F401
