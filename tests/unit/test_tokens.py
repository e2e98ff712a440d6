"""Access-token validation refuses everything but a current HS256 token for this API."""

from __future__ import annotations

import base64
import json

import jwt
import pytest

from shared.domain.errors import Unauthenticated
from shared.domain.principal import Principal, Role
from shared.services.tokens import TokenService
from tests.fakes import FakeClock

SECRET = "x" * 48


def service(clock: FakeClock, **overrides) -> TokenService:
    args = {"secret": SECRET, "issuer": "https://wattsup.test", "audience": "wattsup-api", "ttl_seconds": 900}
    args.update(overrides)
    return TokenService(clock=clock, **args)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def principal() -> Principal:
    return Principal("usr_1", "ada@example.com", frozenset({Role.PROVIDER_ADMIN}), "prv_1")


def test_round_trip_keeps_roles_and_tenant(principal):
    tokens = service(FakeClock())
    assert tokens.verify(tokens.issue(principal)) == principal


def test_alg_none_refused(principal):
    clock = FakeClock()
    claims = jwt.decode(service(clock).issue(principal), options={"verify_signature": False})
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    with pytest.raises(Unauthenticated) as err:
        service(clock).verify(unsigned)
    assert err.value.code == "invalid_token"


def test_other_secret_refused(principal):
    clock = FakeClock()
    forged = service(clock, secret="y" * 48).issue(principal)
    with pytest.raises(Unauthenticated):
        service(clock).verify(forged)


@pytest.mark.parametrize("field", ["issuer", "audience"])
def test_wrong_issuer_or_audience_refused(principal, field):
    clock = FakeClock()
    other = service(clock, **{field: "someone-else"}).issue(principal)
    with pytest.raises(Unauthenticated):
        service(clock).verify(other)


def test_expiry_is_exact(principal):
    clock = FakeClock()
    tokens = service(clock)
    token = tokens.issue(principal)
    clock.advance(seconds=899)
    assert tokens.verify(token).user_id == "usr_1"
    clock.advance(seconds=1)
    with pytest.raises(Unauthenticated) as err:
        tokens.verify(token)
    assert err.value.code == "token_expired"


def test_unknown_role_refused(principal):
    clock = FakeClock()
    claims = jwt.decode(service(clock).issue(principal), options={"verify_signature": False})
    claims["roles"] = ["superuser"]
    with pytest.raises(Unauthenticated):
        service(clock).verify(jwt.encode(claims, SECRET, algorithm="HS256"))
