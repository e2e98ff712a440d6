"""``current_session`` (shared/repositories/sessions.py): the session on every MeterValues frame, from a copy
kept per store and revalidated by ETag (``read_if_changed``), never older than a point read would be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.domain.sessions import ChargingSession, session_id_for
from shared.ports.store import DocumentStore
from shared.repositories import sessions as repo

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Counting:
    """The store, counting the calls of each method (and passing them on)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store, self.calls = store, dict[str, int]()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return await method(*args, **kwargs)

        return counted


def _session(suffix: str = "a1") -> ChargingSession:
    return ChargingSession(
        id=session_id_for("stn_cache", suffix), station_id="stn_cache", provider_id="prv_1", station_name="S",
        time_zone="Europe/Paris", charger_id="CP-1", connector_id=1, connector_key="CP-1/1", max_power_kw=150,
        id_tag="TAG", origin="charger", status="active", requested_at=AT, updated_at=AT, energy_wh=100,
    )  # fmt: skip


async def test_an_unchanged_session_is_revalidated_not_read_again(store: DocumentStore) -> None:
    created = await repo.create_session(store, _session())
    counting = Counting(store)
    first = await repo.current_session(counting, created.id)
    assert first == await repo.find_session(store, created.id)
    assert first is not None and first.etag == created.etag
    for _ in range(3):
        assert await repo.current_session(counting, created.id) is first
    assert counting.calls == {"read": 1, "read_if_changed": 3}


async def test_a_change_is_seen_at_once(store: DocumentStore) -> None:
    created = await repo.create_session(store, _session())
    assert await repo.current_session(store, created.id) is not None
    saved = await repo.save_session(store, created.model_copy(update={"energy_wh": 2_000}))
    current = await repo.current_session(store, created.id)
    assert current is not None and current.energy_wh == 2_000 and current.etag == saved.etag
    assert current == await repo.find_session(store, created.id)
    assert await repo.current_session(store, created.id) is current  # and kept again


async def test_a_deleted_or_unknown_session_is_none(store: DocumentStore) -> None:
    created = await repo.create_session(store, _session())
    assert await repo.current_session(store, created.id) is not None
    await store.delete("sessions", created.id, created.station_id)
    assert await repo.current_session(store, created.id) is None
    assert await repo.current_session(store, session_id_for("stn_cache", "never")) is None
    assert await repo.current_session(store, "not-a-session-id") is None


async def test_the_copy_is_per_store(store: DocumentStore, tmp_path: Any) -> None:
    from shared.adapters.embedded.sqlite_store import SqliteDocumentStore

    created = await repo.create_session(store, _session())
    assert await repo.current_session(store, created.id) is not None
    other = SqliteDocumentStore(tmp_path / "other.db")
    try:
        assert await repo.current_session(other, created.id) is None  # not the first store's copy
    finally:
        await other.close()
