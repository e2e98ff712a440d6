"""(to be written)"""

from functions.providers import api  # noqa: F401
