"""Fixtures for the contract suites: each port against each adapter that can run here.

The Cosmos DB adapter runs against the local stand-in (npm @vercel/cosmosdb-server,
DESIGN section 10), started once per session on a free loopback port by
``tools/cosmos-standin.js`` and stopped by closing its stdin.
"""

from __future__ import annotations

import os
import select
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.cosmos.aio import CosmosClient

from shared.adapters.azure.cosmos_store import CosmosDocumentStore
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.containers import CONTAINERS
from shared.ports.store import ContainerSpec, DocumentStore

ROOT = Path(__file__).resolve().parents[2]
STANDIN_PACKAGE = ROOT / "node_modules" / "@vercel" / "cosmosdb-server"
# The stand-in accepts any key; this is the Cosmos DB emulator's published development key.
COSMOS_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class CosmosStandin:
    endpoint: str
    key: str = COSMOS_KEY


@pytest.fixture(scope="session")
def cosmos_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CosmosStandin]:
    if not STANDIN_PACKAGE.is_dir():
        if os.environ.get("WATTSUP_REQUIRE_COSMOS") == "1":  # make test: never skip quietly
            pytest.fail("the Cosmos DB stand-in is not installed: run `npm ci` at the project root")
        pytest.skip("the Cosmos DB stand-in is not installed: run `npm ci` at the project root")
    log_path = tmp_path_factory.mktemp("cosmos-standin") / "stderr.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            ["node", str(ROOT / "tools" / "cosmos-standin.js"), "0"],
            cwd=ROOT,
            stdin=subprocess.PIPE,  # closing it stops the server, even if this process dies
            stdout=subprocess.PIPE,
            stderr=log,
        )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_SECONDS)
        line = proc.stdout.readline().decode() if ready else ""
        if not line.startswith("LISTENING "):
            raise RuntimeError(f"cosmos stand-in did not start: {line!r} {log_path.read_text()}")
        yield CosmosStandin(f"https://127.0.0.1:{int(line.split()[1])}/")
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


async def drop_database(standin: CosmosStandin, name: str) -> None:
    async with CosmosClient(standin.endpoint, standin.key, connection_verify=False) as client:
        try:
            await client.delete_database(name)
        except Exception:  # never created (the test used no container): nothing to drop
            pass


def cosmos_store(
    standin: CosmosStandin, database: str, containers: Mapping[str, ContainerSpec] = CONTAINERS
) -> CosmosDocumentStore:
    # The stand-in serves a self-signed certificate: the only reason to skip verification.
    return CosmosDocumentStore(standin.endpoint, standin.key, database, containers, connection_verify=False)


@pytest.fixture(params=["sqlite", pytest.param("cosmos", marks=pytest.mark.cosmos)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[DocumentStore]:
    """A fresh, empty store per test: SQLite on a temp file, Cosmos on a new database."""
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            sqlite = SqliteDocumentStore(os.path.join(folder, "store.db"))
            yield sqlite
            await sqlite.close()
        return
    standin: CosmosStandin = request.getfixturevalue("cosmos_standin")
    database = f"test_{uuid.uuid4().hex[:12]}"
    cosmos = cosmos_store(standin, database)
    try:
        yield cosmos
    finally:
        await cosmos.close()
        await drop_database(standin, database)
