"""A provider's staff: invites by email, accepting them, listing and removing members.

An invite token is ``<inviteId>.<secret>`` so that accepting is a point read; only
the token's SHA-256 is stored, so the store never holds a usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import timedelta

from shared.domain.errors import Conflict, Forbidden, NotFound
from shared.domain.principal import Role
from shared.domain.provider_api import (
    InviteAcceptance,
    StaffInviteCreate,
    StaffInviteCreated,
    StaffInvitePublic,
    invite_status,
)
from shared.domain.providers import StaffInvite
from shared.domain.users import User, email_key
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories import providers as repo
from shared.repositories.users import find_by_email, get_user
from shared.services.memberships import has_other_admin, join_provider, leave_provider, list_members

__all__ = [
    "INVITE_TTL",
    "accept_invite",
    "create_invite",
    "list_invites",
    "list_staff",
    "remove_staff",
    "revoke_invite",
]

INVITE_TTL = timedelta(days=7)
_RETRIES = 5
_USER_ID = re.compile(r"^usr_[A-Za-z0-9_\-]{1,64}$")
_REFUSED = {
    "accepted": ("invite_used", "This invite has already been used."),
    "revoked": ("invite_revoked", "This invite was withdrawn; ask for a new one."),
    "expired": ("invite_expired", "This invite has expired; ask for a new one."),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    provider_id: str, cmd: StaffInviteCreate, *, invited_by: str, store: DocumentStore, clock: Clock
) -> StaffInviteCreated:
    await repo.require_active_provider(store, provider_id)  # a suspended provider takes on no one
    key = email_key(str(cmd.email))
    member = await find_by_email(store, key)
    if member is not None and member.provider_id == provider_id:
        if cmd.role == "provider_staff" or Role.PROVIDER_ADMIN in member.roles:
            raise Conflict("This person is already on the provider's staff.", code="already_staff")
    invite_id, now = f"sti_{uuid.uuid4().hex}", clock.now()
    token = f"{invite_id}.{secrets.token_urlsafe(32)}"
    invite = StaffInvite(
        id=invite_id,
        provider_id=provider_id,
        email=str(cmd.email),
        email_key=key,
        role=cmd.role,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=now + INVITE_TTL,
        created_at=now,
    )
    return StaffInviteCreated.of(await repo.add_invite(store, invite), now, token=token)


async def list_invites(
    provider_id: str, *, limit: int, continuation: str | None, store: DocumentStore, clock: Clock
) -> tuple[list[StaffInvitePublic], str | None]:
    await repo.get_provider(store, provider_id)
    invites, token = await repo.list_invites(store, provider_id, limit=limit, continuation=continuation)
    return [StaffInvitePublic.of(i, clock.now()) for i in invites], token


async def revoke_invite(provider_id: str, invite_id: str, *, store: DocumentStore) -> None:
    """Withdraw a pending invite; revoking again is a no-op, and an accepted one stays."""
    for _ in range(_RETRIES):
        invite = await repo.find_invite(store, invite_id)
        if invite is None or invite.provider_id != provider_id:
            raise NotFound("No such invite.", code="invite_not_found")
        if invite.accepted_by is not None:
            raise Conflict("The invite was accepted: remove the staff member instead.", code="invite_used")
        if invite.revoked:
            return
        try:
            await repo.save_invite(store, invite.model_copy(update={"revoked": True}), etag=invite.etag)
            return
        except PreconditionFailed:
            continue  # accepted or revoked meanwhile: decide again on what is stored now
    raise Conflict("The invite kept changing; try again.", code="concurrent_update")


async def accept_invite(cmd: InviteAcceptance, *, user_id: str, store: DocumentStore, clock: Clock) -> User:
    invite_id = cmd.token.partition(".")[0]
    for _ in range(_RETRIES):
        invite = await repo.find_invite(store, invite_id)
        if invite is None or not secrets.compare_digest(invite.token_hash, _hash(cmd.token)):
            raise NotFound("This invite is not valid; ask for a new one.", code="invite_not_found")
        if invite.accepted_by == user_id:
            break  # this user's acceptance again (a retry): finish it
        await _check_acceptable(store, clock, invite, user_id)
        # Spending the invite first, under its ETag, is what stops a second use or a late revoke.
        accepted = invite.model_copy(update={"accepted_by": user_id, "accepted_at": clock.now()})
        try:
            await repo.save_invite(store, accepted, etag=invite.etag)
            break
        except PreconditionFailed:
            continue
    else:
        raise Conflict("The invite kept changing; try again.", code="concurrent_update")
    return await join_provider(user_id, invite.provider_id, Role(invite.role), store=store, clock=clock)


async def _check_acceptable(store: DocumentStore, clock: Clock, invite: StaffInvite, user_id: str) -> None:
    status = invite_status(invite, clock.now())
    if status != "pending":
        code, detail = _REFUSED[status]
        raise Conflict(detail, code=code)
    user = await get_user(store, user_id)
    if user.email_key != invite.email_key:
        raise Forbidden("This invite was sent to another email address.", code="invite_email_mismatch")
    await repo.require_active_provider(store, invite.provider_id)
    if user.provider_id not in (None, invite.provider_id):
        raise Conflict("Your account already belongs to another provider.", code="already_in_provider")


async def list_staff(
    provider_id: str, *, limit: int, continuation: str | None, store: DocumentStore
) -> tuple[list[User], str | None]:
    await repo.get_provider(store, provider_id)
    return await list_members(provider_id, limit=limit, continuation=continuation, store=store)


async def remove_staff(provider_id: str, user_id: str, *, store: DocumentStore, clock: Clock) -> None:
    """Drop the member's provider roles; the provider always keeps at least one admin."""
    try:
        member = await get_user(store, user_id) if _USER_ID.match(user_id) else None
    except NotFound:
        member = None
    if member is None or member.provider_id != provider_id:
        raise NotFound("No such staff member.", code="staff_not_found")
    if Role.PROVIDER_ADMIN in member.roles and not await has_other_admin(provider_id, user_id, store=store):
        raise Conflict("This is the provider's last admin: make someone else admin first.", code="last_provider_admin")
    await leave_provider(user_id, provider_id, store=store, clock=clock)
