"""The connector ledger: half-open overlap, pruning, claims under contention, orphans repaired on demand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.errors import Conflict
from shared.domain.reservations import LedgerWindow, first_clash, ledger_id, overlaps, prune, without
from shared.repositories.reservations import read_ledger
from shared.services.reservation_ledger import ORPHAN_AFTER, claim_window, release_window

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = "CP-1/1"


def window(rid: str, start_min: int, minutes: int, *, user: str = "usr_a", claimed: datetime = T0) -> LedgerWindow:
    start = T0 + timedelta(minutes=start_min)
    return LedgerWindow(
        reservation_id=rid,
        user_id=user,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        claimed_at=claimed,
    )


class TestRules:
    @pytest.mark.parametrize(
        ("a", "b", "expected"),
        [
            ((0, 30), (0, 30), True),
            ((0, 30), (29, 15), True),
            ((0, 30), (-15, 16), True),
            ((0, 60), (10, 15), True),  # inside
            ((10, 15), (0, 60), True),  # around
            ((0, 30), (30, 15), False),  # adjacent after: [start, end) is half-open
            ((0, 30), (-15, 15), False),  # adjacent before
            ((0, 30), (45, 15), False),
        ],
    )
    def test_overlap_is_half_open(self, a, b, expected):
        assert overlaps(window("x", *a), window("y", *b)) is expected
        assert overlaps(window("y", *b), window("x", *a)) is expected

    def test_first_clash_ignores_the_same_reservation(self):
        windows = [window("a", 0, 30), window("b", 60, 30)]
        assert first_clash(windows, window("a", 10, 15)) is None
        assert first_clash(windows, window("c", 80, 15)) == windows[1]
        assert first_clash(windows, window("c", 30, 30)) is None

    def test_prune_drops_finished_windows_and_sorts_by_start(self):
        windows = [window("late", 60, 30), window("over", -60, 30), window("ends-now", -30, 30), window("on", -5, 15)]
        assert [w.reservation_id for w in prune(windows, T0)] == ["on", "late"]
        assert [w.reservation_id for w in without(windows, "late")] == ["over", "ends-now", "on"]

    def test_the_ledger_id_has_no_slash(self):
        assert ledger_id("CP-1/2") == "ledger:CP-1~2" and "/" not in ledger_id("a.b:c/9")


async def windows_of(deps) -> list[str]:
    ledger = await read_ledger(deps.store, KEY)
    return [w.reservation_id for w in ledger.windows] if ledger else []


class TestClaims:
    async def test_claims_refuse_overlaps_and_allow_adjacent_windows(self, deps):
        await claim_window(deps, KEY, window("a", 10, 30))
        with pytest.raises(Conflict) as refused:
            await claim_window(deps, KEY, window("b", 39, 15))
        assert refused.value.code == "reservation_overlap"
        await claim_window(deps, KEY, window("c", 40, 15))
        await claim_window(deps, KEY, window("d", -5, 15))
        assert await windows_of(deps) == ["d", "a", "c"]
        await claim_window(deps, "CP-1/2", window("e", 10, 30))  # another connector, another ledger
        assert await windows_of(deps) == ["d", "a", "c"]

    async def test_a_write_prunes_windows_that_are_over(self, deps, clock):
        await claim_window(deps, KEY, window("a", 0, 15))
        await claim_window(deps, KEY, window("b", 30, 15))
        clock.advance(minutes=20)
        await claim_window(deps, KEY, window("c", 60, 15))
        assert await windows_of(deps) == ["b", "c"]

    async def test_release_removes_only_that_window_and_is_idempotent(self, deps):
        await claim_window(deps, KEY, window("a", 0, 15))
        await claim_window(deps, KEY, window("b", 30, 15))
        assert await release_window(deps, KEY, "a") and await release_window(deps, KEY, "a")
        assert await windows_of(deps) == ["b"]
        assert await release_window(deps, "CP-9/1", "a")  # no ledger at all

    async def test_concurrent_claims_of_one_window_have_one_winner(self, deps):
        await claim_window(deps, KEY, window("early", 120, 15))  # the racers replace one version, not create it
        results = await asyncio.gather(
            *(claim_window(deps, KEY, window(f"r{i}", 10 + i % 7, 30)) for i in range(20)), return_exceptions=True
        )
        winners = [i for i, r in enumerate(results) if r is None]
        assert len(winners) == 1
        assert {r.code for r in results if isinstance(r, Conflict)} == {"reservation_overlap"}
        assert await windows_of(deps) == [f"r{winners[0]}", "early"]

    async def test_concurrent_claims_of_distinct_windows_all_land(self, deps):
        await asyncio.gather(*(claim_window(deps, KEY, window(f"r{i:02}", 15 * i, 15)) for i in range(12)))
        assert await windows_of(deps) == [f"r{i:02}" for i in range(12)]

    async def test_an_orphan_window_gives_way_only_once_it_is_old(self, deps, clock):
        # claimed, but its reservation document was never written (the booking died in between)
        await claim_window(deps, KEY, window("res_orphan", 30, 30, claimed=clock.now()))
        with pytest.raises(Conflict):
            await claim_window(deps, KEY, window("res_new", 30, 30))
        clock.advance(seconds=ORPHAN_AFTER.total_seconds())
        await claim_window(deps, KEY, window("res_new", 30, 30, claimed=clock.now()))
        assert await windows_of(deps) == ["res_new"]
