"""One component schema per name: two different classes with one name refuse to build the OpenAPI document.

Before, the second ``Money`` (analytics' ``{currency, collected, refunded, net}``) silently replaced the
first (sessions' ``{amount, currency}``), so the document described ``DriverPeriod.spend`` wrongly.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from shared.domain.model import ApiModel, InputModel
from shared.domain.sessions import Money
from shared.http.auth import Auth
from shared.http.endpoint import Endpoint
from shared.http.openapi import SchemaNameClash, openapi_document
from shared.http.paging import Paged
from tools.openapi_dump import app_document


def endpoint(name: str, route: str, **extra: Any) -> Endpoint:
    return Endpoint(name, route, ("GET",), "test", name, Auth.PUBLIC, **extra)


def document(*endpoints: Endpoint) -> dict[str, Any]:
    return openapi_document(endpoints, version="test")


def analytics_money() -> type[ApiModel]:
    """A class named ``Money`` in another module than shared.domain.sessions' one."""

    class Money(ApiModel):
        currency: str
        net: str

    return Money


class Wallet(ApiModel):
    balance: Money  # shared.domain.sessions.Money, nested


def test_two_response_models_with_one_name_are_refused_naming_both() -> None:
    other = analytics_money()
    with pytest.raises(SchemaNameClash) as raised:
        document(endpoint("a", "a", response=Money), endpoint("b", "b", response=other))
    message = str(raised.value)
    assert "'Money'" in message
    assert "shared.domain.sessions.Money" in message
    assert f"{other.__module__}.{other.__qualname__}" in message


def test_a_clash_between_a_nested_model_and_another_is_refused_too() -> None:
    other = analytics_money()

    class Ledger(ApiModel):
        entries: list[other]  # type: ignore[valid-type]

    with pytest.raises(SchemaNameClash, match="'Money'"):
        document(endpoint("a", "a", response=Wallet), endpoint("b", "b", response=Ledger))
    with pytest.raises(SchemaNameClash, match="'Money'"):  # both inside one response's schema
        document(endpoint("c", "c", response=Paged[Wallet | Ledger]))


def test_a_clash_through_a_query_model_or_a_body_is_refused() -> None:
    class Money(InputModel):  # noqa: F811 - the point: another class with the same name
        cents: int

    class Colour(StrEnum):
        RED = "red"

    class Filter(InputModel):
        colour: Colour | None = None

    class Colour2(StrEnum):
        BLUE = "blue"

    Colour2.__name__ = "Colour"
    Colour2.__qualname__ = "Colour"

    class Paint(InputModel):
        colour: Colour2

    with pytest.raises(SchemaNameClash, match="'Money'"):
        document(endpoint("a", "a", response=Wallet), Endpoint("b", "b", ("POST",), "t", "b", Auth.PUBLIC, body=Money))
    with pytest.raises(SchemaNameClash, match="'Colour'"):
        document(endpoint("q", "q", query=Filter), endpoint("p", "p", body=Paint))


def test_a_model_may_not_take_the_name_of_the_problem_schema() -> None:
    class Problem(ApiModel):
        detail: str

    with pytest.raises(SchemaNameClash, match="problem"):
        document(endpoint("a", "a", response=Problem))


def test_one_model_used_in_many_places_is_one_schema() -> None:
    built = document(
        endpoint("a", "a", response=Money),
        endpoint("b", "b", response=Wallet),
        Endpoint("c", "c", ("POST",), "t", "c", Auth.PUBLIC, body=Wallet, response=list[Wallet]),
    )
    schemas = built["components"]["schemas"]
    assert set(schemas) == {"Money", "Wallet", "Problem"}
    assert set(schemas["Money"]["properties"]) == {"amount", "currency"}


def test_the_apps_document_builds_with_distinct_money_schemas() -> None:
    schemas = app_document()["components"]["schemas"]
    flow = {"$ref": "#/components/schemas/MoneyFlow"}
    assert set(schemas["MoneyFlow"]["properties"]) == {"currency", "collected", "refunded", "net"}
    assert schemas["DriverPeriod"]["properties"]["spend"]["items"] == flow
    assert schemas["SitePeriod"]["properties"]["revenue"]["items"] == flow
    assert set(schemas["Money"]["properties"]) == {"amount", "currency"}
    cost = schemas["SessionView"]["properties"]["cost"]["anyOf"]
    assert {"$ref": "#/components/schemas/Money"} in cost
