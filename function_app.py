"""Watt's Up Function App: wiring only, one blueprint per capability."""

import azure.functions as func

from functions import (
    analytics,
    chargers,
    notifications,
    payments,
    providers,
    reviews,
    sessions,
    stations,
    system,
    users,
)
from shared import telemetry

telemetry.configure()  # Application Insights, only where a connection string is set (shared/telemetry.py)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

app.register_functions(system.bp)
app.register_functions(users.bp)
app.register_functions(providers.bp)
app.register_functions(stations.bp)
app.register_functions(chargers.bp)
app.register_functions(sessions.bp)
app.register_functions(payments.bp)
app.register_functions(analytics.bp)
app.register_functions(reviews.bp)
app.register_functions(notifications.bp)
