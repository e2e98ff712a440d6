"""What every benchmark's scratch world shares: settings whose files all live in one temporary folder (store,
bus, payment simulator, invoices, mail outbox, none of them in the project's .data), and a clock that stands
still."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.config import Settings

__all__ = ["FixedClock", "scratch_settings"]


def scratch_settings(folder: Path, **overrides: Any) -> Settings:
    """Test-mode settings on the embedded stand-ins, every file under ``folder``, a fresh JWT secret, no demo data;
    ``overrides`` by the settings' names (``ADMIN_EMAIL=...``)."""
    values: dict[str, Any] = {
        "APP_ENV": "test",
        "SQLITE_PATH": str(folder / "store.db"),
        "LOCAL_BUS_PATH": str(folder / "bus.db"),
        "PAYMENT_SIMULATOR_PATH": str(folder / "payments.db"),
        "BLOB_ROOT": str(folder / "blobs"),
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "DEMO_DATA": False,
        **overrides,
    }
    return Settings(**values)


class FixedClock:
    """A clock that always says ``at``: the month's figures are computed as of one instant."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at
