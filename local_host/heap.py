"""The long-running host's garbage collector settings (``python -m local_host`` and the OCPP ingest bench).

CPython's cyclic collector walks every container object it tracks. Once the host has started,
most of them (modules, the app's functions, pydantic's validators and schemas, the settings)
live as long as the process, yet each full collection walked all of them again: measured
under the ingest bench, about 80 ms each, several times a minute. ``settle_heap`` collects
once, then moves what survived out of the collector's sight (``gc.freeze``; reference counting
still frees those objects, only a cycle among them would stay) and raises the first
generation's threshold, so that a frame's short-lived objects, freed by reference counting
long before 10,000 of them are alive at once, no longer start a collection every few frames.
"""

from __future__ import annotations

import gc

__all__ = ["YOUNG_THRESHOLD", "settle_heap"]

YOUNG_THRESHOLD = 10_000  # CPython's default is 700 allocations net of deallocations


def settle_heap(young_threshold: int = YOUNG_THRESHOLD) -> int:
    """Freeze what lives now and raise generation 0's threshold; returns how many objects were frozen."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)
    return gc.get_freeze_count()
