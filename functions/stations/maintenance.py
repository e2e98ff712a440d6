"""(to be written)"""

from functions.stations import api  # noqa: F401
