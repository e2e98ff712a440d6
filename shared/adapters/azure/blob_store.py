"""BlobStore on Azure Blob Storage (``azure.storage.blob.aio``), DESIGN section 3.

In Azure the Function App's managed identity signs in (``DefaultAzureCredential``
on the account URL, no keys) and the invoices container comes from Bicep, so
containers are never created there. A connection string (Azurite locally and
in the contract tests) brings an account key, and then a missing container is
created on first use when the caller allows it.

Download links are read-only SAS URLs (``blob_links``). Each blob carries its
SHA-256 in its metadata, so a repeated put of the same bytes is recognised
without downloading them (a blob written by another client is downloaded and compared).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContentSettings
from azure.storage.blob.aio import BlobClient, BlobServiceClient

from shared.adapters.azure.blob_links import BlobLinks
from shared.ports.blobs import (
    BlobExists,
    BlobNotFound,
    BlobRef,
    BlobStoreError,
    digest,
    validate_content_type,
    validate_name,
)
from shared.ports.clock import Clock, SystemClock

__all__ = ["AzureBlobStore", "parse_connection_string"]


def parse_connection_string(value: str) -> dict[str, str]:
    """``Key=value;...`` as a dict (values may contain ``=``, as base64 keys do)."""
    parts = (part.split("=", 1) for part in value.split(";") if "=" in part)
    return {key.strip(): val.strip() for key, val in parts}


@contextmanager
def _mapped(what: str) -> Iterator[None]:
    try:
        yield
    except ResourceNotFoundError as exc:
        raise BlobNotFound(what) from exc
    except ResourceExistsError as exc:
        raise BlobExists(what) from exc
    except HttpResponseError as exc:
        code = getattr(exc, "error_code", None)  # set by the storage SDK
        raise BlobStoreError(f"{what}: Blob Storage answered {exc.status_code}: {code}") from exc
    except AzureError as exc:
        raise BlobStoreError(f"{what}: {exc}") from exc


class AzureBlobStore:
    """Owns ``service`` and ``credential`` and closes them in ``close()``."""

    def __init__(
        self,
        service: BlobServiceClient,
        *,
        account_key: str | None = None,
        credential: AsyncTokenCredential | None = None,
        create_containers: bool = False,
        health_container: str | None = None,
        clock: Clock | None = None,
        check_timeout: float = 10.0,
    ) -> None:
        self._service = service
        self._credential = credential
        self._create_containers = create_containers
        self._health_container = health_container
        self._check_timeout = check_timeout
        self._links = BlobLinks(service, account_key=account_key, clock=clock or SystemClock())

    @classmethod
    def from_connection_string(cls, value: str, **options: Any) -> AzureBlobStore:
        """For Azurite and tooling: the account key in the string also signs download links."""
        key = parse_connection_string(value).get("AccountKey") or None
        return cls(BlobServiceClient.from_connection_string(value), account_key=key, **options)

    @classmethod
    def from_account_url(
        cls, account_url: str, credential: AsyncTokenCredential | None = None, **options: Any
    ) -> AzureBlobStore:
        """For Azure: the managed identity (``DefaultAzureCredential`` unless one is given)."""
        if credential is None:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential()
        return cls(BlobServiceClient(account_url, credential=credential), credential=credential, **options)

    def _blob(self, container: str, name: str) -> BlobClient:
        validate_name(container, name)
        return self._service.get_blob_client(container, name)

    async def put(
        self, container: str, name: str, data: bytes, content_type: str, *, overwrite: bool = False
    ) -> BlobRef:
        blob, data = self._blob(container, name), bytes(data)
        validate_content_type(content_type)
        ref = BlobRef(container, name, len(data), content_type, digest(data))
        what = f"{container}/{name}"
        for attempt in range(2):
            try:
                with _mapped(what):
                    await blob.upload_blob(
                        data,
                        overwrite=overwrite,
                        content_settings=ContentSettings(content_type=content_type),
                        metadata={"sha256": ref.sha256},
                    )
                return ref
            except BlobExists:
                return await self._same_or_refuse(blob, what, data, ref.sha256)
            except BlobNotFound as exc:
                missing = getattr(exc.__cause__, "error_code", None) == "ContainerNotFound"
                if attempt or not (missing and self._create_containers):
                    raise BlobStoreError(f"{what}: the container does not exist") from exc
                await self._create_container(container)
        raise AssertionError("unreachable")

    async def _same_or_refuse(self, blob: BlobClient, what: str, data: bytes, sha256: str) -> BlobRef:
        with _mapped(what):
            props = await blob.get_blob_properties()
            stored = (props.metadata or {}).get("sha256")
            if stored is None:  # written by something else than this store: compare the bytes
                stored = digest(await (await blob.download_blob()).readall())
        if stored != sha256:
            raise BlobExists(f"{what} holds other bytes")
        return BlobRef(blob.container_name, blob.blob_name, props.size, _content_type(props.content_settings), sha256)

    async def _create_container(self, container: str) -> None:
        try:
            with _mapped(container):
                await self._service.create_container(container)
        except BlobExists:
            pass  # created meanwhile by another writer

    async def get(self, container: str, name: str) -> bytes:
        blob = self._blob(container, name)
        with _mapped(f"{container}/{name}"):
            return await (await blob.download_blob()).readall()

    async def info(self, container: str, name: str) -> BlobRef:
        blob = self._blob(container, name)
        with _mapped(f"{container}/{name}"):
            props = await blob.get_blob_properties()
            sha256 = (props.metadata or {}).get("sha256") or digest(await (await blob.download_blob()).readall())
        return BlobRef(container, name, props.size, _content_type(props.content_settings), sha256)

    async def exists(self, container: str, name: str) -> bool:
        blob = self._blob(container, name)
        with _mapped(f"{container}/{name}"):
            return await blob.exists()

    async def delete(self, container: str, name: str) -> bool:
        blob = self._blob(container, name)
        try:
            with _mapped(f"{container}/{name}"):
                await blob.delete_blob(delete_snapshots="include")
        except BlobNotFound:
            return False
        return True

    async def url_for(
        self, container: str, name: str, expires_in: timedelta, *, download_name: str | None = None
    ) -> str | None:
        return await self._links.sign(self._blob(container, name), expires_in, download_name=download_name)

    async def check(self) -> None:
        async with asyncio.timeout(self._check_timeout):
            await self._check()

    async def _check(self) -> None:
        if self._health_container is None:
            with _mapped("list containers"):
                async for _ in self._service.list_containers(results_per_page=1):
                    break
            return
        try:
            with _mapped(self._health_container):
                await self._service.get_container_client(self._health_container).get_container_properties()
        except BlobNotFound:
            if not self._create_containers:
                raise BlobStoreError(f"the container {self._health_container!r} does not exist") from None

    async def close(self) -> None:
        await self._service.close()
        if self._credential is not None:
            await self._credential.close()


def _content_type(settings: ContentSettings | None) -> str:
    return (settings.content_type if settings else None) or "application/octet-stream"
