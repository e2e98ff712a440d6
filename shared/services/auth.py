"""Sign-in: login, refresh, logout. Access tokens are JWTs; refresh tokens rotate."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field

from shared.domain.errors import Unauthenticated
from shared.domain.model import ApiModel, InputModel
from shared.domain.users import email_key
from shared.repositories.users import find_by_email, get_user
from shared.services import refresh_tokens
from shared.services.throttle import check_throttle, clear_failures, record_failure

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["LoginRequest", "RefreshRequest", "TokenPair", "login", "logout", "refresh"]

# Verifying against a real hash when the account does not exist keeps the
# timing of "no such account" the same as "wrong password".
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$UBYl+d1oFBAcW3x4hyU+Aw$Qzjn4uhRdg9YQqCK/kzLuND3nInXDiBkjOtSPcaxlzE"


class LoginRequest(InputModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(InputModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPair(ApiModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_token_expires_at: datetime


async def _pair(deps: Deps, user_id: str, refresh_token: str, refresh_expires: datetime) -> TokenPair:
    user = await get_user(deps.store, user_id)
    return TokenPair(
        access_token=deps.tokens.issue(user.principal()),
        expires_in=deps.tokens.ttl_seconds,
        refresh_token=refresh_token,
        refresh_token_expires_at=refresh_expires,
    )


async def login(cmd: LoginRequest, *, client: str, deps: Deps) -> TokenPair:
    s, store, clock = deps.settings, deps.store, deps.clock
    account_key, client_key = f"login:acct:{email_key(cmd.email)}", f"login:ip:{client}"
    window = s.login_throttle_window_seconds
    await check_throttle(store, clock, account_key, limit=s.login_max_failures_per_account, window_seconds=window)
    await check_throttle(store, clock, client_key, limit=s.login_max_failures_per_client, window_seconds=window)
    user = await find_by_email(store, email_key(cmd.email))
    try:
        deps.passwords.verify(user.password_hash if user else _DUMMY_HASH, cmd.password)
        ok = user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        await record_failure(store, clock, account_key, window_seconds=window)
        await record_failure(store, clock, client_key, window_seconds=window)
        raise Unauthenticated("Wrong email or password.", code="invalid_credentials")
    await clear_failures(store, account_key)
    token, expires = await refresh_tokens.start_family(store, clock, user.id, ttl_days=s.refresh_token_ttl_days)
    return await _pair(deps, user.id, token, expires)


async def refresh(cmd: RefreshRequest, *, deps: Deps) -> TokenPair:
    user_id, token, expires = await refresh_tokens.rotate(
        deps.store, deps.clock, cmd.refresh_token, ttl_days=deps.settings.refresh_token_ttl_days
    )
    return await _pair(deps, user_id, token, expires)


async def logout(cmd: RefreshRequest, *, user_id: str, deps: Deps) -> None:
    await refresh_tokens.revoke_by_token(deps.store, cmd.refresh_token, user_id=user_id)
