"""The OpenAPI document beyond the models: conditional request headers, the 304, query constraints."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from shared.http.openapi import IF_MATCH_OPERATIONS, IF_NONE_MATCH_OPERATIONS
from tools.openapi_dump import app_document

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return app_document()


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for item in document["paths"].values() for op in item.values()}


def header_names(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op["parameters"] if p["in"] == "header"}


def query(document: dict[str, Any], path: str, name: str, method: str = "get") -> dict[str, Any]:
    params = document["paths"][path][method]["parameters"]
    found: dict[str, Any] = next(p for p in params if p["in"] == "query" and p["name"] == name)
    return found


def handlers_reading_if_match() -> set[str]:
    """The HTTP handlers (functions decorated with ``api.route``) that use ``call.if_match``."""
    found = set()
    for file in FUNCTIONS.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            routed = any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "route"
                for d in node.decorator_list
            )
            reads = any(isinstance(n, ast.Attribute) and n.attr == "if_match" for n in ast.walk(node))
            if routed and reads:
                found.add(node.name)
    return found


def test_the_document_is_valid(document: dict[str, Any]) -> None:
    validate(document)


def test_if_match_is_described_where_the_handlers_honour_it(document: dict[str, Any]) -> None:
    assert handlers_reading_if_match() == IF_MATCH_OPERATIONS
    for name, op in operations(document).items():
        assert ("If-Match" in header_names(op)) == (name in IF_MATCH_OPERATIONS), name
        if name in IF_MATCH_OPERATIONS:
            assert "412" in op["responses"], name
            header = next(p for p in op["parameters"] if p["name"] == "If-Match")
            assert header["required"] is False
            assert "412" in header["description"]


def test_a_session_is_read_with_if_none_match_and_may_be_304(document: dict[str, Any]) -> None:
    assert IF_NONE_MATCH_OPERATIONS == {"get_session"}
    op = document["paths"]["/api/sessions/{sessionId}"]["get"]
    header = next(p for p in op["parameters"] if p["name"] == "If-None-Match")
    assert (header["in"], header["required"], header["schema"]) == ("header", False, {"type": "string"})
    assert "content" not in op["responses"]["304"]
    assert set(op["responses"]["304"]["headers"]) == {"ETag"}
    assert set(op["responses"]["200"]["headers"]) == {"ETag"}
    others = {
        n for n, o in operations(document).items() if "If-None-Match" in header_names(o) or "304" in o["responses"]
    }
    assert others == {"get_session"}


def test_query_parameters_keep_their_constraints(document: dict[str, Any]) -> None:
    limit = query(document, "/api/stations", "limit")
    assert (limit["required"], limit["schema"]) == (
        False,
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    )
    radius = query(document, "/api/stations", "radiusKm")["schema"]["anyOf"][0]
    assert (radius["exclusiveMinimum"], radius["maximum"]) == (0, 100)
    assert query(document, "/api/sessions", "limit")["schema"]["maximum"] == 200
    minutes = query(document, "/api/stations/{stationId}/price-estimate", "minutes")["schema"]["anyOf"][0]
    assert (minutes["minimum"], minutes["maximum"]) == (1, 24 * 60)
    key = query(document, "/api/stations/{stationId}/price-estimate", "connectorKey")
    assert key["required"] is True
    assert key["description"] == "<chargerId>/<connectorId>"
    assert (key["schema"]["minLength"], key["schema"]["maxLength"]) == (3, 64)
    assert "description" not in key["schema"] and "title" not in key["schema"]
    month = query(document, "/api/platform/billing/statements", "month", "post")
    assert month["schema"]["pattern"] == r"^\d{4}-\d{2}$"


def test_the_deployment_config_and_the_tariff_preview_are_described(document: dict[str, Any]) -> None:
    config = document["paths"]["/api/config"]["get"]
    assert "security" not in config
    assert config["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DeploymentConfig"
    }
    schema = document["components"]["schemas"]["DeploymentConfig"]
    assert set(schema["required"]) == {"paymentBackend", "stripePublishableKey", "simulatorCardForm"}
    assert schema["properties"]["paymentBackend"]["enum"] == ["stripe", "simulator"]

    preview = document["paths"]["/api/tariffs/preview"]["post"]
    assert preview["security"] == [{"bearer": []}]
    assert preview["x-roles"] == ["provider_admin", "provider_staff"]
    assert {"200", "401", "403", "404", "422"} <= set(preview["responses"])
    body = document["components"]["schemas"]["TariffPreviewRequest"]
    assert body["properties"]["tariff"] == {"$ref": "#/components/schemas/TariffVersionCreate"}
    assert set(body["required"]) == {"tariff", "stationId", "connectorKey"}
    answer = document["components"]["schemas"]["TariffPreview"]["properties"]
    assert answer["cost"] == {"$ref": "#/components/schemas/Cost"}
