"""The signature check remembers signatures it found good (shared/http/webpubsub.py): one HMAC per socket,
not per frame, and never a different answer than checking again would give."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from shared.http import webpubsub as wps

KEY, OTHER = "primary-access-key", "secondary-access-key"
CID = "5b8f0a52-7d61-4f0c-9a55-2d1c0f3e9b71"


def signature(key: str, connection_id: str = CID) -> str:
    return "sha256=" + hmac.new(key.encode(), connection_id.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    wps._VERIFIED.clear()
    yield
    wps._VERIFIED.clear()


def _count_macs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of every HMAC computed from now on."""
    macs: list[str] = []
    real = wps._mac

    def counted(key: str, connection_id: str) -> str:
        macs.append(key)
        return real(key, connection_id)

    monkeypatch.setattr(wps, "_mac", counted)
    return macs


def test_a_good_signature_is_checked_once_per_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    macs = _count_macs(monkeypatch)
    for _ in range(5):
        assert wps.verify_signature(CID, signature(KEY), [KEY])
    assert macs == [KEY]


def test_a_bad_signature_is_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    assert wps.verify_signature(CID, signature(KEY), [KEY])
    bad = signature("not-the-key")
    macs = _count_macs(monkeypatch)
    for _ in range(3):
        assert not wps.verify_signature(CID, bad, [KEY])
    assert macs == [KEY, KEY, KEY]  # checked each time
    assert not wps.verify_signature("another-connection", signature(KEY), [KEY])  # signs CID, not this one


def test_a_removed_key_no_longer_verifies() -> None:
    assert wps.verify_signature(CID, signature(OTHER), [KEY, OTHER])
    assert not wps.verify_signature(CID, signature(OTHER), [KEY])  # OTHER was rotated out
    assert wps.verify_signature(CID, signature(KEY), [KEY])


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wps, "_VERIFIED_SIZE", 3)
    for n in range(10):
        cid = f"connection-{n}"
        assert wps.verify_signature(cid, signature(KEY, cid), [KEY])
        assert len(wps._VERIFIED) <= 3
