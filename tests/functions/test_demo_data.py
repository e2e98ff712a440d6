"""The demo network seeds once, through the services, and obeys their rules."""

from __future__ import annotations

from shared.domain.users import email_key
from shared.ports.store import Filter, Query
from shared.repositories.users import find_by_email
from shared.services.demo import DEMO_APPLICANT_EMAIL, DEMO_DRIVER_EMAIL, seed_demo_data
from shared.services.demo_network import demo_network
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
    # one application waits for an admin, and a second start does not file another
    applicant = await find_by_email(deps.store, email_key(DEMO_APPLICANT_EMAIL))
    assert applicant is not None and applicant.provider_id is None
    pending = await deps.store.query(
        "providers", Query((Filter("type", "eq", "providerApplication"), Filter("status", "eq", "pending")), limit=10)
    )
    assert [(a["legalName"], a["applicantUserId"]) for a in pending.items] == [("Kiezstrom eG", applicant.id)]


async def test_a_smaller_demo_network_is_a_prefix_of_the_full_one(deps, monkeypatch):
    small, full = demo_network(4), demo_network()
    assert [p.stations for p in small] == [p.stations[:4] for p in full]
    from shared import bootstrap

    await bootstrap.ready()
    monkeypatch.setattr(deps.settings, "demo_stations_per_provider", 2)
    await seed_demo_data(deps)
    names = {s["name"] for s in (await deps.store.query("stations", Query((Filter("type", "eq", "station"),)))).items}
    assert names == {s.name for p in full for s in p.stations[:2]}
