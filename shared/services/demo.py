"""Demo data for ``make run``: accounts to sign in with. Idempotent: safe at every start."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from shared.domain.errors import Conflict
from shared.domain.users import RfidTagCreate, UserRegister, email_key
from shared.repositories.users import find_by_email
from shared.services.accounts import register_user
from shared.services.rfid_tags import add_tag

if TYPE_CHECKING:
    from shared.bootstrap import Deps

__all__ = ["DEMO_DRIVER_EMAIL", "DEMO_DRIVER_PASSWORD", "seed_demo_data"]

log = logging.getLogger("wattsup.demo")

DEMO_DRIVER_EMAIL = "driver@wattsup.dev"
DEMO_DRIVER_PASSWORD = "driver-password-1"
DEMO_ID_TAG = "DEMO0001"


async def seed_demo_data(deps: Deps) -> None:
    if await find_by_email(deps.store, email_key(DEMO_DRIVER_EMAIL)) is not None:
        return
    cmd = UserRegister(email=DEMO_DRIVER_EMAIL, password=DEMO_DRIVER_PASSWORD, name="Demo Driver")
    try:
        driver = await register_user(cmd, store=deps.store, clock=deps.clock, passwords=deps.passwords)
        await add_tag(deps.store, deps.clock, driver.id, RfidTagCreate(id_tag=DEMO_ID_TAG, label="Demo card"))
    except Conflict:
        return  # another worker seeded first
    log.info("demo data: driver %s / %s, RFID tag %s", DEMO_DRIVER_EMAIL, DEMO_DRIVER_PASSWORD, DEMO_ID_TAG)
