"""The local host serves the built web app at / (local_host/web_app.py), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import azure.functions as func
import httpx
import pytest

from local_host.server import LocalHost
from local_host.web_app import IMMUTABLE, REVALIDATE, WebApp
from shared.adapters.embedded.local_bus import LocalBus
from shared.config import Settings

pytestmark = pytest.mark.e2e

INDEX = '<!doctype html><html><body><div id="root"></div><script src="/assets/index-abc123.js"></script></body></html>'
SCRIPT = "console.log('watts');"


def app() -> func.FunctionApp:
    fa = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @fa.route(route="health", methods=["GET"])
    async def health(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(json.dumps({"status": "ok"}), mimetype="application/json")

    return fa


def build(dist: Path) -> None:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text(SCRIPT, encoding="utf-8")
    (dist / "favicon.svg").write_text("<svg/>", encoding="utf-8")


Client = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client(tmp_path: Path) -> Client:
    @asynccontextmanager
    async def serve() -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(local_bus_path=str(tmp_path / "bus.db"))
        bus = LocalBus(settings.local_bus_path, max_delivery_count=3)
        host = LocalHost(
            app(), settings, "127.0.0.1", 0, bus=bus, poll=False, timers=False, extra_routes=[WebApp(tmp_path / "dist")]
        )
        try:
            async with host, httpx.AsyncClient(base_url=host.url, timeout=10) as http:
                yield http
        finally:
            await bus.close()

    return serve


async def test_the_page_is_served_at_the_root_and_revalidated(tmp_path: Path, client: Client) -> None:
    build(tmp_path / "dist")
    async with client() as http:
        page = await http.get("/")
        assert page.status_code == 200
        assert page.text == INDEX
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == REVALIDATE
        icon = await http.get("/favicon.svg")
        assert (icon.status_code, icon.text, icon.headers["cache-control"]) == (200, "<svg/>", REVALIDATE)


async def test_hashed_assets_are_cached_for_good(tmp_path: Path, client: Client) -> None:
    build(tmp_path / "dist")
    async with client() as http:
        asset = await http.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert asset.text == SCRIPT
        assert "javascript" in asset.headers["content-type"]
        assert asset.headers["cache-control"] == IMMUTABLE
        head = await http.head("/assets/index-abc123.js")
        assert head.status_code == 200
        assert head.headers["content-length"] == str(len(SCRIPT))
        assert head.content == b""


async def test_app_pages_fall_back_to_the_index(tmp_path: Path, client: Client) -> None:
    build(tmp_path / "dist")
    async with client() as http:
        for path in ("/stations/st-1", "/sessions/ses-1", "/signin?next=%2Finvoices", "/invoices/"):
            page = await http.get(path)
            assert (path, page.status_code, page.text) == (path, 200, INDEX)
            assert page.headers["cache-control"] == REVALIDATE
        missing = await http.get("/assets/index-old999.js")
        assert missing.status_code == 404
        assert missing.text != INDEX


async def test_api_ocpp_and_admin_paths_are_never_the_page(tmp_path: Path, client: Client) -> None:
    build(tmp_path / "dist")
    async with client() as http:
        health = await http.get("/api/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        for path in ("/api/nothing-here", "/API/Nothing", "/api", "/ocpp/CP-1", "/admin/functions"):
            answer = await http.get(path)
            assert answer.status_code in (404, 405), path
            assert answer.text != INDEX, path
        posted = await http.post("/stations/st-1", content=b"{}")
        assert posted.status_code in (404, 405)
        assert posted.text != INDEX


async def test_nothing_outside_the_build_is_served(tmp_path: Path, client: Client) -> None:
    build(tmp_path / "dist")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    async with client() as http:
        for raw in ("/../secret.txt", "/assets/..%2f..%2fsecret.txt", "/%2e%2e/secret.txt"):
            answer = await http.get(httpx.URL(raw))
            assert "secret" not in answer.text, raw
        assert WebApp(tmp_path / "dist").respond("/../secret.txt").status_code == 404


async def test_without_a_build_the_root_says_how_to_make_one(tmp_path: Path, client: Client) -> None:
    async with client() as http:
        page = await http.get("/")
        assert page.status_code == 200
        assert "make web" in page.text
        other = await http.get("/stations/st-1")
        assert other.status_code == 404
        assert "make web" in other.text
        # built while the host runs: served from the next request on
        build(tmp_path / "dist")
        assert (await http.get("/stations/st-1")).text == INDEX
