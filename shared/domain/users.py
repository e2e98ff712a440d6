"""Users, their RFID tags, and the API shapes around them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field

from shared.domain.model import ApiModel, InputModel
from shared.domain.principal import Principal, Role

__all__ = [
    "LOCALES",
    "IdTagStatus",
    "PasswordChange",
    "RfidTag",
    "RfidTagCreate",
    "RfidTagPublic",
    "RfidTagUpdate",
    "User",
    "UserPublic",
    "UserRegister",
    "UserUpdate",
    "email_key",
]

LOCALES = ("en", "de")
Locale = Literal["en", "de"]
IdTagStatus = Literal["Accepted", "Blocked", "Expired"]
Password = Field(min_length=8, max_length=256)
# OCPP 1.6 idTag is CiString20Type: case-insensitive, at most 20 printable ASCII characters.
IdTagText = Field(min_length=1, max_length=20, pattern=r"^[\x21-\x7e]+$")


def email_key(email: str) -> str:
    """Emails are unique ignoring case."""
    return email.strip().casefold()


class User(ApiModel):
    id: str
    type: Literal["user"] = "user"
    email: str
    email_key: str
    name: str
    password_hash: str
    roles: list[Role] = Field(default_factory=lambda: [Role.DRIVER])
    provider_id: str | None = None
    locale: Locale = "en"
    created_at: datetime
    updated_at: datetime
    password_changed_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    def principal(self) -> Principal:
        return Principal(self.id, self.email, frozenset(self.roles), self.provider_id)


class UserRegister(InputModel):
    email: EmailStr
    password: str = Password
    name: str = Field(min_length=1, max_length=100)
    locale: Locale = "en"


class UserUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    locale: Locale | None = None


class UserPublic(ApiModel):
    id: str
    email: str
    name: str
    roles: list[Role]
    provider_id: str | None = None
    locale: Locale
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls.model_validate(user.model_dump())


class PasswordChange(InputModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Password
    refresh_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="This device's refresh token: it stays valid, every other one is revoked. Without it, or"
        " if it is not your live refresh token, every refresh token is revoked (this device signs in again).",
    )


class RfidTag(ApiModel):
    """Stored with id ``tag:<IDTAG>`` so that a tag belongs to one driver only and is a point read."""

    id: str
    type: Literal["idTag"] = "idTag"
    id_tag: str
    user_id: str
    label: str = ""
    status: IdTagStatus = "Accepted"
    expires_at: datetime | None = None
    created_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)

    @staticmethod
    def key(id_tag: str) -> str:
        return f"tag:{id_tag.upper()}"


class RfidTagCreate(InputModel):
    id_tag: str = IdTagText
    label: str = Field(default="", max_length=60)
    expires_at: datetime | None = None


class RfidTagUpdate(InputModel):
    label: str | None = Field(default=None, max_length=60)
    status: Literal["Accepted", "Blocked"] | None = None


class RfidTagPublic(ApiModel):
    id_tag: str
    label: str
    status: IdTagStatus
    expires_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of(cls, tag: RfidTag) -> RfidTagPublic:
        return cls.model_validate(tag.model_dump())
