"""The payments capability: one blueprint; its HTTP functions live in the modules imported below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="payments")

# Imported for their registrations on ``bp``; they import ``api`` from here.
from functions.payments import billing, invoices, payment_methods, payments, statements, webhooks  # noqa: E402,F401
