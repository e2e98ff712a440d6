"""Requests are described as pydantic validates them, answers as it serializes them.

A field with a default may be left out of a request but is always in an answer: a model used both ways gets a
second schema for requests (``<Name>Input``) when the two descriptions differ, and so does a model that
refers to one that differs; a model described the same both ways keeps one schema.
"""

from __future__ import annotations

from typing import Any

from shared.domain.model import ApiModel
from shared.http.auth import Auth
from shared.http.endpoint import Endpoint
from shared.http.openapi import openapi_document


class Limits(ApiModel):
    max_kwh: float | None = None
    label: str


class Plan(ApiModel):
    limits: Limits


class Plain(ApiModel):
    name: str


class Holder(ApiModel):
    plain: Plain


def endpoint(name: str, method: str, **extra: Any) -> Endpoint:
    return Endpoint(name, name, (method,), "test", name, Auth.PUBLIC, **extra)


def build() -> dict[str, Any]:
    endpoints = [
        endpoint("put_plan", "POST", body=Plan, response=Plan),
        endpoint("put_holder", "POST", body=Holder, response=Holder),
    ]
    return openapi_document(endpoints, version="test")


def test_a_model_with_defaults_gets_a_request_schema_and_so_does_what_refers_to_it() -> None:
    doc = build()
    schemas = doc["components"]["schemas"]
    assert sorted(schemas["Limits"]["required"]) == ["label", "maxKwh"]  # answers carry every field
    assert schemas["LimitsInput"]["required"] == ["label"]  # requests may leave out the default
    assert schemas["PlanInput"]["properties"]["limits"] == {"$ref": "#/components/schemas/LimitsInput"}
    assert schemas["Plan"]["properties"]["limits"] == {"$ref": "#/components/schemas/Limits"}
    operation = doc["paths"]["/api/put_plan"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert (body, answer) == ({"$ref": "#/components/schemas/PlanInput"}, {"$ref": "#/components/schemas/Plan"})


def test_a_model_described_the_same_both_ways_keeps_one_schema() -> None:
    doc = build()
    schemas = doc["components"]["schemas"]
    assert "PlainInput" not in schemas and "HolderInput" not in schemas
    operation = doc["paths"]["/api/put_holder"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Holder"}
    assert "~" not in str(doc)  # no request-side placeholder left anywhere


def test_the_apps_session_start_leaves_its_optional_caps_out_of_required() -> None:
    from tools.openapi_dump import app_document

    schemas = app_document()["components"]["schemas"]
    assert "maxKwh" not in schemas["SessionCapsInput"].get("required", [])
    assert "maxKwh" in schemas["SessionCaps"]["required"]
