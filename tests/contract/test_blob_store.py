"""The BlobStore contract, run against every adapter (the ``blobs`` fixture: a folder, and Azurite),
then what only one adapter does: signed download links in Blob Storage, the files of the folder store."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from azure.storage.blob import ContentSettings, UserDelegationKey
from azure.storage.blob.aio import BlobServiceClient

from shared.adapters.azure.blob_store import AzureBlobStore
from shared.adapters.embedded.folder_blob_store import FolderBlobStore
from shared.ports.blobs import BlobExists, BlobNotFound, BlobStore, BlobStoreError, InvalidBlobName
from tests.contract.conftest import Azurite, azurite_blob_store
from tests.fakes import FakeClock

PDF = "application/pdf"
EVERY_BYTE = bytes(range(256)) * 64


@pytest.fixture
def container() -> str:
    # Unique per test: Azurite lives for the whole session.
    return f"inv-{uuid.uuid4().hex[:12]}"


# --- the contract ----------------------------------------------------------------------


async def test_put_then_get_returns_the_same_bytes(blobs: BlobStore, container: str) -> None:
    ref = await blobs.put(container, "acme/2026/ACME-2026-000001.pdf", EVERY_BYTE, PDF)

    assert (ref.container, ref.name, ref.size, ref.content_type) == (
        container,
        "acme/2026/ACME-2026-000001.pdf",
        len(EVERY_BYTE),
        PDF,
    )
    assert ref.sha256 == hashlib.sha256(EVERY_BYTE).hexdigest()
    assert await blobs.get(container, "acme/2026/ACME-2026-000001.pdf") == EVERY_BYTE
    assert await blobs.info(container, "acme/2026/ACME-2026-000001.pdf") == ref


async def test_empty_and_unicode_named_blobs(blobs: BlobStore, container: str) -> None:
    await blobs.put(container, "empty.txt", b"", "text/plain")
    await blobs.put(container, "rechnungen/Müller € ünd 東京.html", "<p>Grüße</p>".encode(), "text/html; charset=utf-8")

    assert await blobs.get(container, "empty.txt") == b""
    assert (await blobs.info(container, "empty.txt")).size == 0
    assert (await blobs.get(container, "rechnungen/Müller € ünd 東京.html")).decode() == "<p>Grüße</p>"
    info = await blobs.info(container, "rechnungen/Müller € ünd 東京.html")
    assert info.content_type == "text/html; charset=utf-8"


async def test_a_second_put_of_the_same_bytes_succeeds(blobs: BlobStore, container: str) -> None:
    first = await blobs.put(container, "a.pdf", b"%PDF-1.7 one", PDF)
    again = await blobs.put(container, "a.pdf", b"%PDF-1.7 one", PDF)

    assert again == first


async def test_a_put_of_other_bytes_is_refused_and_changes_nothing(blobs: BlobStore, container: str) -> None:
    await blobs.put(container, "a.pdf", b"%PDF-1.7 issued", PDF)

    with pytest.raises(BlobExists):
        await blobs.put(container, "a.pdf", b"%PDF-1.7 tampered", PDF)

    assert await blobs.get(container, "a.pdf") == b"%PDF-1.7 issued"


async def test_overwrite_replaces_bytes_and_content_type(blobs: BlobStore, container: str) -> None:
    await blobs.put(container, "statement", b"v1", "text/csv")

    ref = await blobs.put(container, "statement", b"version 2", PDF, overwrite=True)

    assert await blobs.get(container, "statement") == b"version 2"
    assert await blobs.info(container, "statement") == ref
    assert (ref.size, ref.content_type) == (9, PDF)


async def test_missing_blobs_and_containers(blobs: BlobStore, container: str) -> None:
    with pytest.raises(BlobNotFound):
        await blobs.get(container, "never-written.pdf")  # the container does not exist either
    with pytest.raises(BlobNotFound):
        await blobs.info(container, "never-written.pdf")
    assert await blobs.exists(container, "never-written.pdf") is False
    assert await blobs.delete(container, "never-written.pdf") is False

    await blobs.put(container, "other.pdf", b"x", PDF)
    with pytest.raises(BlobNotFound):
        await blobs.get(container, "never-written.pdf")


async def test_exists_and_delete(blobs: BlobStore, container: str) -> None:
    await blobs.put(container, "a/b/c.pdf", b"one", PDF)
    assert await blobs.exists(container, "a/b/c.pdf") is True
    assert await blobs.exists(container, "a/b") is False  # a prefix is not a blob

    assert await blobs.delete(container, "a/b/c.pdf") is True
    assert await blobs.delete(container, "a/b/c.pdf") is False
    assert await blobs.exists(container, "a/b/c.pdf") is False
    with pytest.raises(BlobNotFound):
        await blobs.get(container, "a/b/c.pdf")

    await blobs.put(container, "a/b/c.pdf", b"two", PDF)  # the name is free again
    assert await blobs.get(container, "a/b/c.pdf") == b"two"


async def test_blobs_are_kept_per_container(blobs: BlobStore, container: str) -> None:
    other = container[:-1] + ("0" if container[-1] != "0" else "1")
    await blobs.put(container, "same-name", b"first", PDF)
    await blobs.put(other, "same-name", b"second", PDF)

    assert await blobs.get(container, "same-name") == b"first"
    assert await blobs.get(other, "same-name") == b"second"


@pytest.mark.parametrize(
    "name",
    [
        "../escape.pdf",
        "a/../../escape.pdf",
        "a/./b.pdf",
        "..",
        "/etc/passwd",
        "a//b.pdf",
        "trailing/",
        "dot.",
        "back\\slash.pdf",
        "nul\x00.pdf",
        "line\nbreak.pdf",
        "",
        "x" * 1025,
        "y" * 256 + "/z.pdf",
    ],
)
async def test_bad_blob_names_are_refused(blobs: BlobStore, container: str, name: str) -> None:
    for attempt in (
        blobs.put(container, name, b"x", PDF),
        blobs.get(container, name),
        blobs.info(container, name),
        blobs.exists(container, name),
        blobs.delete(container, name),
        blobs.url_for(container, name, timedelta(minutes=5)),
    ):
        with pytest.raises(InvalidBlobName):
            await attempt
    assert isinstance(InvalidBlobName("x"), ValueError)


@pytest.mark.parametrize("bad", ["Invoices", "ab", "a--b", "-abc", "abc-", "a_b", "a.b", "x" * 64, ".meta", ".tmp"])
async def test_bad_container_names_are_refused(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(InvalidBlobName):
        await blobs.put(bad, "a.pdf", b"x", PDF)
    with pytest.raises(InvalidBlobName):
        await blobs.get(bad, "a.pdf")


@pytest.mark.parametrize("bad", ["", "text/plain\r\nX-Injected: 1", "application/pdf\x00", "text/plain; name=é"])
async def test_bad_content_types_are_refused(blobs: BlobStore, container: str, bad: str) -> None:
    with pytest.raises(ValueError):
        await blobs.put(container, "a.pdf", b"x", bad)
    assert await blobs.exists(container, "a.pdf") is False


async def test_racing_puts_of_different_bytes_leave_exactly_one_winner(blobs: BlobStore, container: str) -> None:
    await blobs.put(container, "warm-up", b"x", PDF)  # the container exists before the race
    bodies = [f"%PDF invoice by writer {i}".encode() for i in range(12)]

    results = await asyncio.gather(
        *(blobs.put(container, "race.pdf", body, PDF) for body in bodies), return_exceptions=True
    )

    winners = [body for body, result in zip(bodies, results, strict=True) if not isinstance(result, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, BlobExists) for r in results if isinstance(r, Exception)), results
    assert await blobs.get(container, "race.pdf") == winners[0]


async def test_racing_puts_of_the_same_bytes_all_succeed(blobs: BlobStore, container: str) -> None:
    results = await asyncio.gather(*(blobs.put(container, "same.pdf", b"%PDF same", PDF) for _ in range(8)))

    assert {r.sha256 for r in results} == {hashlib.sha256(b"%PDF same").hexdigest()}
    assert await blobs.get(container, "same.pdf") == b"%PDF same"


async def test_check_passes(blobs: BlobStore) -> None:
    await blobs.check()


# --- Blob Storage only: signed download links (Azurite; the identity's key offline) ----------


@pytest.mark.azurite
async def test_download_link_serves_the_bytes_until_it_expires(azurite: Azurite, container: str) -> None:
    clock = FakeClock(datetime.now(UTC))
    store = azurite_blob_store(azurite, clock=clock)
    try:
        await store.put(container, "acme/ACME-2026-000123.pdf", EVERY_BYTE, PDF)
        url = await store.url_for(
            container, "acme/ACME-2026-000123.pdf", timedelta(minutes=10), download_name="Rechnung Müller.pdf"
        )
        clock.advance(hours=-1)  # a link that expired 50 minutes ago
        expired = await store.url_for(container, "acme/ACME-2026-000123.pdf", timedelta(minutes=10))
    finally:
        await store.close()

    assert url is not None and expired is not None
    assert url.startswith(f"{azurite.blob_endpoint}/{container}/acme/ACME-2026-000123.pdf?")
    async with httpx.AsyncClient(timeout=10) as http:
        ok = await http.get(url)
        gone = await http.get(expired)
        unsigned = await http.get(url.split("?")[0])
    assert ok.status_code == 200 and ok.content == EVERY_BYTE
    assert ok.headers["content-type"] == PDF
    assert ok.headers["content-disposition"] == (
        "attachment; filename=\"Rechnung M_ller.pdf\"; filename*=UTF-8''Rechnung%20M%C3%BCller.pdf"
    )
    assert gone.status_code == 403
    assert unsigned.status_code in (401, 403, 404)  # private container: nothing without a signature


@pytest.mark.azurite
async def test_download_link_is_read_only(azurite: Azurite, container: str) -> None:
    store = azurite_blob_store(azurite)
    try:
        await store.put(container, "a.pdf", b"%PDF issued", PDF)
        url = await store.url_for(container, "a.pdf", timedelta(minutes=5))
        assert url is not None
        async with httpx.AsyncClient(timeout=10) as http:
            put = await http.put(url, content=b"%PDF forged", headers={"x-ms-blob-type": "BlockBlob"})
            delete = await http.delete(url)
        assert (put.status_code, delete.status_code) == (403, 403)
        assert await store.get(container, "a.pdf") == b"%PDF issued"
        with pytest.raises(ValueError):
            await store.url_for(container, "a.pdf", timedelta(days=8))
    finally:
        await store.close()


@pytest.mark.azurite
async def test_without_leave_to_create_a_missing_container_is_an_error(azurite: Azurite, container: str) -> None:
    store = AzureBlobStore.from_connection_string(azurite.connection_string, health_container=container)
    try:
        with pytest.raises(BlobStoreError, match="container"):
            await store.check()
        with pytest.raises(BlobStoreError, match="container does not exist"):
            await store.put(container, "a.pdf", b"x", PDF)
    finally:
        await store.close()


@pytest.mark.azurite
async def test_same_bytes_written_by_another_client_count_as_the_same(azurite: Azurite, container: str) -> None:
    async with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        await service.create_container(container)
        await service.get_blob_client(container, "legacy.pdf").upload_blob(
            b"%PDF legacy", content_settings=ContentSettings(content_type=PDF)
        )  # no sha256 metadata
    store = azurite_blob_store(azurite, health_container=container)
    try:
        await store.check()
        ref = await store.put(container, "legacy.pdf", b"%PDF legacy", PDF)
        with pytest.raises(BlobExists):
            await store.put(container, "legacy.pdf", b"%PDF other", PDF)
        assert ref.sha256 == hashlib.sha256(b"%PDF legacy").hexdigest()
        assert (await store.info(container, "legacy.pdf")).sha256 == ref.sha256
    finally:
        await store.close()


class _Token:
    """A token credential that is never asked: building URLs and SAS does no I/O."""

    async def get_token(self, *scopes: str, **kwargs: object) -> object:
        raise AssertionError("no request expected")

    async def close(self) -> None:
        return None


async def test_with_an_identity_links_are_signed_by_a_cached_user_delegation_key() -> None:
    clock = FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    store = AzureBlobStore.from_account_url("https://acct.blob.core.windows.net", _Token(), clock=clock)  # type: ignore[arg-type]
    asked: list[tuple[datetime, datetime]] = []

    async def delegation_key(start: datetime, expiry: datetime) -> UserDelegationKey:
        asked.append((start, expiry))
        key = UserDelegationKey()
        key.signed_oid, key.signed_tid = "oid-1", "tid-1"
        key.signed_start, key.signed_expiry = f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{expiry:%Y-%m-%dT%H:%M:%SZ}"
        key.signed_service, key.signed_version, key.value = "b", "2025-01-05", "c2VjcmV0LWtleS1ieXRlcw=="
        return key

    store._service.get_user_delegation_key = delegation_key  # type: ignore[method-assign,assignment]
    try:
        first = await store.url_for("invoices", "acme/ACME-2026-000123.pdf", timedelta(minutes=15))
        second = await store.url_for("invoices", "acme/ACME-2026-000124.pdf", timedelta(hours=2))
        longer = await store.url_for("invoices", "acme/ACME-2026-000124.pdf", timedelta(days=3))
    finally:
        await store.close()

    assert first is not None and second is not None and longer is not None
    query = parse_qs(urlsplit(first).query)
    assert urlsplit(first).path == "/invoices/acme/ACME-2026-000123.pdf"
    assert (query["sp"], query["spr"], query["skoid"], query["sktid"]) == (["r"], ["https"], ["oid-1"], ["tid-1"])
    assert query["se"] == ["2026-03-01T12:15:00Z"] and "sig" in query
    # one key (valid a day) for both short links; a link of 3 days needs a key that lives as long
    assert asked == [
        (datetime(2026, 3, 1, 11, 55, tzinfo=UTC), datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
        (datetime(2026, 3, 1, 11, 55, tzinfo=UTC), datetime(2026, 3, 4, 12, 0, tzinfo=UTC)),
    ]


# --- the folder store only ---------------------------------------------------------------


async def test_folder_store_keeps_plain_files_under_its_root(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path / "blobs")
    await store.put("invoices", "acme/ACME-2026-000001.pdf", b"%PDF one", PDF)
    await store.put("invoices", "acme/ACME-2026-000001.pdf", b"%PDF one", PDF)
    with pytest.raises(BlobExists):
        await store.put("invoices", "acme/ACME-2026-000001.pdf", b"%PDF two", PDF)

    assert (tmp_path / "blobs" / "invoices" / "acme" / "ACME-2026-000001.pdf").read_bytes() == b"%PDF one"
    assert os.listdir(tmp_path / "blobs" / ".tmp") == []  # no temporary file left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs"]  # nothing written outside the root
    assert await store.url_for("invoices", "acme/ACME-2026-000001.pdf", timedelta(minutes=5)) is None


async def test_folder_store_without_metadata_still_reads(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path)
    await store.put("invoices", "a.pdf", b"%PDF", PDF)
    (tmp_path / ".meta" / "invoices" / "a.pdf.json").unlink()  # as after a crash between the two writes

    info = await store.info("invoices", "a.pdf")

    assert (info.size, info.content_type) == (4, "application/octet-stream")
    assert await store.get("invoices", "a.pdf") == b"%PDF"


async def test_folder_store_refuses_a_name_that_is_also_a_folder(tmp_path: Path) -> None:
    store = FolderBlobStore(tmp_path)
    await store.put("invoices", "acme/2026", b"file", PDF)
    await store.put("invoices", "beta/2026/x.pdf", b"nested", PDF)

    with pytest.raises(InvalidBlobName):
        await store.put("invoices", "acme/2026/x.pdf", b"nested", PDF)
    with pytest.raises(InvalidBlobName):
        await store.put("invoices", "beta/2026", b"file", PDF)
    with pytest.raises(BlobNotFound):
        await store.get("invoices", "beta/2026")

    assert await store.delete("invoices", "beta/2026/x.pdf") is True
    await store.put("invoices", "beta/2026", b"file", PDF)  # the emptied folders were pruned
    assert await store.get("invoices", "beta/2026") == b"file"
