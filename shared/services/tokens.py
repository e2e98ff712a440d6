"""Access tokens: short-lived JWTs (HS256) with issuer, audience and expiry always checked."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import jwt

from shared.domain.errors import Unauthenticated
from shared.domain.principal import Principal, Role
from shared.ports.clock import Clock

__all__ = ["TokenService"]

ALGORITHM = "HS256"


class TokenService:
    def __init__(self, *, secret: str, issuer: str, audience: str, ttl_seconds: int, clock: Clock) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = timedelta(seconds=ttl_seconds)
        self._clock = clock

    @property
    def ttl_seconds(self) -> int:
        return int(self._ttl.total_seconds())

    def issue(self, principal: Principal) -> str:
        now = self._clock.now()
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": principal.user_id,
            "email": principal.email,
            "roles": sorted(principal.roles),
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if principal.provider_id:
            claims["pid"] = principal.provider_id
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; Unauthenticated for anything else.

        Only HS256 is accepted, which refuses ``alg: none`` and key-confusion tricks.
        """
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # pyjwt would compare times with the system clock; ours is the Clock port.
                options={
                    "require": ["exp", "iat", "sub", "iss", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            now = int(self._clock.now().timestamp())
            if int(claims["exp"]) <= now:
                raise jwt.ExpiredSignatureError("expired")
            if int(claims.get("nbf", 0)) > now:
                raise jwt.ImmatureSignatureError("not yet valid")
            roles = frozenset(Role(r) for r in claims.get("roles", []))
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The access token has expired.", code="token_expired") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthenticated("The access token is not valid.", code="invalid_token") from exc
        return Principal(
            user_id=str(claims["sub"]),
            email=str(claims.get("email", "")),
            roles=roles,
            provider_id=claims.get("pid"),
        )
