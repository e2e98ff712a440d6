"""Draining an outbox: in order, stopping at the first failure; clearing under the ETag, keeping newer messages."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from shared.ports.store import PreconditionFailed
from shared.services.outbox import ATTEMPTS, clear_published, publish_in_order


@dataclass(frozen=True)
class Doc:
    version: int
    outbox: tuple[str, ...]


async def test_publishes_in_order_and_stops_at_the_first_failure(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[str] = []

    async def publish(entry: str) -> None:
        if entry == "m3":
            raise ConnectionError("bus down")
        sent.append(entry)

    published = await publish_in_order(["m1", "m2", "m3", "m4"], publish, message_id=str, owner="doc-1")
    assert sent == ["m1", "m2"] and published == {"m1", "m2"}  # m4 waits behind m3: order holds
    assert "could not publish m3; left in the outbox of doc-1" in caplog.text


async def test_clears_what_went_out_and_keeps_what_a_newer_writer_added() -> None:
    stored = Doc(version=2, outbox=("m1", "m2", "m9"))  # m9 written meanwhile by another change
    saves: list[tuple[int, tuple[str, ...]]] = []

    async def save(doc: Doc, left: list[str]) -> Doc:
        saves.append((doc.version, tuple(left)))
        if doc.version != stored.version:
            raise PreconditionFailed("stale")
        return replace(doc, version=doc.version + 1, outbox=tuple(left))

    async def reread(doc: Doc) -> Doc | None:
        return stored

    doc = await clear_published(
        Doc(version=1, outbox=("m1", "m2")),
        {"m1", "m2"},
        entries=lambda d: d.outbox,
        message_id=str,
        save=save,
        reread=reread,
    )
    assert doc == Doc(version=3, outbox=("m9",))
    assert saves == [(1, ()), (2, ("m9",))]


async def test_nothing_published_writes_nothing_and_a_lasting_race_gives_up() -> None:
    async def never(doc: Doc, left: list[str]) -> Doc:
        raise PreconditionFailed("stale")

    calls = 0

    async def reread(doc: Doc) -> Doc | None:
        nonlocal calls
        calls += 1
        return doc

    start = Doc(version=1, outbox=("m1",))
    kw = {"entries": lambda d: d.outbox, "message_id": str, "save": never}
    assert await clear_published(start, set(), **kw, reread=reread) is start
    assert calls == 0
    assert await clear_published(start, {"m1"}, **kw, reread=reread) is start
    assert calls == ATTEMPTS

    async def gone(doc: Doc) -> Doc | None:
        return None

    assert await clear_published(start, {"m1"}, **kw, reread=gone) is start
