"""Two tenants for the tenancy tests: ``acme`` and its rival, each with an admin and staff."""

from __future__ import annotations

import pytest

from tests.providers_fixture import create_provider


@pytest.fixture
async def acme(deps):
    return await create_provider(deps, "acme")


@pytest.fixture
async def rival(deps):
    return await create_provider(deps, "rival")
