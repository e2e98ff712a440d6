"""A provider's staff: invites (created, listed, revoked by the provider admin; accepted by the invitee) and members."""

from __future__ import annotations

from functions.providers import api
from shared.domain.principal import guard
from shared.domain.provider_api import InviteAcceptance, StaffInviteCreate, StaffInviteCreated, StaffInvitePublic
from shared.domain.users import UserPublic
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.services import staff


def _provider_admin(call: Call) -> str:
    """The route's provider, once the caller is its admin (or a platform admin); others get 404/403."""
    provider_id = call.route["providerId"]
    guard.tenant(call.principal, provider_id, admin_only=True)
    return provider_id


@api.route(
    "providers/{providerId}/invites",
    methods=["POST"],
    body=StaffInviteCreate,
    response=StaffInviteCreated,
    status=201,
    errors=(403, 404, 409),
    summary="Invite someone by email to the provider's staff; the token is in this response only",
)
async def create_staff_invite(call: Call) -> Reply:
    provider_id, d = _provider_admin(call), call.deps
    invite = await staff.create_invite(
        provider_id, call.body, invited_by=call.user.user_id, store=d.store, clock=d.clock
    )
    # The body holds the one copy of the token: no cache may keep it.
    headers = {"Location": f"/api/providers/{provider_id}/invites/{invite.id}", "Cache-Control": "no-store"}
    return Reply(invite, headers=headers)


@api.route(
    "providers/{providerId}/invites",
    query=ListQuery,
    response=Paged[StaffInvitePublic],
    errors=(403, 404),
    summary="The provider's staff invites, with their status (provider admin)",
)
async def list_staff_invites(call: Call) -> Paged[StaffInvitePublic]:
    provider_id, d, q = _provider_admin(call), call.deps, call.query
    items, token = await staff.list_invites(
        provider_id, limit=q.limit, continuation=q.continuation_token, store=d.store, clock=d.clock
    )
    return Paged[StaffInvitePublic](items=items, continuation_token=token)


@api.route(
    "providers/{providerId}/invites/{inviteId}",
    methods=["DELETE"],
    status=204,
    errors=(403, 404, 409),
    summary="Withdraw a pending invite (provider admin)",
)
async def revoke_staff_invite(call: Call) -> None:
    await staff.revoke_invite(_provider_admin(call), call.route["inviteId"], store=call.deps.store)


@api.route(
    "invites/accept",
    methods=["POST"],
    body=InviteAcceptance,
    response=UserPublic,
    errors=(403, 404, 409),
    summary="Accept a staff invite sent to your email; the new role is in your next token",
)
async def accept_staff_invite(call: Call) -> UserPublic:
    d = call.deps
    user = await staff.accept_invite(call.body, user_id=call.user.user_id, store=d.store, clock=d.clock)
    return UserPublic.of(user)


@api.route(
    "providers/{providerId}/staff",
    query=ListQuery,
    response=Paged[UserPublic],
    errors=(403, 404),
    summary="The provider's members (provider admin)",
)
async def list_provider_staff(call: Call) -> Paged[UserPublic]:
    provider_id, q = _provider_admin(call), call.query
    users, token = await staff.list_staff(
        provider_id, limit=q.limit, continuation=q.continuation_token, store=call.deps.store
    )
    return Paged[UserPublic](items=[UserPublic.of(u) for u in users], continuation_token=token)


@api.route(
    "providers/{providerId}/staff/{userId}",
    methods=["DELETE"],
    status=204,
    errors=(403, 404, 409),
    summary="Remove a member from the provider (provider admin; never the last admin)",
)
async def remove_provider_staff(call: Call) -> None:
    d = call.deps
    await staff.remove_staff(_provider_admin(call), call.route["userId"], store=d.store, clock=d.clock)
