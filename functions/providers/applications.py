"""Provider sign-up and lifecycle: applications, the provider's profile, suspension and reinstatement."""

from __future__ import annotations

from functions.providers import api
from shared.domain.principal import Role, guard
from shared.domain.provider_api import ApplicationRejection, ProviderApply, ProviderSuspension, ProviderUpdate
from shared.domain.providers import ApplicationStatus, Provider, ProviderApplication
from shared.http.endpoint import Call
from shared.http.paging import ListQuery, Paged
from shared.http.reply import Reply
from shared.repositories.providers import get_provider, list_applications
from shared.services import providers


class ApplicationListQuery(ListQuery):
    status: ApplicationStatus | None = None


def _with_etag(provider: Provider) -> Reply:
    return Reply(provider, headers={"ETag": provider.etag or ""})


@api.route(
    "provider-applications",
    methods=["POST"],
    body=ProviderApply,
    response=ProviderApplication,
    status=201,
    errors=(409,),
    summary="Apply to become a charging provider (one pending application per account)",
)
async def apply_for_provider(call: Call) -> Reply:
    d = call.deps
    application = await providers.apply(call.body, user_id=call.user.user_id, store=d.store, clock=d.clock)
    return Reply(application, headers={"Location": f"/api/provider-applications/{application.id}"})


@api.route(
    "provider-applications/{applicationId}",
    response=ProviderApplication,
    errors=(404,),
    summary="One provider application (its applicant and platform admins)",
)
async def read_provider_application(call: Call) -> ProviderApplication:
    return await providers.read_application(call.route["applicationId"], principal=call.user, store=call.deps.store)


@api.route(
    "me/provider-application",
    response=ProviderApplication,
    errors=(404,),
    summary="Your latest provider application, whatever its status (404 application_not_found: none)",
)
async def read_my_provider_application(call: Call) -> ProviderApplication:
    return await providers.my_application(principal=call.user, store=call.deps.store)


# The Functions host reserves route templates starting with "admin": platform admin routes live under "platform".
@api.route(
    "platform/provider-applications",
    roles=[Role.ADMIN],
    query=ApplicationListQuery,
    response=Paged[ProviderApplication],
    summary="Provider applications, optionally by status (platform admins)",
)
async def list_provider_applications(call: Call) -> Paged[ProviderApplication]:
    q: ApplicationListQuery = call.query
    items, token = await list_applications(
        call.deps.store, status=q.status, limit=q.limit, continuation=q.continuation_token
    )
    return Paged[ProviderApplication](items=items, continuation_token=token)


@api.route(
    "platform/provider-applications/{applicationId}/approve",
    methods=["POST"],
    roles=[Role.ADMIN],
    response=ProviderApplication,
    errors=(404, 409),
    summary="Approve: creates the provider and makes the applicant its admin (safe to retry)",
)
async def approve_provider_application(call: Call) -> ProviderApplication:
    d = call.deps
    return await providers.approve(
        call.route["applicationId"], admin_id=call.user.user_id, store=d.store, clock=d.clock
    )


@api.route(
    "platform/provider-applications/{applicationId}/reject",
    methods=["POST"],
    roles=[Role.ADMIN],
    body=ApplicationRejection,
    response=ProviderApplication,
    errors=(404, 409),
    summary="Reject a pending application with a reason",
)
async def reject_provider_application(call: Call) -> ProviderApplication:
    d = call.deps
    return await providers.reject(
        call.route["applicationId"], call.body, admin_id=call.user.user_id, store=d.store, clock=d.clock
    )


@api.route("providers/{providerId}", response=Provider, errors=(404,), summary="A provider (its members, admins)")
async def read_provider(call: Call) -> Reply:
    provider_id = call.route["providerId"]
    guard.tenant(call.principal, provider_id)
    return _with_etag(await get_provider(call.deps.store, provider_id))


@api.route(
    "providers/{providerId}",
    methods=["PATCH"],
    body=ProviderUpdate,
    response=Provider,
    errors=(403, 404, 412),
    summary="Update the display name or support contact (provider admin; If-Match honoured)",
)
async def update_provider(call: Call) -> Reply:
    provider_id, d = call.route["providerId"], call.deps
    guard.tenant(call.principal, provider_id, admin_only=True)
    provider = await providers.update_provider(
        provider_id, call.body, if_match=call.if_match, store=d.store, clock=d.clock
    )
    return _with_etag(provider)


@api.route(
    "platform/providers/{providerId}/suspend",
    methods=["POST"],
    roles=[Role.ADMIN],
    body=ProviderSuspension,
    response=Provider,
    errors=(404,),
    summary="Suspend a provider: its stations leave search, its data stays (idempotent)",
)
async def suspend_provider(call: Call) -> Reply:
    d = call.deps
    return _with_etag(await providers.suspend(call.route["providerId"], call.body, store=d.store, clock=d.clock))


@api.route(
    "platform/providers/{providerId}/reinstate",
    methods=["POST"],
    roles=[Role.ADMIN],
    response=Provider,
    errors=(404,),
    summary="Reinstate a suspended provider: its stations return to search (idempotent)",
)
async def reinstate_provider(call: Call) -> Reply:
    d = call.deps
    return _with_etag(await providers.reinstate(call.route["providerId"], store=d.store, clock=d.clock))
