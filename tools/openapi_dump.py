"""Write the app's OpenAPI document to a file: the source of the web app's generated API types.

The web app (web/) types every call from ``web/openapi.json`` (``npm run gen`` turns it into
``web/src/api/schema.d.ts``). This writes the very document ``GET /api/openapi.json`` serves,
built from the same registrations, so tests/web/test_openapi_types.py can tell when the two differ::

    python tools/openapi_dump.py                 # writes web/openapi.json
    python tools/openapi_dump.py --check         # exit 1 when web/openapi.json is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "web" / "openapi.json"

__all__ = ["TARGET", "app_document", "main", "render"]


def app_document() -> dict[str, Any]:
    """The document /api/openapi.json serves: every endpoint registered by function_app's blueprints."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import function_app  # noqa: F401  (registers every blueprint's endpoints)
    from functions.system import VERSION
    from shared.http.endpoint import ENDPOINTS
    from shared.http.openapi import openapi_document

    return openapi_document(ENDPOINTS, version=VERSION)


def render(document: dict[str, Any]) -> str:
    """Stable text: the same document always gives the same bytes, so git diffs show real API changes."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="where to write (default web/openapi.json)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file differs")
    args = parser.parse_args(argv)
    text = render(app_document())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run `make web-api`", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
