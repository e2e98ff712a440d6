"""The demo network seeds once, through the services, and obeys their rules."""

from __future__ import annotations

from shared.domain.users import email_key
from shared.ports.store import Filter, Query
from shared.repositories.users import find_by_email
from shared.services.demo import DEMO_DRIVER_EMAIL, seed_demo_data
from shared.services.payment_methods import list_cards


async def count(store, container, *filters):
    total, token = 0, None
    while True:
        page = await store.query(container, Query(tuple(filters), limit=200, continuation=token))
        total += len(page.items)
        token = page.continuation
        if token is None:
            return total


async def test_demo_network_seeds_once(deps):
    from shared import bootstrap

    await bootstrap.ready()  # the first admin approves the demo providers
    await seed_demo_data(deps)
    providers = await count(deps.store, "providers", Filter("type", "eq", "provider"))
    stations = await count(deps.store, "stations", Filter("type", "eq", "station"), Filter("lifecycle", "eq", "active"))
    priced = await count(deps.store, "stations", Filter("type", "eq", "station"), Filter("energyPricePerKwh", "gt", 0))
    featured = await count(
        deps.store, "stations", Filter("type", "eq", "station"), Filter("featuredUntil", "defined", True)
    )
    assert (providers, stations, priced) == (3, 150, 150)
    assert featured >= 3
    await seed_demo_data(deps)  # a second start changes nothing
    assert await count(deps.store, "stations", Filter("type", "eq", "station")) == 150
    driver = await find_by_email(deps.store, email_key(DEMO_DRIVER_EMAIL))
    assert driver is not None
    cards = await list_cards(driver.id, store=deps.store, payments=deps.payments, clock=deps.clock)
    assert [(c.last4, c.is_default) for c in cards] == [("4242", True)]  # one card, not one per start
    provider = (await deps.store.query("providers", Query((Filter("type", "eq", "provider"),), limit=1))).items[0]
    assert provider["billingAddress"]["city"] == "Berlin"  # the seller's address on invoices
