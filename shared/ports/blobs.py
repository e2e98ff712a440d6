"""BlobStore: whole documents (invoice PDFs, statements) by container and name.

Blob Storage in Azure, a folder locally (DESIGN section 3). Writes refuse to
replace by default: an issued invoice never changes, so a second ``put`` of
the same name succeeds only with identical bytes (a retried issue is harmless)
and raises ``BlobExists`` with different ones. ``url_for`` gives a time-limited
download link where the backend can sign one (a SAS in Azure); None means
"serve it through the API".

Names follow Blob Storage's rules, narrowed so that a name is also a safe
relative path: containers are 3-63 lower-case letters, digits and single
hyphens; a blob name is 1-1024 characters of ``/``-separated segments, none
empty or ending in ``.`` (so never ``.`` or ``..``), with no backslash and no
control character.

Errors::

    BlobStoreError
    ├── BlobNotFound       get/info of a missing blob
    ├── BlobExists         put without overwrite of a name holding other bytes
    └── InvalidBlobName    a container or blob name outside the rules (also a ValueError)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

__all__ = [
    "BlobExists",
    "BlobNotFound",
    "BlobRef",
    "BlobStore",
    "BlobStoreError",
    "InvalidBlobName",
    "content_disposition",
    "digest",
    "validate_content_type",
    "validate_name",
]

_CONTAINER = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_NAME = 1024
MAX_SEGMENT_BYTES = 255  # a file name on common file systems


class BlobStoreError(Exception):
    """Base of the blob store's errors."""


class BlobNotFound(BlobStoreError):
    """No blob of that name in that container."""


class BlobExists(BlobStoreError):
    """The name holds different bytes, and overwriting was not asked for."""


class InvalidBlobName(BlobStoreError, ValueError):
    """A container or blob name outside the rules of the module docstring."""


@dataclass(frozen=True)
class BlobRef:
    """What was stored: where, how big, as what, and the SHA-256 (hex) of the bytes."""

    container: str
    name: str
    size: int
    content_type: str
    sha256: str


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def validate_name(container: str, name: str) -> None:
    """Raise ``InvalidBlobName`` unless both names follow the rules (for the adapters)."""
    if not isinstance(container, str) or not _CONTAINER.fullmatch(container):
        raise InvalidBlobName(f"not a container name (3-63 of a-z, 0-9, single hyphens): {container!r}")
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
        raise InvalidBlobName(f"a blob name has 1 to {MAX_NAME} characters: {name[:80]!r}")
    if "\\" in name or _CONTROL.search(name):
        raise InvalidBlobName(f"no backslash or control character in a blob name: {name[:80]!r}")
    for segment in name.split("/"):
        if not segment or segment.endswith("."):  # so never "." or ".."; Azure strips a trailing dot
            raise InvalidBlobName(f"no empty segment (nor a leading '/'), none ending in '.': {name[:80]!r}")
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise InvalidBlobName(f"a blob name segment has at most {MAX_SEGMENT_BYTES} bytes: {name[:80]!r}")


def validate_content_type(content_type: str) -> None:
    """Raise ``ValueError`` unless it can go in a header: printable ASCII, 1 to 255 characters."""
    if not isinstance(content_type, str) or not 0 < len(content_type) <= 255 or not content_type.isprintable():
        raise ValueError(f"not a content type: {content_type!r}")
    if not content_type.isascii():
        raise ValueError(f"a content type is ASCII: {content_type!r}")


def content_disposition(download_name: str) -> str:
    """``attachment`` with the file name, plain ASCII and RFC 5987 UTF-8, safe to put in a header."""
    from urllib.parse import quote

    ascii_name = "".join(c if " " <= c < "\x7f" and c not in '"\\' else "_" for c in download_name) or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_name, safe='')}"


class BlobStore(Protocol):
    """Implemented by the folder (embedded) and Blob Storage (Azure) adapters."""

    async def put(
        self, container: str, name: str, data: bytes, content_type: str, *, overwrite: bool = False
    ) -> BlobRef:
        """Store ``data``; without ``overwrite`` identical bytes succeed and other bytes raise BlobExists."""
        ...

    async def get(self, container: str, name: str) -> bytes:
        """The blob's bytes; raises BlobNotFound."""
        ...

    async def info(self, container: str, name: str) -> BlobRef:
        """What is stored under the name (size, content type, SHA-256); raises BlobNotFound."""
        ...

    async def exists(self, container: str, name: str) -> bool: ...

    async def delete(self, container: str, name: str) -> bool:
        """Remove the blob; True if there was one (deleting a missing blob is not an error)."""
        ...

    async def url_for(
        self, container: str, name: str, expires_in: timedelta, *, download_name: str | None = None
    ) -> str | None:
        """A read-only download URL valid for ``expires_in``, or None: serve it through the API.

        ``download_name`` asks the browser to save it under that file name. No existence check.
        """
        ...

    async def check(self) -> None:
        """Raise if the store cannot be reached (used by the health endpoint)."""
        ...

    async def close(self) -> None: ...
