"""Health, the OpenAPI document, and rules every registered function follows."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

import function_app
from local_host.discovery import functions_of
from shared.http.endpoint import ENDPOINTS
from shared.http.openapi import openapi_path

pytestmark = pytest.mark.usefixtures("deps")


def http_functions():
    return [f for f in functions_of(function_app.app) if f.is_http_function()]


async def test_health_reports_each_dependency(functions):
    answer = await functions("health")
    assert answer.status == 200
    assert answer.json["status"] == "ok"
    assert answer.json["dependencies"] == {
        "store": {"status": "ok", "backend": "sqlite", "error": None},
        "bus": {"status": "ok", "backend": "local", "error": None},
    }


async def test_health_is_503_when_a_dependency_fails(functions, deps, monkeypatch):
    async def broken() -> None:
        raise ConnectionError("down")

    monkeypatch.setattr(deps.store, "check", broken)
    answer = await functions("health")
    assert answer.status == 503
    assert answer.json["dependencies"]["store"] == {
        "status": "failing",
        "backend": "sqlite",
        "error": "ConnectionError",
    }


async def test_openapi_is_a_valid_3_1_document(functions):
    answer = await functions("openapi")
    assert answer.status == 200
    doc = answer.json
    assert doc["openapi"] == "3.1.0"
    validate(doc)


async def test_openapi_describes_every_http_function(functions):
    doc = (await functions("openapi")).json
    operations = {
        op["operationId"]: (path, method) for path, item in doc["paths"].items() for method, op in item.items()
    }
    for fn in http_functions():
        trigger = fn.get_trigger()
        name = fn.get_function_name()
        assert name in operations, f"{name} is not in the OpenAPI document"
        path, method = operations[name]
        assert path == openapi_path(trigger.route)
        assert method.upper() in {str(m.value) for m in trigger.methods}


async def test_register_operation_has_request_and_response_schemas(functions):
    doc = (await functions("openapi")).json
    op = doc["paths"]["/api/users"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserRegister"}
    assert "201" in op["responses"] and "422" in op["responses"]
    schema = doc["components"]["schemas"]["UserRegister"]
    assert set(schema["required"]) == {"email", "password", "name"}
    me = doc["paths"]["/api/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert doc["paths"]["/api/platform/users"]["get"]["x-roles"] == ["admin"]


def test_every_http_function_goes_through_the_plumbing():
    specs = {e.function_name for e in ENDPOINTS}
    assert {f.get_function_name() for f in http_functions()} <= specs


def test_no_route_uses_a_prefix_the_functions_host_reserves():
    for fn in http_functions():
        route = fn.get_trigger().route.lower()
        assert not route.startswith(("admin", "runtime")), route


def test_function_names_are_unique_and_non_http_ones_exist_only_by_registration():
    names = [f.get_function_name() for f in functions_of(function_app.app)]
    assert len(names) == len(set(names))


async def test_unexpected_error_gives_500_with_correlation_id_and_no_internals(functions, deps, monkeypatch):
    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(deps.store, "read", boom)
    answer = await functions("read_me", token=deps.tokens.issue(_principal()), headers={"x-correlation-id": "abc123"})
    assert answer.status == 500
    assert answer.json["code"] == "internal_error"
    assert answer.json["correlationId"] == "abc123"
    assert "secret" not in answer.body.decode()


def _principal():
    from shared.domain.principal import Principal, Role

    return Principal("usr_x", "x@example.com", frozenset({Role.DRIVER}))


async def test_health_probes_are_reused_for_a_moment(functions, deps, monkeypatch):
    calls = []

    async def counting() -> None:
        calls.append(1)

    monkeypatch.setattr(deps.store, "check", counting)
    for _ in range(5):
        assert (await functions("health")).status == 200
    assert len(calls) == 1
