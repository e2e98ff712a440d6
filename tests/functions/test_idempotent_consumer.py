"""A consumer built on the idempotency helper processes a message id once, however often it arrives."""

from __future__ import annotations

import azure.functions as func

from local_host.server import LocalHost
from shared import bootstrap
from shared.domain.messages import Message, new_message
from shared.services.idempotency import process_once

TOPIC = "session-events"


def consumer_app() -> func.FunctionApp:
    app = func.FunctionApp()

    @app.service_bus_topic_trigger(
        arg_name="msg", topic_name="%SessionEventsTopic%", subscription_name="tally", connection="ServiceBusConnection"
    )
    async def tally(msg: func.ServiceBusMessage) -> None:
        deps = await bootstrap.ready()
        message = Message.from_json(msg.get_body())

        async def count() -> None:
            key = message.body["counter"]
            try:
                doc = await deps.store.read("counters", key, key)
                doc["value"] += 1
                await deps.store.replace("counters", {k: v for k, v in doc.items() if k != "_etag"}, etag=doc["_etag"])
            except Exception:  # noqa: BLE001 - first time: create it
                await deps.store.create("counters", {"id": key, "value": 1})

        await process_once(deps.store, deps.clock, "tally", message.id, count)

    return app


async def test_duplicate_message_id_is_processed_once(deps: bootstrap.Deps):
    async with LocalHost(consumer_app(), deps.settings, port=0, poll=False, timers=False) as host:
        first = new_message("SessionStarted", {"counter": "c1"}, tenant_id="prv_1")
        await deps.bus.publish(TOPIC, first)
        await deps.bus.publish(TOPIC, first)  # redelivered by the broker, or published twice
        await deps.bus.publish(TOPIC, new_message("SessionStarted", {"counter": "c1"}))
        assert await host.drain() == 3
    counter = await deps.store.read("counters", "c1", "c1")
    assert counter["value"] == 2


async def test_ids_with_characters_a_document_id_cannot_hold_are_processed_once(deps: bootstrap.Deps):
    # event ids carry connector keys ("CP-1/2"); the processed marker escapes what a document id may not hold
    async with LocalHost(consumer_app(), deps.settings, port=0, poll=False, timers=False) as host:
        slashed = new_message("ConnectorStatusChanged", {"counter": "c2"}, id="ConnectorStatusChanged:CP-1/2:Available")
        similar = new_message(
            "ConnectorStatusChanged", {"counter": "c2"}, id="ConnectorStatusChanged:CP-1%2F2:Available"
        )
        for message in (slashed, slashed, similar):
            await deps.bus.publish(TOPIC, message)
        assert await host.drain() == 3
    counter = await deps.store.read("counters", "c2", "c2")
    assert counter["value"] == 2  # the repeat dropped; an id that only looks like the escaped one is its own
