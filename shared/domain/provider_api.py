"""Request bodies and public views around providers and their staff (the stored documents are in ``providers``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, Self

from pydantic import EmailStr, Field, field_validator

from shared.domain.invoices import PostalAddress
from shared.domain.iso import CountryCode, CurrencyCode
from shared.domain.model import ApiModel, InputModel
from shared.domain.providers import StaffInvite

__all__ = [
    "ApplicationRejection",
    "InviteAcceptance",
    "InviteStatus",
    "invite_status",
    "ProviderApply",
    "ProviderSuspension",
    "ProviderUpdate",
    "StaffInviteCreate",
    "StaffInviteCreated",
    "StaffInvitePublic",
]

_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164, once spaces, dashes, dots and brackets are dropped
_VAT = re.compile(r"^[A-Z0-9]{4,16}$")
InviteRole = Literal["provider_staff", "provider_admin"]
InviteStatus = Literal["pending", "accepted", "revoked", "expired"]


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    compact = re.sub(r"[\s\-./()]", "", value)
    if not _PHONE.match(compact):
        raise ValueError("give the number in international format, e.g. +49 30 1234567")
    return compact


class ProviderApply(InputModel):
    legal_name: str = Field(min_length=2, max_length=200)
    display_name: str = Field(min_length=2, max_length=100)
    vat_id: str = Field(min_length=4, max_length=20)
    country: CountryCode
    currency: CurrencyCode
    support_email: EmailStr
    support_phone: str | None = Field(default=None, max_length=30)
    billing_address: PostalAddress | None = Field(default=None, description="the seller's address on invoices")

    @field_validator("vat_id")
    @classmethod
    def _vat(cls, value: str) -> str:
        compact = re.sub(r"[\s\-.]", "", value).upper()
        if not _VAT.match(compact):
            raise ValueError("a VAT id is 4 to 16 letters and digits, e.g. DE123456789")
        return compact

    _support_phone = field_validator("support_phone")(_phone)


class ProviderUpdate(InputModel):
    """Absent fields stay as they are; only the phone may be cleared with null."""

    display_name: str | None = Field(default=None, min_length=2, max_length=100)
    support_email: EmailStr | None = None
    support_phone: str | None = Field(default=None, max_length=30)
    billing_address: PostalAddress | None = None

    @field_validator("display_name", "support_email", "billing_address", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null: leave the field out to keep it")
        return value

    _support_phone = field_validator("support_phone")(_phone)


class ApplicationRejection(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class ProviderSuspension(InputModel):
    reason: str = Field(min_length=1, max_length=500)


class StaffInviteCreate(InputModel):
    email: EmailStr
    role: InviteRole = "provider_staff"


class InviteAcceptance(InputModel):
    token: str = Field(min_length=1, max_length=200)


class StaffInvitePublic(ApiModel):
    id: str
    provider_id: str
    email: str
    role: InviteRole
    status: InviteStatus
    invited_by: str
    expires_at: datetime
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of(cls, invite: StaffInvite, now: datetime, **extra: str) -> Self:
        return cls.model_validate({**invite.model_dump(by_alias=False), "status": invite_status(invite, now), **extra})


class StaffInviteCreated(StaffInvitePublic):
    token: str = Field(description="Shown in this response only: send it to the invitee")


def invite_status(invite: StaffInvite, now: datetime) -> InviteStatus:
    if invite.accepted_by is not None:
        return "accepted"
    if invite.revoked:
        return "revoked"
    return "expired" if now >= invite.expires_at else "pending"
