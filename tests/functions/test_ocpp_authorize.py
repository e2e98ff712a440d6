"""Authorize through the real router: the exact CALLRESULT for each kind of idTag."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.bootstrap import Deps
from shared.domain.users import RfidTag, RfidTagCreate, RfidTagUpdate, User, email_key
from shared.ocpp.router import handle_frame
from shared.repositories.users import add_user
from shared.services.ocpp_handlers import OcppContext, router
from shared.services.rfid_tags import add_tag, update_tag
from tests.fakes import FakeClock


async def authorize(deps: Deps, id_tag: str, message_id: str = "a1") -> str | None:
    frame = json.dumps([2, message_id, "Authorize", {"idTag": id_tag}], separators=(",", ":"))
    return await handle_frame(router, frame, OcppContext("CP-1", "conn-1", deps))


async def driver(deps: Deps, user_id: str = "usr_1") -> User:
    now = deps.clock.now()
    email = f"{user_id}@example.com"
    user = User(id=user_id, email=email, email_key=email_key(email), name="Dana", password_hash="x",
                created_at=now, updated_at=now, password_changed_at=now)  # fmt: skip
    return await add_user(deps.store, user)


@pytest.fixture
async def owner(deps: Deps) -> User:
    return await driver(deps)


async def test_a_known_tag_is_accepted_whatever_its_case(deps: Deps, owner: User) -> None:
    await add_tag(deps.store, deps.clock, owner.id, RfidTagCreate(id_tag="04a1b2c3"))
    assert await authorize(deps, "04A1B2C3") == '[3,"a1",{"idTagInfo":{"status":"Accepted"}}]'
    assert await authorize(deps, "04a1B2c3", "a2") == '[3,"a2",{"idTagInfo":{"status":"Accepted"}}]'


async def test_a_tag_with_an_expiry_is_accepted_with_its_expiry_date(deps: Deps, owner: User) -> None:
    expires = deps.clock.now() + timedelta(days=30)
    await add_tag(deps.store, deps.clock, owner.id, RfidTagCreate(id_tag="CARD-7", expires_at=expires))
    reply = await authorize(deps, "card-7")
    assert reply == '[3,"a1",{"idTagInfo":{"status":"Accepted","expiryDate":"2026-12-24T12:00:00.000Z"}}]'
    assert await authorize(deps, "card-7") == reply  # a retried call gets the same answer


async def test_a_tag_past_its_expiry_is_expired(deps: Deps, clock: FakeClock, owner: User) -> None:
    expires = clock.now() + timedelta(hours=1)
    await add_tag(deps.store, clock, owner.id, RfidTagCreate(id_tag="CARD-8", expires_at=expires))
    clock.advance(hours=1)
    assert await authorize(deps, "CARD-8") == '[3,"a1",{"idTagInfo":{"status":"Expired"}}]'


async def test_a_tag_marked_expired_is_expired(deps: Deps, owner: User) -> None:
    tag = RfidTag(id=RfidTag.key("OLD"), id_tag="OLD", user_id=owner.id, status="Expired", created_at=deps.clock.now())
    await deps.store.create("users", tag.model_dump(mode="json"))
    assert await authorize(deps, "old") == '[3,"a1",{"idTagInfo":{"status":"Expired"}}]'


async def test_a_blocked_tag_is_blocked(deps: Deps, owner: User) -> None:
    await add_tag(deps.store, deps.clock, owner.id, RfidTagCreate(id_tag="CARD-9"))
    await update_tag(deps.store, owner.id, "CARD-9", RfidTagUpdate(status="Blocked"))
    assert await authorize(deps, "card-9") == '[3,"a1",{"idTagInfo":{"status":"Blocked"}}]'


async def test_an_unknown_tag_is_invalid(deps: Deps, owner: User) -> None:
    assert await authorize(deps, "NOBODY") == '[3,"a1",{"idTagInfo":{"status":"Invalid"}}]'


async def test_a_tag_whose_owner_is_gone_is_invalid(deps: Deps) -> None:
    gone = await driver(deps, "usr_gone")
    await add_tag(deps.store, deps.clock, gone.id, RfidTagCreate(id_tag="ORPHAN"))
    await deps.store.delete("users", gone.id, gone.id)
    assert await authorize(deps, "orphan") == '[3,"a1",{"idTagInfo":{"status":"Invalid"}}]'


async def test_an_over_long_tag_is_a_property_violation(deps: Deps) -> None:
    reply = await authorize(deps, "X" * 21)
    assert reply is not None and json.loads(reply)[:3] == [4, "a1", "PropertyConstraintViolation"]
