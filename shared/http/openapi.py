"""The OpenAPI 3.1 document, generated from the registered endpoints and their pydantic models."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, TypeAdapter

from shared.http.auth import Auth
from shared.http.endpoint import Endpoint

__all__ = ["openapi_document", "openapi_path"]

_PLACEHOLDER = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}")
_REF = "#/components/schemas/{model}"
_ERROR_TITLES = {
    400: "Malformed request",
    401: "Not signed in, or the token is invalid or expired",
    402: "No card to pay with, or the card refused the payment",
    403: "Not allowed for this account",
    404: "Not found",
    409: "Conflict with the current state",
    412: "If-Match no longer matches",
    413: "Request body over 1 MiB",
    422: "Validation failed",
    429: "Throttled",
    500: "Internal error",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable, machine-readable error code"},
        "correlationId": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def openapi_path(route: str, prefix: str = "api") -> str:
    """``stations/{id:int?}`` -> ``/api/stations/{id}``."""
    return "/" + "/".join(p for p in (prefix, _PLACEHOLDER.sub(r"{\1}", route)) if p)


class _Schemas:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, annotation: Any, mode: str) -> dict[str, Any]:
        schema = TypeAdapter(annotation).json_schema(by_alias=True, ref_template=_REF, mode=mode)  # type: ignore[arg-type]
        self.defs.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            name = annotation.__name__.replace("[", "_").replace("]", "_")
            self.defs[name] = schema
            return {"$ref": _REF.format(model=name)}
        return schema


def _parameters(ep: Endpoint, schemas: _Schemas) -> list[dict[str, Any]]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in _PLACEHOLDER.findall(ep.route)
    ]
    if ep.query is not None:
        for name, field in ep.query.model_fields.items():
            params.append(
                {
                    "name": field.alias or name,
                    "in": "query",
                    "required": field.is_required(),
                    "schema": schemas.of(field.annotation, "validation"),
                    **({"description": field.description} if field.description else {}),
                }
            )
    return params


def _operation(ep: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK" if ep.status < 300 else "Created"}
    if ep.response is not None:
        ok["content"] = {ct: {"schema": schemas.of(ep.response, "serialization")} for ct in ep.content_types}
    codes = set(ep.errors) | {500}
    if ep.body is not None or ep.query is not None:
        codes |= {400, 413, 422}
    if ep.auth is not Auth.PUBLIC:
        codes |= {401}
    if ep.roles:
        codes |= {403}
    responses: dict[str, Any] = {str(ep.status if ep.response or ep.status != 200 else 204): ok}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _ERROR_TITLES.get(code, "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": _REF.format(model="Problem")}}},
        }
    op: dict[str, Any] = {
        "operationId": ep.function_name,
        "summary": ep.summary,
        "tags": [ep.tag],
        "parameters": _parameters(ep, schemas),
        "responses": responses,
    }
    if ep.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.of(ep.body, "validation")}},
        }
    if ep.auth is Auth.SIGNED_IN:
        op["security"] = [{"bearer": []}]
    elif ep.auth is Auth.OPTIONAL:
        op["security"] = [{}, {"bearer": []}]
    if ep.roles:
        op["x-roles"] = [str(r) for r in ep.roles]
    return op


def openapi_document(endpoints: Iterable[Endpoint], *, version: str, prefix: str = "api") -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for ep in sorted(endpoints, key=lambda e: (e.route, e.methods)):
        item = paths.setdefault(openapi_path(ep.route, prefix), {})
        for method in ep.methods:
            item[method.lower()] = _operation(ep, schemas)
    schemas.defs["Problem"] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Watt's Up API",
            "version": version,
            "description": "EV charging management: stations, charging, billing. Errors are RFC 9457 problem+json.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.defs.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
