"""local_host/heap.py: the host's objects out of the collector's sight, and the collector still working."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from local_host.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.mark.usefixtures("restored_gc")
def test_settle_heap_freezes_what_lives_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    kept = Node()  # alive at settle time: frozen
    frozen = settle_heap()
    assert frozen == gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    assert not any(o is kept for o in gc.get_objects())  # out of the collector's sight
    # a cycle made afterwards is still collected
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
