"""The OpenAPI 3.1 document, generated from the registered endpoints and their pydantic models.

Beyond the models: query parameters keep their constraints (``limit`` <= 100, ``radiusKm`` <= 100, patterns,
defaults), taken from the query model's own schema; and the conditional requests the handlers honour are
described, which ``Endpoint`` does not record: ``If-Match`` (412 when stale) on the operations in
``IF_MATCH_OPERATIONS``, ``If-None-Match`` and its 304 on those in ``IF_NONE_MATCH_OPERATIONS``.
tests/unit/test_openapi_document.py checks both tables against the handlers' code.

Component schemas are named after their classes (pydantic's ``$defs`` names), and a name is kept once: two
different models with one name (two ``Money`` classes in different modules) would describe one of them with
the other's schema. Building the document refuses that with ``SchemaNameClash``, naming both classes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from shared.http.auth import Auth
from shared.http.endpoint import Endpoint

__all__ = [
    "IF_MATCH_OPERATIONS",
    "IF_NONE_MATCH_OPERATIONS",
    "SchemaNameClash",
    "openapi_document",
    "openapi_path",
]

_PLACEHOLDER = re.compile(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}")
_REF = "#/components/schemas/{model}"
_IN_MARK = "~in"  # request-side references while the document is built; finish() resolves them
_IN_REF = _REF + _IN_MARK
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


# Component schemas the document writes itself, whose names no class may take.
_WRITTEN_BY_HAND = {"Problem": "the problem+json schema (PROBLEM_SCHEMA)"}


class SchemaNameClash(ValueError):
    """Two different classes would have one component schema name in the document."""


def _schema_name(cls: type) -> str:
    """The name pydantic gives the class's ``$defs`` entry: ``Paged[Station]`` -> ``Paged_Station_``."""
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", cls.__name__).replace(".", "__")


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _recording(own: Callable[[Any], None]) -> type[GenerateJsonSchema]:
    """pydantic's generator, telling ``own`` every class it makes a named schema of."""

    class Recording(GenerateJsonSchema):
        def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
            own(schema["cls"])
            return super().model_schema(schema)

        def dataclass_schema(self, schema: core_schema.DataclassSchema) -> JsonSchemaValue:
            own(schema["cls"])
            return super().dataclass_schema(schema)

        def typed_dict_schema(self, schema: core_schema.TypedDictSchema) -> JsonSchemaValue:
            own(schema.get("cls"))
            return super().typed_dict_schema(schema)

        def enum_schema(self, schema: core_schema.EnumSchema) -> JsonSchemaValue:
            own(schema["cls"])
            return super().enum_schema(schema)

    return Recording


class _Schemas:
    """Component schemas, each model in the mode it is used in: requests are described as pydantic validates
    them (fields with defaults optional), answers as it serializes them (every field present). A model used both
    ways whose two descriptions differ gets a second schema for requests, ``<Name>Input``; one described the same
    both ways, or used only one way, keeps its name."""

    def __init__(self) -> None:
        self.out_defs: dict[str, Any] = {}
        self.in_defs: dict[str, Any] = {}
        self.owners: dict[str, type] = {}
        self.generator = _recording(self._own)

    def _own(self, cls: Any) -> None:
        if not isinstance(cls, type):
            return
        name = _schema_name(cls)
        known = self.owners.setdefault(name, cls)
        if known is not cls or name in _WRITTEN_BY_HAND:
            first = _WRITTEN_BY_HAND.get(name) or _qualified(known)
            raise SchemaNameClash(
                f"Two schemas would be named {name!r} in the OpenAPI document: {first} and {_qualified(cls)}."
                " Rename one of the classes."
            )

    def of(self, annotation: Any, mode: str) -> dict[str, Any]:
        incoming = mode == "validation"
        ref = _IN_REF if incoming else _REF
        schema = TypeAdapter(annotation).json_schema(
            by_alias=True,
            ref_template=ref,
            mode=mode,  # type: ignore[arg-type]
            schema_generator=self.generator,
        )
        defs = self.in_defs if incoming else self.out_defs
        defs.update(schema.pop("$defs", {}))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            name = _schema_name(annotation)
            defs[name] = schema
            return {"$ref": ref.format(model=name)}
        return schema

    def query(self, query: type[BaseModel]) -> dict[str, Any]:
        schema = query.model_json_schema(
            by_alias=True, ref_template=_IN_REF, mode="validation", schema_generator=self.generator
        )
        self.in_defs.update(schema.pop("$defs", {}))
        return schema

    def finish(self, document: dict[str, Any]) -> dict[str, Any]:
        """The component schemas, and every request-side reference in ``document`` pointed at its final name."""
        both = self.in_defs.keys() & self.out_defs.keys()
        same = set(both)
        while True:  # a model is the same both ways only if what it refers to is too: shrink to the fixed point
            names = self._names(same)
            still = {n for n in same if _rewritten(self.in_defs[n], names) == self.out_defs[n]}
            if still == same:
                break
            same = still
        names = self._names(same)
        defs = dict(self.out_defs)
        for name, schema in self.in_defs.items():
            final = names[name]
            if final in defs and final not in both:
                raise SchemaNameClash(f"The request schema of {name!r} would take the name {final!r} of another.")
            if name not in same:
                defs[final] = _rewritten(schema, names)
        document["paths"] = _rewritten(document["paths"], names)
        return defs

    def _names(self, same: set[str]) -> dict[str, str]:
        return {n: n if n in same or n not in self.out_defs else f"{n}Input" for n in self.in_defs}


