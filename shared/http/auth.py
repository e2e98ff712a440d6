"""Reading the caller from ``Authorization: Bearer <JWT>``."""

from __future__ import annotations

from enum import Enum

import azure.functions as func

from shared.domain.errors import Unauthenticated
from shared.domain.principal import Principal
from shared.services.tokens import TokenService

__all__ = ["Auth", "authenticate"]


class Auth(Enum):
    PUBLIC = "public"  # no token read at all
    OPTIONAL = "optional"  # a token is read when sent, and must then be valid
    SIGNED_IN = "signed_in"  # a valid token is required


def authenticate(req: func.HttpRequest, tokens: TokenService, mode: Auth) -> Principal | None:
    if mode is Auth.PUBLIC:
        return None
    header = req.headers.get("authorization", "")
    if not header:
        if mode is Auth.SIGNED_IN:
            raise Unauthenticated("Sign in to do this: send Authorization: Bearer <token>.")
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Use Authorization: Bearer <token>.", code="invalid_token")
    return tokens.verify(token.strip())
