"""Azure Functions route templates compiled to matchers (local_host.routes)."""

from __future__ import annotations

import pytest

from local_host.routes import compile_route


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("health", "health", {}),
        ("health", "HEALTH/", {}),  # literals are case-insensitive, a trailing slash is ignored
        ("health", "healthz", None),
        ("users/{id}", "users/u_1", {"id": "u_1"}),
        ("users/{id}", "users", None),
        ("users/{id}", "users/a/b", None),
        ("users/{id}/cards/{cardId}", "users/1/cards/c9", {"id": "1", "cardId": "c9"}),
        ("items/{id:int}", "items/42", {"id": "42"}),
        ("items/{id:int}", "items/-7", {"id": "-7"}),
        ("items/{id:int}", "items/4x", None),
        ("items/{id:int}", "items/99999999999", None),  # beyond int32
        ("items/{id:long}", "items/99999999999", {"id": "99999999999"}),
        ("items/{id:int:min(1)}", "items/0", None),
        ("items/{id:int:range(1,10)}", "items/10", {"id": "10"}),
        ("f/{flag:bool}", "f/TRUE", {"flag": "TRUE"}),
        ("f/{flag:bool}", "f/yes", None),
        ("n/{name:alpha:maxlength(3)}", "n/abc", {"name": "abc"}),
        ("n/{name:alpha:maxlength(3)}", "n/abcd", None),
        ("g/{key:guid}", "g/6f1c2a0e-8d0b-4b8e-9a43-2a2f7d2f9c11", {"key": "6f1c2a0e-8d0b-4b8e-9a43-2a2f7d2f9c11"}),
        ("g/{key:guid}", "g/nope", None),
        ("d/{x:double}", "d/1.5", {"x": "1.5"}),
        ("z/{code:regex(^\\d{{3}}$)}", "z/123", {"code": "123"}),
        ("z/{code:regex(^\\d{3}$)}", "z/123", {"code": "123"}),
        ("z/{code:regex(^\\d{3}$)}", "z/1234", None),
        ("z/{code:length(2,3)}", "z/a", None),
        ("opt/{id?}", "opt", {}),
        ("opt/{id?}", "opt/5", {"id": "5"}),
        ("opt/{id:int?}", "opt/x", None),
        ("dflt/{page=1}", "dflt", {"page": "1"}),
        ("dflt/{page=1}", "dflt/3", {"page": "3"}),
        ("files/{*path}", "files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("files/{**path}", "files/a", {"path": "a"}),
        ("files/{*path}", "files", {}),
        ("img/{name}.{ext}", "img/photo.png", {"name": "photo", "ext": "png"}),
        ("", "", {}),
        ("", "x", None),
    ],
)
def test_match(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert compile_route(template).match(path) == expected


def test_leading_and_trailing_slashes_in_template_are_ignored() -> None:
    assert compile_route("/users/{id}/").match("users/1") == {"id": "1"}


@pytest.mark.parametrize(
    "template",
    [
        "a/{*rest}/b",  # catch-all must be last
        "a/{id}/{id}",  # duplicate parameter
        "a/{id:nosuch}",  # unknown constraint
        "a/{id",  # unclosed
        "a/id}",
        "a//b",
        "a/{1bad}",
        "a/{n:min(x)}",
    ],
)
def test_invalid_templates_fail_at_compile_time(template: str) -> None:
    with pytest.raises(ValueError):
        compile_route(template)


def test_precedence_orders_literals_before_parameters_before_catch_all() -> None:
    ordered = sorted(
        ["files/{*path}", "users/{id}", "users/me", "users/{id:int}", "users/{id?}"],
        key=lambda t: compile_route(t).precedence,
    )
    assert ordered == ["users/me", "users/{id:int}", "users/{id}", "users/{id?}", "files/{*path}"]
