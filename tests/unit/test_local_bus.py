"""The durable local bus: Service Bus semantics on a SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.embedded.local_bus import MAX_DELIVERY_COUNT_EXCEEDED, LocalBus, LockLostError
from shared.domain.messages import Message, new_message


class SettableClock:
    def __init__(self) -> None:
        self.at = datetime(2030, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def bus(tmp_path: Path, clock: SettableClock) -> AsyncIterator[LocalBus]:
    bus = LocalBus(tmp_path / "bus.db", max_delivery_count=3, lock_seconds=30, clock=clock)
    yield bus
    await bus.close()


def msg(n: int = 1, **body: object) -> Message:
    return new_message("SessionStarted", {"n": n, **body}, tenant_id="t1", correlation_id=f"cid-{n}")


async def test_topic_fans_out_one_copy_per_subscription(bus: LocalBus) -> None:
    await bus.ensure_subscription("session-events", "billing")
    await bus.ensure_subscription("session-events", "notifications")
    await bus.ensure_subscription("session-events", "billing")  # idempotent
    sent = msg()
    await bus.publish("session-events", sent)

    for sub in ("billing", "notifications"):
        [d] = await bus.receive("session-events", sub, max_messages=10)
        assert d.subscription == sub
        assert d.message_id == sent.id
        assert Message.from_json(d.body) == sent
        assert d.correlation_id == "cid-1"
        assert d.application_properties == {"type": "SessionStarted"}
        assert d.delivery_count == 1
        await bus.complete(d)
    assert await bus.subscriptions("session-events") == ["billing", "notifications"]
    # the topic itself holds no queue copy once it has subscriptions
    assert await bus.receive("session-events") == []


async def test_a_subscription_gets_only_messages_published_after_it_exists(bus: LocalBus) -> None:
    await bus.ensure_subscription("billing-events", "a")
    await bus.publish("billing-events", msg(1))
    await bus.ensure_subscription("billing-events", "b")
    await bus.publish("billing-events", msg(2))
    assert await bus.active_count("billing-events", "a") == 2
    assert await bus.active_count("billing-events", "b") == 1


async def test_queue_delivers_in_order_and_allows_duplicate_ids(bus: LocalBus) -> None:
    first = msg(1)
    await bus.publish("notifications", first)
    await bus.publish("notifications", first)  # no duplicate detection: consumers dedupe
    await bus.publish("notifications", msg(2))
    got = await bus.receive("notifications", max_messages=10)
    assert [d.message_id for d in got][:2] == [first.id, first.id]
    assert len(got) == 3


async def test_a_locked_message_is_invisible_until_completed(bus: LocalBus, clock: SettableClock) -> None:
    await bus.publish("notifications", msg())
    [d] = await bus.receive("notifications")
    assert d.locked_until == clock.at + timedelta(seconds=30)
    assert await bus.receive("notifications") == []
    await bus.complete(d)
    clock.advance(3600)
    assert await bus.receive("notifications") == []
    assert await bus.active_count("notifications") == 0
    with pytest.raises(LockLostError):
        await bus.complete(d)


async def test_abandon_makes_it_visible_again_after_the_backoff(bus: LocalBus, clock: SettableClock) -> None:
    await bus.publish("notifications", msg())
    [d] = await bus.receive("notifications")
    assert await bus.abandon(d, retry_after_seconds=5) is False
    clock.advance(4.9)
    assert await bus.receive("notifications") == []
    clock.advance(0.2)
    [again] = await bus.receive("notifications")
    assert again.message_id == d.message_id
    assert again.delivery_count == 2
    assert again.lock_token != d.lock_token


async def test_dead_letter_at_max_delivery_count_then_replay(bus: LocalBus) -> None:
    sent = msg()
    await bus.publish("notifications", sent)
    for attempt in range(1, 4):
        [d] = await bus.receive("notifications")
        assert d.delivery_count == attempt
        dead = await bus.abandon(d, 0, error="ValueError: boom")
        assert dead is (attempt == 3)
    assert await bus.receive("notifications") == []
    [letter] = await bus.dead_letters("notifications")
    assert letter.message_id == sent.id
    assert letter.reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert letter.description == "ValueError: boom"
    assert letter.delivery_count == 3

    assert await bus.replay_dead_letter("notifications", seq=letter.seq) == 1
    assert await bus.dead_letters("notifications") == []
    [back] = await bus.receive("notifications")
    assert back.delivery_count == 1
    assert Message.from_json(back.body) == sent


async def test_explicit_dead_letter_keeps_reason(bus: LocalBus) -> None:
    await bus.ensure_subscription("billing-events", "invoices")
    await bus.publish("billing-events", msg())
    [d] = await bus.receive("billing-events", "invoices")
    await bus.dead_letter(d, "PoisonMessage", "no such invoice")
    [letter] = await bus.dead_letters("billing-events", "invoices")
    assert (letter.reason, letter.description, letter.subscription) == ("PoisonMessage", "no such invoice", "invoices")
    assert await bus.replay_dead_letter("billing-events", "invoices") == 1


async def test_an_expired_lock_is_redelivered(bus: LocalBus, clock: SettableClock) -> None:
    await bus.publish("notifications", msg())
    [d] = await bus.receive("notifications")
    clock.advance(31)  # the consumer crashed: never completed
    [again] = await bus.receive("notifications")
    assert again.delivery_count == 2
    with pytest.raises(LockLostError):
        await bus.complete(d)  # the stale delivery cannot settle the new one
    await bus.complete(again)


async def test_renew_lock_keeps_a_slow_delivery(bus: LocalBus, clock: SettableClock) -> None:
    await bus.publish("notifications", msg())
    [d] = await bus.receive("notifications")
    clock.advance(20)
    await bus.renew_lock(d)
    clock.advance(20)
    assert await bus.receive("notifications") == []
    await bus.complete(d)


async def test_lock_expiring_on_the_last_delivery_dead_letters(bus: LocalBus, clock: SettableClock) -> None:
    await bus.publish("notifications", msg())
    for _ in range(3):
        assert len(await bus.receive("notifications")) == 1
        clock.advance(31)
    assert await bus.receive("notifications") == []
    [letter] = await bus.dead_letters("notifications")
    assert letter.reason == MAX_DELIVERY_COUNT_EXCEEDED


async def test_messages_survive_a_restart(tmp_path: Path, clock: SettableClock) -> None:
    path = tmp_path / "nested" / "bus.db"
    first = LocalBus(path, lock_seconds=30, clock=clock)
    await first.ensure_subscription("session-events", "billing")
    await first.publish("session-events", msg(1))
    await first.publish("notifications", msg(2))
    [locked] = await first.receive("notifications")  # in flight when the process dies
    await first.close()

    second = LocalBus(path, lock_seconds=30, clock=clock)
    try:
        assert await second.subscriptions("session-events") == ["billing"]
        [d] = await second.receive("session-events", "billing")
        assert Message.from_json(d.body).body == {"n": 1}
        clock.advance(31)
        [again] = await second.receive("notifications")
        assert again.message_id == locked.message_id
        assert again.delivery_count == 2
    finally:
        await second.close()


async def test_two_instances_on_one_file_never_share_a_lock(tmp_path: Path) -> None:
    path = tmp_path / "bus.db"
    a, b = LocalBus(path), LocalBus(path)
    try:
        for n in range(20):
            await a.publish("notifications", msg(n))
        got_a = await a.receive("notifications", max_messages=15)
        got_b = await b.receive("notifications", max_messages=15)
        assert len(got_a) + len(got_b) == 20
        assert not {d.seq for d in got_a} & {d.seq for d in got_b}
        await a.check()
    finally:
        await a.close()
        await b.close()