def _rewritten(node: Any, names: dict[str, str]) -> Any:
    """``node`` with each request-side ``$ref`` pointing at the final schema name."""
    if isinstance(node, dict):
        out = {k: _rewritten(v, names) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.endswith(_IN_MARK):
            out["$ref"] = _REF.format(model=names[ref[len(_REF.format(model="")) : -len(_IN_MARK)]])
        return out
    if isinstance(node, list):
        return [_rewritten(v, names) for v in node]
    return node


# Operations (function names) whose handlers pass ``call.if_match`` on: a write only if the ETag still matches.
IF_MATCH_OPERATIONS = frozenset(
    {
        "add_tariff_version",
        "delete_review",
        "update_charger",
        "update_me",
        "update_promo_code",
        "update_provider",
        "update_review",
        "update_station",
    }
)
# Operations that answer 304 without a body when If-None-Match holds the representation's current ETag.
IF_NONE_MATCH_OPERATIONS = frozenset({"get_session"})

_IF_MATCH: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag you read (the ETag header of the last answer): the change is made only if nobody"
    " changed it since, else 412 stale_version. Without it the change is unconditional.",
}
_IF_NONE_MATCH: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETags you hold (comma-separated, or *): 304 without a body while the answer would be the same.",
}
_ETAG_HEADER: dict[str, Any] = {"ETag": {"description": "The representation's version", "schema": {"type": "string"}}}


def _query_schemas(query: type[BaseModel], schemas: _Schemas) -> dict[str, Any]:
    """Each query parameter's schema as the model validates it: constraints, patterns and defaults kept."""
    schema = schemas.query(query)
    properties: dict[str, Any] = schema.get("properties", {})
    return properties


def _parameters(ep: Endpoint, schemas: _Schemas) -> list[dict[str, Any]]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in _PLACEHOLDER.findall(ep.route)
    ]
    if ep.query is not None:
        described = _query_schemas(ep.query, schemas)
        for name, field in ep.query.model_fields.items():
            alias = field.alias or name
            schema = dict(described.get(alias) or schemas.of(field.annotation, "validation"))
            schema.pop("title", None)  # the parameter's name says it
            schema.pop("description", None)  # said once, on the parameter
            params.append(
                {
                    "name": alias,
                    "in": "query",
                    "required": field.is_required(),
                    "schema": schema,
                    **({"description": field.description} if field.description else {}),
                }
            )
    if ep.function_name in IF_MATCH_OPERATIONS:
        params.append(dict(_IF_MATCH))
    if ep.function_name in IF_NONE_MATCH_OPERATIONS:
        params.append(dict(_IF_NONE_MATCH))
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
    if ep.function_name in IF_NONE_MATCH_OPERATIONS:
        ok["headers"] = _ETAG_HEADER
        responses["304"] = {
            "description": "Not modified: If-None-Match holds the current ETag",
            "headers": _ETAG_HEADER,
        }
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
    document: dict[str, Any] = {"paths": paths}
    defs = schemas.finish(document)
    defs["Problem"] = PROBLEM_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Watt's Up API",
            "version": version,
            "description": "EV charging management: stations, charging, billing. Errors are RFC 9457 problem+json.",
        },
        "servers": [{"url": "/"}],
        "paths": document["paths"],
        "components": {
            "schemas": dict(sorted(defs.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
