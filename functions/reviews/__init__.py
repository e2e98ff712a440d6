"""Reviews: station reviews, ratings and problem reports; one blueprint, its functions in the modules below."""

import azure.functions as func

from shared.http.endpoint import Api

bp = func.Blueprint()
api = Api(bp, tag="reviews")

# Imported for their registrations on ``bp``; they import ``api`` or ``bp`` from here.
from functions.reviews import moderation, problems, reviews  # noqa: E402, F401
