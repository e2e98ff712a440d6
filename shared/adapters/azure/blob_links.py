"""Read-only download links for Blob Storage: a blob URL with a shared access signature (SAS).

With the managed identity (no account key) the SAS is signed by a user delegation
key, asked of the service under the identity (which needs ``Storage Blob Data
Contributor`` or ``Storage Blob Delegator``), kept, and renewed when a link would
outlive it; a key and its links live at most seven days. With an account key
(Azurite, tooling) the key signs. Links name no start time, so a clock running a
little behind the service's does not make a fresh link "not yet valid".
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from azure.core.exceptions import AzureError
from azure.storage.blob import BlobSasPermissions, UserDelegationKey, generate_blob_sas
from azure.storage.blob.aio import BlobClient, BlobServiceClient

from shared.ports.blobs import BlobStoreError, content_disposition
from shared.ports.clock import Clock

__all__ = ["MAX_LINK_LIFETIME", "BlobLinks"]

MAX_LINK_LIFETIME = timedelta(days=7)  # the longest a user delegation key (and so its SAS) may live
_KEY_SKEW = timedelta(minutes=5)  # a key valid from a little before now, for clocks that differ


class BlobLinks:
    def __init__(self, service: BlobServiceClient, *, account_key: str | None, clock: Clock) -> None:
        self._service = service
        self._account_key = account_key
        self._clock = clock
        self._delegation: tuple[UserDelegationKey, datetime] | None = None
        self._lock = asyncio.Lock()

    async def sign(self, blob: BlobClient, expires_in: timedelta, *, download_name: str | None = None) -> str:
        """The blob's URL, readable (only) for ``expires_in``; saved as ``download_name`` if given."""
        if not timedelta(0) < expires_in <= MAX_LINK_LIFETIME:
            raise ValueError(f"a download link lives more than 0 and at most {MAX_LINK_LIFETIME}, not {expires_in}")
        now = self._clock.now()
        expiry = now + expires_in
        delegation = None if self._account_key else await self._delegation_key(now, expiry)
        sas = generate_blob_sas(
            self._service.account_name or "",
            blob.container_name,
            blob.blob_name,
            account_key=self._account_key,
            user_delegation_key=delegation,
            permission=BlobSasPermissions(read=True),
            expiry=expiry,
            protocol="https" if blob.url.startswith("https:") else None,
            content_disposition=content_disposition(download_name) if download_name else None,
        )
        return f"{blob.url}?{sas}"

    async def _delegation_key(self, now: datetime, expiry: datetime) -> UserDelegationKey:
        async with self._lock:
            if self._delegation is None or self._delegation[1] < expiry:
                key_expiry = min(now + MAX_LINK_LIFETIME, max(expiry, now + timedelta(days=1)))
                try:
                    key = await self._service.get_user_delegation_key(now - _KEY_SKEW, key_expiry)
                except AzureError as exc:
                    raise BlobStoreError(f"no user delegation key: {exc}") from exc
                self._delegation = (key, key_expiry)
            return self._delegation[0]
