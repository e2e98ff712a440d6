"""Two local host processes on one SQLite file: ETag-conditional writes never both win."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_hosts(tmp_path: Path) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "APP_ENV": "test",
        "JWT_SECRET": "two-hosts-secret-" + "x" * 32,
        "SQLITE_PATH": str(tmp_path / "store.db"),
        "LOCAL_BUS_PATH": str(tmp_path / "bus.db"),
        "PAYMENT_SIMULATOR_PATH": str(tmp_path / "payments.db"),
        "BLOB_ROOT": str(tmp_path / "blobs"),
        "DEMO_DATA": "false",
        "ADMIN_EMAIL": "",
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "local_host", "--port", str(p), "--log-level", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 60
        for url in urls:
            while True:
                try:
                    if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "local host did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


async def test_concurrent_conditional_patches_one_winner_per_round(two_hosts):
    a, b = two_hosts
    async with httpx.AsyncClient(timeout=10) as http:
        body = {"email": "race@example.com", "password": "correct-horse-battery", "name": "R"}
        assert (await http.post(a + "/api/users", json=body)).status_code == 201
        login = await http.post(b + "/api/auth/login", json={"email": body["email"], "password": body["password"]})
        auth = {"authorization": f"Bearer {login.json()['accessToken']}"}
        wins: list[str] = []
        for round_no in range(ROUNDS):
            etag = (await http.get(a + "/api/me", headers=auth)).headers["etag"]
            answers = await asyncio.gather(
                *(
                    http.patch(url + "/api/me", json={"name": f"{name}{round_no}"}, headers={**auth, "if-match": etag})
                    for url, name in ((a, "A"), (b, "B"))
                )
            )
            statuses = sorted(r.status_code for r in answers)
            assert statuses == [200, 412], f"round {round_no}: {statuses}"
            wins.append(next(r.json()["name"] for r in answers if r.status_code == 200))
        final = (await http.get(b + "/api/me", headers=auth)).json()["name"]
        assert final == wins[-1]
