"""The project's FunctionApp served by the local host on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import function_app
from local_host.server import LocalHost
from shared import bootstrap


@pytest.fixture
async def host(deps: bootstrap.Deps) -> AsyncIterator[LocalHost]:
    async with LocalHost(function_app.app, deps.settings, port=0, retry_base_seconds=0.05) as running:
        yield running


@pytest.fixture
async def client(host: LocalHost) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=host.url, timeout=10) as http:
        yield http
