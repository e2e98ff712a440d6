"""The embedded Mailer: each mail an ``.eml`` file in an outbox folder (MAIL_OUTBOX_DIR).

Any mail client opens the files; tests read them back with the stdlib ``email`` parser. The file name
comes from the mail's id, so a mail sent twice is one file, written again. Files are written to a
temporary name and renamed, so a reader never sees half a mail.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from email.policy import SMTP
from pathlib import Path

from shared.ports.mailer import Mail, MailError, to_mime

__all__ = ["OutboxMailer", "file_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(mail_id: str) -> str:
    """Readable and unique: the id made safe, cut short, and a hash of the whole id."""
    digest = hashlib.sha256(mail_id.encode()).hexdigest()[:12]
    return f"{_UNSAFE.sub('_', mail_id)[:80]}-{digest}.eml"


class OutboxMailer:
    def __init__(self, folder: str | Path, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def path_of(self, mail_id: str) -> Path:
        return self.folder / file_name(mail_id)

    def _write(self, mail: Mail) -> None:
        data = to_mime(mail, self.sender).as_bytes(policy=SMTP)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_of(mail.id)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)

    async def send(self, mail: Mail) -> None:
        try:
            await asyncio.to_thread(self._write, mail)
        except OSError as exc:
            raise MailError(f"could not write to the outbox {self.folder}: {exc}") from exc

    async def check(self) -> None:
        # created on first send; a folder that cannot be created is what the probe reports
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        return None
