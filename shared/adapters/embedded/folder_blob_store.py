"""BlobStore in a local folder: the embedded default (DESIGN section 3).

``<root>/<container>/<name>`` holds the bytes, so the invoices can be browsed
as files; ``<root>/.meta/<container>/<name>.json`` holds the content type
(no container is named ``.meta`` or ``.tmp``: a container name has no dot).
Names are checked by the port's rules, which rule out ``..`` and absolute paths.

Writes go to a temporary file under ``<root>/.tmp`` (same file system), are
flushed to disk, then published in one step: ``os.link`` when the name must
not exist yet (it fails if it does, so two racing writers cannot both win) and
``os.replace`` when overwriting. A blob whose metadata file is missing (a crash
between the two steps) still reads, as ``application/octet-stream``.

Unlike Blob Storage, a name cannot be both a blob and a folder of blobs here
(``a`` and ``a/b``): that put raises ``InvalidBlobName``. File work runs in a
worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

from shared.ports.blobs import (
    BlobExists,
    BlobNotFound,
    BlobRef,
    BlobStoreError,
    InvalidBlobName,
    digest,
    validate_content_type,
    validate_name,
)

__all__ = ["FolderBlobStore"]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class FolderBlobStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._root = Path(root)

    def _paths(self, container: str, name: str) -> tuple[Path, Path]:
        validate_name(container, name)
        return self._root / container / name, self._root / ".meta" / container / f"{name}.json"

    async def put(
        self, container: str, name: str, data: bytes, content_type: str, *, overwrite: bool = False
    ) -> BlobRef:
        path, meta = self._paths(container, name)
        validate_content_type(content_type)
        return await asyncio.to_thread(self._put, container, name, path, meta, bytes(data), content_type, overwrite)

    def _put(
        self, container: str, name: str, path: Path, meta: Path, data: bytes, content_type: str, overwrite: bool
    ) -> BlobRef:
        ref = BlobRef(container, name, len(data), content_type, digest(data))
        temp = self._temp(data)
        try:
            for attempt in range(2):
                try:
                    self._publish(container, name, path, temp, overwrite)
                    break
                except FileNotFoundError:  # a delete pruned the folder just made: make it again, once
                    if attempt:
                        raise
        except FileExistsError:
            return self._same_or_refuse(ref, path, meta, data)
        finally:
            temp.unlink(missing_ok=True)
        meta.parent.mkdir(parents=True, exist_ok=True)
        temp = self._temp(json.dumps({"contentType": content_type}).encode())
        try:
            os.replace(temp, meta)
        finally:
            temp.unlink(missing_ok=True)
        return ref

    def _publish(self, container: str, name: str, path: Path, temp: Path, overwrite: bool) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidBlobName(f"{container}/{name}: part of that name is a blob here, not a folder") from exc
        try:
            if overwrite:
                os.replace(temp, path)
            else:
                os.link(temp, path)  # fails if the name exists: racing writers cannot both win
        except IsADirectoryError as exc:
            raise InvalidBlobName(f"{container}/{name}: that name is a folder of other blobs here") from exc

    def _same_or_refuse(self, ref: BlobRef, path: Path, meta: Path, data: bytes) -> BlobRef:
        what = f"{ref.container}/{ref.name}"
        if path.is_dir():
            raise InvalidBlobName(f"{what}: that name is a folder of other blobs here")
        if path.read_bytes() != data:
            raise BlobExists(f"{what} holds other bytes")
        # The first writer may not have written the metadata yet: its content type is then ours.
        return self._info(ref.container, ref.name, path, meta, default=ref.content_type)

    def _temp(self, data: bytes) -> Path:
        folder = self._root / ".tmp"
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / uuid.uuid4().hex
        with open(temp, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        return temp

    async def get(self, container: str, name: str) -> bytes:
        path, _ = self._paths(container, name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise BlobNotFound(f"{container}/{name}") from exc

    async def info(self, container: str, name: str) -> BlobRef:
        path, meta = self._paths(container, name)
        return await asyncio.to_thread(self._info, container, name, path, meta)

    def _info(self, container: str, name: str, path: Path, meta: Path, default: str = DEFAULT_CONTENT_TYPE) -> BlobRef:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise BlobNotFound(f"{container}/{name}") from exc
        content_type = default
        try:
            content_type = str(json.loads(meta.read_bytes())["contentType"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no or unreadable metadata: the bytes still stand
        return BlobRef(container, name, len(data), content_type, digest(data))

    async def exists(self, container: str, name: str) -> bool:
        path, _ = self._paths(container, name)
        return await asyncio.to_thread(path.is_file)

    async def delete(self, container: str, name: str) -> bool:
        path, meta = self._paths(container, name)
        return await asyncio.to_thread(self._delete, container, path, meta)

    def _delete(self, container: str, path: Path, meta: Path) -> bool:
        if not path.is_file():
            return False
        try:
            path.unlink()
        except FileNotFoundError:  # deleted meanwhile
            return False
        meta.unlink(missing_ok=True)
        for file, top in ((path, self._root / container), (meta, self._root / ".meta" / container)):
            self._prune(file.parent, top)
        return True

    @staticmethod
    def _prune(folder: Path, top: Path) -> None:
        # Empty folders left by a deleted blob would block a later blob of that name.
        while folder != top and top in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    async def url_for(
        self, container: str, name: str, expires_in: timedelta, *, download_name: str | None = None
    ) -> str | None:
        validate_name(container, name)
        return None

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _check(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        if not os.access(self._root, os.W_OK | os.X_OK):
            raise BlobStoreError(f"the blob folder {self._root} is not writable")

    async def close(self) -> None:
        return None
