"""Shared fixtures: settings on temp files, dependencies installed in the composition root."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from argon2 import PasswordHasher

from shared import bootstrap
from shared.config import Settings
from tests.fakes import FakeClock, RecordingLink

ADMIN_EMAIL = "admin@wattsup.dev"
ADMIN_PASSWORD = "admin-password-1"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "APP_ENV": "test",
        "SQLITE_PATH": str(tmp_path / "store.db"),
        "LOCAL_BUS_PATH": str(tmp_path / "bus.db"),
        "PAYMENT_SIMULATOR_PATH": str(tmp_path / "payments.db"),
        "BLOB_ROOT": str(tmp_path / "blobs"),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DEMO_DATA": False,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 3,
        "LOGIN_MAX_FAILURES_PER_CLIENT": 10,
        "BUS_MAX_DELIVERY_COUNT": 3,
    }
    values.update(overrides)
    return Settings(**values)


def fast_hasher() -> PasswordHasher:
    # argon2's production cost makes each hash ~50 ms; tests need the behaviour, not the cost.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def deps(settings: Settings, clock: FakeClock) -> AsyncIterator[bootstrap.Deps]:
    built = bootstrap.build(settings, clock=clock)
    built.passwords = fast_hasher()
    built.link = RecordingLink()  # commands to chargers are recorded; tests answer them as the charger would
    bootstrap.use(built)
    yield built
    await bootstrap.close()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Functions:
    """Calls the app's HTTP functions directly, without a host (STYLE: test a function without a host)."""

    def __init__(self) -> None:
        import function_app
        from local_host.discovery import functions_of

        self._fns = {f.get_function_name(): f.get_user_function() for f in functions_of(function_app.app)}

    async def __call__(
        self,
        name: str,
        method: str = "GET",
        *,
        body: Any = None,
        raw: bytes | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        route: dict[str, str] | None = None,
    ) -> Answer:
        all_headers = {"x-forwarded-for": "203.0.113.7", **(headers or {})}
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        req = func.HttpRequest(
            method,
            f"http://127.0.0.1/api/{name}",
            headers=all_headers,
            params=params or {},
            route_params=route or {},
            body=payload,
        )
        resp = await self._fns[name](req)
        answer_headers = {k.lower(): v for k, v in resp.headers.items()}
        if resp.mimetype:
            answer_headers.setdefault("content-type", resp.mimetype)
        return Answer(resp.status_code, answer_headers, resp.get_body())


@pytest.fixture(scope="session")
def functions() -> Functions:
    return Functions()
