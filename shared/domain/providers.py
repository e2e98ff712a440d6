"""Providers are the tenants: they own stations, chargers, tariffs and promotions.

Stored in the ``providers`` container (partition ``/id``): ``Provider`` (id ``prv_...``),
``ProviderApplication`` (``pap_...``) and ``StaffInvite`` (``sti_...``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.invoices import PostalAddress
from shared.domain.model import ApiModel

__all__ = ["ApplicationStatus", "Provider", "ProviderApplication", "ProviderStatus", "StaffInvite"]

ProviderStatus = Literal["active", "suspended"]
ApplicationStatus = Literal["pending", "approved", "rejected"]


class Provider(ApiModel):
    id: str
    type: Literal["provider"] = "provider"
    legal_name: str
    display_name: str
    vat_id: str
    country: str = Field(description="ISO 3166-1 alpha-2")
    currency: str = Field(description="ISO 4217")
    support_email: str
    support_phone: str | None = None
    billing_address: PostalAddress | None = None  # the seller's address on invoices
    status: ProviderStatus = "active"
    status_reason: str | None = None
    application_id: str
    created_at: datetime
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class ProviderApplication(ApiModel):
    id: str
    type: Literal["providerApplication"] = "providerApplication"
    applicant_user_id: str
    legal_name: str
    display_name: str
    vat_id: str
    country: str
    currency: str
    support_email: str
    support_phone: str | None = None
    billing_address: PostalAddress | None = None
    status: ApplicationStatus = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    provider_id: str | None = None
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class StaffInvite(ApiModel):
    """The token itself is never stored: only its SHA-256."""

    id: str
    type: Literal["staffInvite"] = "staffInvite"
    provider_id: str
    email: str
    email_key: str
    role: Literal["provider_staff", "provider_admin"] = "provider_staff"
    token_hash: str
    invited_by: str
    expires_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    revoked: bool = False
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)
