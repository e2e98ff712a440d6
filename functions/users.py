"""Users and auth: register, sign in, refresh, sign out, profile, password, RFID tags."""

from __future__ import annotations

import azure.functions as func
from pydantic import Field

from shared.domain.principal import Role
from shared.domain.users import (
    PasswordChange,
    RfidTagCreate,
    RfidTagPublic,
    RfidTagUpdate,
    UserPublic,
    UserRegister,
    UserUpdate,
)
from shared.http.auth import Auth
from shared.http.endpoint import Api, Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.repositories.users import get_user, list_users
from shared.services import accounts, auth, rfid_tags

bp = func.Blueprint()
api = Api(bp, tag="users")


def _with_etag(user_public: UserPublic, etag: str | None, status: int | None = None, **headers: str) -> Reply:
    return Reply(user_public, status=status, headers={"ETag": etag or "", **headers})


@api.route(
    "users",
    methods=["POST"],
    auth=Auth.PUBLIC,
    body=UserRegister,
    response=UserPublic,
    status=201,
    errors=(409,),
    summary="Register a driver account",
)
async def register_user(call: Call) -> Reply:
    d = call.deps
    user = await accounts.register_user(call.body, store=d.store, clock=d.clock, passwords=d.passwords)
    return _with_etag(UserPublic.of(user), user.etag, 201, Location="/api/me")


@api.route(
    "auth/login",
    methods=["POST"],
    auth=Auth.PUBLIC,
    body=auth.LoginRequest,
    response=auth.TokenPair,
    errors=(401, 429),
    summary="Sign in with email and password",
)
async def login(call: Call) -> auth.TokenPair:
    return await auth.login(call.body, client=call.client_address, deps=call.deps)


@api.route(
    "auth/refresh",
    methods=["POST"],
    auth=Auth.PUBLIC,
    body=auth.RefreshRequest,
    response=auth.TokenPair,
    errors=(401,),
    summary="Exchange a refresh token for new tokens",
)
async def refresh_tokens(call: Call) -> auth.TokenPair:
    return await auth.refresh(call.body, deps=call.deps)


@api.route(
    "auth/logout",
    methods=["POST"],
    body=auth.RefreshRequest,
    status=204,
    errors=(401,),
    summary="Sign out: revoke the refresh token's family",
)
async def logout(call: Call) -> None:
    await auth.logout(call.body, user_id=call.user.user_id, deps=call.deps)


@api.route("me", response=UserPublic, summary="The signed-in user")
async def read_me(call: Call) -> Reply:
    user = await get_user(call.deps.store, call.user.user_id)
    return _with_etag(UserPublic.of(user), user.etag)


@api.route(
    "me",
    methods=["PATCH"],
    body=UserUpdate,
    response=UserPublic,
    errors=(412,),
    summary="Update the signed-in user's profile (If-Match honoured)",
)
async def update_me(call: Call) -> Reply:
    d = call.deps
    user = await accounts.update_profile(
        call.user.user_id, call.body, if_match=call.if_match, store=d.store, clock=d.clock
    )
    return _with_etag(UserPublic.of(user), user.etag)


@api.route(
    "me/password",
    methods=["POST"],
    body=PasswordChange,
    status=204,
    summary="Change password; signs out every other device (send this device's refreshToken to stay signed in)",
)
async def change_password(call: Call) -> None:
    d = call.deps
    await accounts.change_password(call.user.user_id, call.body, store=d.store, clock=d.clock, passwords=d.passwords)


@api.route("me/rfid-tags", response=list[RfidTagPublic], summary="The signed-in driver's RFID tags")
async def list_rfid_tags(call: Call) -> list[RfidTagPublic]:
    return [RfidTagPublic.of(t) for t in await rfid_tags.list_tags(call.deps.store, call.user.user_id)]


@api.route(
    "me/rfid-tags",
    methods=["POST"],
    body=RfidTagCreate,
    response=RfidTagPublic,
    status=201,
    errors=(409,),
    summary="Register an RFID tag for charging",
)
async def add_rfid_tag(call: Call) -> Reply:
    tag = await rfid_tags.add_tag(call.deps.store, call.deps.clock, call.user.user_id, call.body)
    return Reply(RfidTagPublic.of(tag), headers={"Location": f"/api/me/rfid-tags/{tag.id_tag}"})


@api.route(
    "me/rfid-tags/{idTag}",
    methods=["PATCH"],
    body=RfidTagUpdate,
    response=RfidTagPublic,
    summary="Relabel, block or unblock one of your RFID tags",
)
async def update_rfid_tag(call: Call) -> RfidTagPublic:
    tag = await rfid_tags.update_tag(call.deps.store, call.user.user_id, call.route["idTag"], call.body)
    return RfidTagPublic.of(tag)


@api.route("me/rfid-tags/{idTag}", methods=["DELETE"], status=204, summary="Remove one of your RFID tags")
async def remove_rfid_tag(call: Call) -> None:
    await rfid_tags.remove_tag(call.deps.store, call.user.user_id, call.route["idTag"])


class UserListQuery(ListQuery):
    email_prefix: str | None = Field(default=None, max_length=320)


# The Functions host reserves route templates starting with "admin": platform admin routes live under "platform".
@api.route(
    "platform/users",
    roles=[Role.ADMIN],
    query=UserListQuery,
    response=Paged[UserPublic],
    summary="All users (platform admins)",
)
async def list_all_users(call: Call) -> Paged[UserPublic]:
    q: UserListQuery = call.query
    users, token = await list_users(
        call.deps.store, email_prefix=q.email_prefix, limit=q.limit, continuation=q.continuation_token
    )
    return Paged[UserPublic](items=[UserPublic.of(u) for u in users], continuation_token=token)
