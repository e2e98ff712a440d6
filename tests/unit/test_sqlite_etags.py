"""The SQLite store's ETags (``fresh_etag``): 32 hex digits, never the same twice, nor after a fork."""

from __future__ import annotations

import os
import re

import pytest

from shared.adapters.embedded.sqlite_store import fresh_etag


def test_etags_are_32_hex_digits_and_unique() -> None:
    tags = [fresh_etag() for _ in range(100_000)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in tags[:1000] + tags[-1000:])
    assert len(set(tags)) == len(tags)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_draws_its_own() -> None:
    before = fresh_etag()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ETag, to the parent
        try:
            os.write(write, fresh_etag().encode())
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = fresh_etag()
    assert len({before, child, parent}) == 3
    assert child[:16] != parent[:16] == before[:16]  # another random half in the child
