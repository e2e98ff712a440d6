"""Use cases of user accounts: register, profile, password, the first admin."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from shared.domain.errors import Conflict, InvalidInput, StaleVersion
from shared.domain.principal import Role
from shared.domain.users import PasswordChange, User, UserRegister, UserUpdate, email_key
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories.users import add_user, find_by_email, get_user, save_user
from shared.services import notification_events
from shared.services.refresh_tokens import live_family, revoke_all_families

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["change_password", "ensure_first_admin", "register_user", "update_profile"]

log = logging.getLogger("wattsup.accounts")


async def register_user(
    cmd: UserRegister,
    *,
    store: DocumentStore,
    clock: Clock,
    passwords: PasswordHasher,
    roles: tuple[Role, ...] = (Role.DRIVER,),
) -> User:
    if email_key(cmd.password) == email_key(str(cmd.email)):
        raise InvalidInput("The password must not be your email.", code="weak_password")
    now = clock.now()
    user = User(
        id=f"usr_{uuid.uuid4().hex}",
        email=str(cmd.email),
        email_key=email_key(str(cmd.email)),
        name=cmd.name,
        password_hash=passwords.hash(cmd.password),
        roles=list(roles),
        locale=cmd.locale,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    return await add_user(store, user)


async def update_profile(
    user_id: str, cmd: UserUpdate, *, if_match: str | None, store: DocumentStore, clock: Clock
) -> User:
    user = await get_user(store, user_id)
    if if_match is not None and if_match != user.etag:
        raise StaleVersion("The profile changed since you read it; reload.", code="stale_version")
    changes = cmd.model_dump(exclude_unset=True, exclude_none=True, by_alias=False)
    updated = user.model_copy(update={**changes, "updated_at": clock.now()})
    try:
        return await save_user(store, updated, etag=user.etag)
    except PreconditionFailed as exc:
        raise StaleVersion("The profile changed since you read it; reload.") from exc


async def change_password(
    user_id: str, cmd: PasswordChange, *, store: DocumentStore, clock: Clock, passwords: PasswordHasher
) -> User:
    user = await get_user(store, user_id)
    try:
        passwords.verify(user.password_hash, cmd.current_password)
    except VerificationError as exc:
        raise InvalidInput("The current password is wrong.", code="wrong_password") from exc
    if cmd.new_password == cmd.current_password:
        raise InvalidInput("Choose a new password different from the current one.", code="weak_password")
    # The caller's own sign-in stays if they name it; a token that is not their live one keeps nothing.
    keep = None if cmd.refresh_token is None else await live_family(store, clock, cmd.refresh_token, user_id=user_id)
    now = clock.now()
    updated = user.model_copy(
        update={"password_hash": passwords.hash(cmd.new_password), "password_changed_at": now, "updated_at": now}
    )
    try:
        saved = await save_user(store, updated, etag=user.etag)
    except PreconditionFailed as exc:
        raise StaleVersion("The account changed meanwhile; try again.") from exc
    # Every other signed-in device must sign in again with the new password.
    await revoke_all_families(store, user_id, keep=keep)
    await notification_events.password_changed(saved)  # the security email (always sent)
    return saved


async def ensure_first_admin(deps: Deps) -> None:
    """Create the admin named by ADMIN_EMAIL/ADMIN_PASSWORD if no account has that email yet."""
    s = deps.settings
    if not s.admin_email or not s.admin_password:
        return
    existing = await find_by_email(deps.store, email_key(s.admin_email))
    if existing is not None:
        if Role.ADMIN not in existing.roles:
            log.warning("ADMIN_EMAIL %s belongs to an account without the admin role", s.admin_email)
        return
    cmd = UserRegister(email=s.admin_email, password=s.admin_password, name="Platform admin")
    try:
        await register_user(cmd, store=deps.store, clock=deps.clock, passwords=deps.passwords, roles=(Role.ADMIN,))
        log.info("created the first admin %s", s.admin_email)
    except Conflict:
        pass  # another worker created it first
