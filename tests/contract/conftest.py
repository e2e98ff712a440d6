"""Fixtures for the contract suites: each port against each adapter that can run here.

The Cosmos DB adapter runs against the local stand-in (npm @vercel/cosmosdb-server,
DESIGN section 10), started once per session on a free loopback port by
``tools/cosmos-standin.js`` and stopped by closing its stdin.

The Blob Storage adapter runs against Azurite's blob service (npm azurite), in
memory, started once per session on a port the OS picks on 127.0.0.1 and
stopped (SIGTERM) at the end of the session; on Linux it is also told to stop
should this process die first.
"""

from __future__ import annotations

import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.cosmos.aio import CosmosClient

from shared.adapters.azure.blob_store import AzureBlobStore
from shared.adapters.azure.cosmos_store import CosmosDocumentStore
from shared.adapters.embedded.folder_blob_store import FolderBlobStore
from shared.adapters.embedded.sqlite_store import SqliteDocumentStore
from shared.containers import CONTAINERS
from shared.ports.blobs import BlobStore
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


# --- Blob Storage: Azurite -------------------------------------------------------------

AZURITE_BLOB = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (published in its documentation; not a secret).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_AZURITE_LISTENING = re.compile(rb"listens on http://127\.0\.0\.1:(\d+)")


@dataclass(frozen=True)
class Azurite:
    blob_endpoint: str  # http://127.0.0.1:<port>/devstoreaccount1

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={self.blob_endpoint};"
        )


def _stop_with_parent() -> Callable[[], None] | None:
    """For the child, before exec (Linux): SIGTERM when the test process dies, so no Azurite outlives it."""
    if sys.platform != "linux":
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child only calls it
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _azurite_port(proc: subprocess.Popen[bytes], log_path: Path) -> int:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        found = _AZURITE_LISTENING.search(log_path.read_bytes())
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"Azurite did not start (exit code {proc.poll()}): {log_path.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    if not AZURITE_BLOB.exists() or shutil.which("node") is None:
        if os.environ.get("WATTSUP_REQUIRE_COSMOS") == "1":  # make test: never skip quietly
            pytest.fail("Azurite is not installed: run `npm ci` at the project root (and have node on PATH)")
        pytest.skip("Azurite is not installed: run `npm ci` at the project root")
    folder = tmp_path_factory.mktemp("azurite")  # its working folder: nothing is written with in-memory storage
    log_path = folder / "azurite.log"
    args = ["--blobHost", "127.0.0.1", "--blobPort", "0", "--inMemoryPersistence", "--extentMemoryLimit", "256"]
    args += ["--disableTelemetry", "--skipApiVersionCheck", "--silent"]  # no telemetry: it would reach out
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(AZURITE_BLOB), *args],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_stop_with_parent(),
        )
    try:
        port = _azurite_port(proc, log_path)
        yield Azurite(f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def azurite_blob_store(azurite: Azurite, **options: object) -> AzureBlobStore:
    return AzureBlobStore.from_connection_string(azurite.connection_string, create_containers=True, **options)


@pytest.fixture(params=["folder", pytest.param("azurite", marks=pytest.mark.azurite)])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    """A fresh blob store per test: a folder under tmp_path, or Azurite (fresh container names per test)."""
    if request.param == "folder":
        yield FolderBlobStore(tmp_path / "blobs")
        return
    store = azurite_blob_store(request.getfixturevalue("azurite"))
    try:
        yield store
    finally:
        await store.close()
