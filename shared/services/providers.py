"""Provider sign-up and lifecycle: apply, approve or reject, the profile, suspend and reinstate.

Approval writes three documents with no transaction between them, so it is ordered
to be safe to retry. The application's ETag-guarded switch to ``approved`` is the
decision (an approval and a rejection racing cannot both win); then the applicant
becomes ``provider_admin``; the provider, whose id is derived from the application's,
is written last and marks the approval complete. Approving an approved application
whose provider does not exist yet finishes that approval; once it exists, it is a 409.
"""

from __future__ import annotations

import uuid

from shared.domain.errors import Conflict, NotFound, StaleVersion
from shared.domain.principal import Principal, Role
from shared.domain.provider_api import ApplicationRejection, ProviderApply, ProviderSuspension, ProviderUpdate
from shared.domain.providers import Provider, ProviderApplication, ProviderStatus
from shared.ports.clock import Clock
from shared.ports.store import DocumentStore, PreconditionFailed
from shared.repositories.provider_stations import mirror_onto_stations
from shared.repositories.providers import (
    add_application,
    add_provider,
    find_application,
    get_provider,
    latest_application,
    save_application,
    save_provider,
)
from shared.repositories.users import get_user
from shared.services import notification_events
from shared.services.memberships import join_provider

# The commands are re-exported: callers of these use cases build them from here.
__all__ = [
    "ApplicationRejection",
    "ProviderApply",
    "ProviderSuspension",
    "ProviderUpdate",
    "apply",
    "approve",
    "my_application",
    "read_application",
    "reinstate",
    "reject",
    "suspend",
    "update_provider",
]

_RETRIES = 5


async def apply(cmd: ProviderApply, *, user_id: str, store: DocumentStore, clock: Clock) -> ProviderApplication:
    user = await get_user(store, user_id)
    if user.provider_id is not None:
        raise Conflict("Your account already belongs to a provider.", code="already_in_provider")
    fields = cmd.model_dump(by_alias=False)
    application = ProviderApplication(
        id=f"pap_{uuid.uuid4().hex}", applicant_user_id=user_id, created_at=clock.now(), **fields
    )
    return await add_application(store, application)


async def read_application(application_id: str, *, principal: Principal, store: DocumentStore) -> ProviderApplication:
    """Its applicant and platform admins see it; for anyone else it does not exist."""
    application = await find_application(store, application_id)
    if application is None or not (principal.is_admin or principal.user_id == application.applicant_user_id):
        raise NotFound("No such application.", code="application_not_found")
    return application


async def my_application(*, principal: Principal, store: DocumentStore) -> ProviderApplication:
    """The caller's own latest application, whatever its status; 404 when they never applied."""
    application = await latest_application(store, principal.user_id)
    if application is None:
        raise NotFound("You have not applied to become a provider.", code="application_not_found")
    return application


def _decided(application: ProviderApplication) -> Conflict:
    return Conflict(f"The application is already {application.status}.", code="application_decided")


async def _decide(
    store: DocumentStore, clock: Clock, application: ProviderApplication, **changes: str | None
) -> ProviderApplication:
    decided = application.model_copy(update={**changes, "decided_at": clock.now()})
    try:
        return await save_application(store, decided, etag=application.etag)
    except PreconditionFailed:
        raise Conflict("Someone decided this application meanwhile.", code="application_decided") from None


async def approve(application_id: str, *, admin_id: str, store: DocumentStore, clock: Clock) -> ProviderApplication:
    application = await _get_application(store, application_id)
    provider_id = "prv_" + application.id.removeprefix("pap_")
    if application.status == "pending":
        applicant = await get_user(store, application.applicant_user_id)
        if applicant.provider_id not in (None, provider_id):
            raise Conflict("The applicant already belongs to another provider.", code="applicant_in_provider")
        application = await _decide(
            store, clock, application, status="approved", decided_by=admin_id, provider_id=provider_id
        )
    elif application.status == "rejected" or await _exists(store, provider_id):
        raise _decided(application)
    # Each step from here is idempotent: a retry after a failure finishes the approval.
    await join_provider(application.applicant_user_id, provider_id, Role.PROVIDER_ADMIN, store=store, clock=clock)
    await add_provider(store, _provider_of(application, provider_id))
    await notification_events.application_decided(application)  # the applicant hears the decision
    return application


async def reject(
    application_id: str, cmd: ApplicationRejection, *, admin_id: str, store: DocumentStore, clock: Clock
) -> ProviderApplication:
    application = await _get_application(store, application_id)
    if application.status != "pending":
        raise _decided(application)
    rejected = await _decide(store, clock, application, status="rejected", decided_by=admin_id, reason=cmd.reason)
    await notification_events.application_decided(rejected)  # the applicant hears the decision
    return rejected


async def _get_application(store: DocumentStore, application_id: str) -> ProviderApplication:
    application = await find_application(store, application_id)
    if application is None:
        raise NotFound("No such application.", code="application_not_found")
    return application


async def _exists(store: DocumentStore, provider_id: str) -> bool:
    try:
        await get_provider(store, provider_id)
    except NotFound:
        return False
    return True


def _provider_of(application: ProviderApplication, provider_id: str) -> Provider:
    # Built only from the decided application, so a retry writes the very same document.
    decided_at = application.decided_at or application.created_at
    fields = application.model_dump(
        by_alias=False,
        include={
            *("legal_name", "display_name", "vat_id", "country", "currency"),
            *("support_email", "support_phone", "billing_address"),
        },
    )
    return Provider(
        id=provider_id, application_id=application.id, created_at=decided_at, updated_at=decided_at, **fields
    )


async def update_provider(
    provider_id: str, cmd: ProviderUpdate, *, if_match: str | None, store: DocumentStore, clock: Clock
) -> Provider:
    provider = await get_provider(store, provider_id)
    if if_match is not None and if_match != provider.etag:
        raise StaleVersion("The provider changed since you read it; reload.")
    changes = cmd.model_dump(exclude_unset=True, by_alias=False)
    if "billing_address" in changes:
        changes["billing_address"] = cmd.billing_address  # the model, not its dump: model_copy does not validate
    try:
        saved = await save_provider(
            store, provider.model_copy(update={**changes, "updated_at": clock.now()}), etag=provider.etag
        )
    except PreconditionFailed:
        raise StaleVersion("The provider changed since you read it; reload.") from None
    if saved.display_name != provider.display_name:
        await mirror_onto_stations(store, provider_id)  # stations show the provider's name
    return saved


async def suspend(provider_id: str, cmd: ProviderSuspension, *, store: DocumentStore, clock: Clock) -> Provider:
    return await _set_status(store, clock, provider_id, "suspended", cmd.reason)


async def reinstate(provider_id: str, *, store: DocumentStore, clock: Clock) -> Provider:
    return await _set_status(store, clock, provider_id, "active", None)


async def _set_status(
    store: DocumentStore, clock: Clock, provider_id: str, status: ProviderStatus, reason: str | None
) -> Provider:
    for _ in range(_RETRIES):
        provider = await get_provider(store, provider_id)
        if provider.status != status:
            update = {"status": status, "status_reason": reason, "updated_at": clock.now()}
            try:
                provider = await save_provider(store, provider.model_copy(update=update), etag=provider.etag)
            except PreconditionFailed:
                continue
        # Also on a repeat: it finishes the stations of an earlier attempt that failed half-way.
        await mirror_onto_stations(store, provider_id)
        return provider
    raise Conflict("The provider kept changing; try again.", code="concurrent_update")
