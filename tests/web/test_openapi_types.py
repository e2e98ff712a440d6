"""The web app's API types cannot drift from the API: web/openapi.json is the app's own document.

web/src/api/schema.d.ts is generated from web/openapi.json (``npm run gen``; a Vitest test checks that
step), and this checks that web/openapi.json is what ``GET /api/openapi.json`` serves now. When an
endpoint or model changes, ``make web-api`` regenerates both and the TypeScript build shows what to fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import tools.openapi_dump
from tools.openapi_dump import TARGET, app_document, main, render

WEB_SRC = Path(__file__).resolve().parents[2] / "web" / "src"
# the typed client's calls: api.client.GET("/api/stations/{stationId}", ...)
_CALL = re.compile(r"\.(GET|POST|PUT|PATCH|DELETE)\(\s*\"(/api/[^\"]*)\"")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return app_document()  # a second or two of pydantic schema generation: built once here


def test_web_openapi_json_is_the_apps_document(document: dict[str, Any]) -> None:
    committed = TARGET.read_text(encoding="utf-8")
    assert committed == render(document), (
        "web/openapi.json differs from the app's OpenAPI document: run `make web-api` "
        "(tools/openapi_dump.py, then npm run gen) and fix what the TypeScript build reports"
    )


@pytest.mark.usefixtures("deps")
async def test_the_dump_is_the_document_the_api_serves(functions, document: dict[str, Any]) -> None:
    served = await functions("openapi")
    assert served.status == 200
    assert served.json == json.loads(render(document))


def test_every_call_of_the_web_app_is_a_documented_operation(document: dict[str, Any]) -> None:
    calls = {
        (method.lower(), path)
        for file in WEB_SRC.rglob("*.ts*")
        if not file.name.endswith((".test.ts", ".test.tsx", ".d.ts"))
        for method, path in _CALL.findall(file.read_text(encoding="utf-8"))
    }
    assert len(calls) >= 15, calls  # the drivers' screens: stations, sessions, invoices, cards, notifications
    missing = sorted(c for c in calls if c[1] not in document["paths"] or c[0] not in document["paths"][c[1]])
    assert missing == []


def test_check_mode_tells_a_stale_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, document: dict[str, Any]
) -> None:
    monkeypatch.setattr(tools.openapi_dump, "app_document", lambda: document)
    stale = tmp_path / "openapi.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["--out", str(stale), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["--out", str(stale)]) == 0
    assert main(["--out", str(stale), "--check"]) == 0
    assert json.loads(stale.read_text(encoding="utf-8"))["openapi"] == "3.1.0"
