"""Every HTTP function goes through ``Api.route``: parse, authorise, call, respond.

It registers the function on the capability's blueprint (anonymous at the
Functions level: auth is the JWT, checked here), records an ``Endpoint`` for the
OpenAPI document, and wraps the handler so that bodies are validated with
pydantic, errors become problem+json and nothing internal leaks.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared import bootstrap, telemetry
from shared.domain.errors import MalformedRequest, PayloadTooLarge
from shared.domain.principal import Principal, Role, guard
from shared.http.auth import Auth, authenticate
from shared.http.problem import problem_response, response_for_error, validation_problem
from shared.http.reply import render

__all__ = ["ENDPOINTS", "MAX_BODY_BYTES", "Api", "Call", "Endpoint"]

MAX_BODY_BYTES = 1024 * 1024
log = logging.getLogger("wattsup.http")


@dataclass(frozen=True)
class Endpoint:
    function_name: str
    route: str
    methods: tuple[str, ...]
    tag: str
    summary: str
    auth: Auth
    roles: tuple[Role, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    errors: tuple[int, ...] = ()
    content_types: tuple[str, ...] = ("application/json",)


ENDPOINTS: list[Endpoint] = []


@dataclass
class Call:
    """What a handler gets: the parsed request and the worker's dependencies."""

    req: func.HttpRequest
    deps: bootstrap.Deps
    principal: Principal | None
    correlation_id: str
    body: Any = None
    query: Any = None
    route: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> Principal:
        return guard.signed_in(self.principal)

    @property
    def if_match(self) -> str | None:
        value: str | None = self.req.headers.get("if-match")
        return value

    @property
    def client_address(self) -> str:
        # The platform's front end appends the peer it saw; earlier entries are the caller's to forge.
        forwarded = self.req.headers.get("x-forwarded-for", "")
        return forwarded.split(",")[-1].strip() or "unknown"


Handler = Callable[[Call], Awaitable[Any]]


class Api:
    """The HTTP functions of one capability's blueprint."""

    def __init__(self, bp: func.Blueprint, tag: str) -> None:
        self.bp = bp
        self.tag = tag

    def route(
        self,
        route: str,
        *,
        methods: Sequence[str] = ("GET",),
        summary: str = "",
        auth: Auth = Auth.SIGNED_IN,
        roles: Sequence[Role] = (),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        errors: Sequence[int] = (),
        content_types: Sequence[str] = ("application/json",),
    ) -> Callable[[Handler], Any]:
        def register(handler: Handler) -> Any:
            spec = Endpoint(
                function_name=handler.__name__,
                route=route,
                methods=tuple(m.upper() for m in methods),
                tag=self.tag,
                summary=summary or (handler.__doc__ or "").strip().split("\n")[0],
                auth=Auth.SIGNED_IN if roles and auth is Auth.PUBLIC else auth,
                roles=tuple(roles),
                body=body,
                query=query,
                response=response,
                status=status,
                errors=tuple(errors),
                content_types=tuple(content_types),
            )

            # The worker matches parameters to bindings by name, so the entry point's
            # signature must be exactly (req); it must not carry __wrapped__.
            async def entry(req: func.HttpRequest) -> func.HttpResponse:
                return await _dispatch(spec, handler, req)

            entry.__name__ = entry.__qualname__ = handler.__name__
            entry.__doc__ = handler.__doc__
            ENDPOINTS.append(spec)
            return self.bp.route(route=route, methods=list(spec.methods), auth_level=func.AuthLevel.ANONYMOUS)(entry)

        return register


def _parse_body(spec: Endpoint, req: func.HttpRequest) -> Any:
    if spec.body is None:
        return None
    raw = req.get_body() or b""
    try:
        data = json.loads(raw) if raw.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRequest("The request body is not valid JSON.", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise MalformedRequest("The request body must be a JSON object.", code="malformed_json")
    return spec.body.model_validate(data)


async def _dispatch(spec: Endpoint, handler: Handler, req: func.HttpRequest) -> func.HttpResponse:
    correlation_id = req.headers.get("x-correlation-id") or uuid.uuid4().hex
    # the span's correlation id is the one the caller gets back (x-correlation-id) and the local host logs
    with telemetry.span(spec.function_name, correlation_id, **{"http.route": spec.route}) as current:
        response = await _respond(spec, handler, req, correlation_id)
        current.set_attribute("http.response.status_code", response.status_code)
        return response


async def _respond(spec: Endpoint, handler: Handler, req: func.HttpRequest, correlation_id: str) -> func.HttpResponse:
    source = "body"
    try:
        if len(req.get_body() or b"") > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"The request body is over {MAX_BODY_BYTES} bytes.")
        deps = await bootstrap.ready()
        principal = authenticate(req, deps.tokens, spec.auth)
        if spec.roles:
            guard.role(principal, *spec.roles)
        query = spec.query.model_validate(dict(req.params)) if spec.query else None
        body = _parse_body(spec, req)
        call = Call(req, deps, principal, correlation_id, body, query, dict(req.route_params))
        source = "response"
        return render(await handler(call), spec.status, correlation_id)
    except ValidationError as exc:
        if source == "response":
            log.exception("response failed validation [%s]", correlation_id)
            return _internal(correlation_id)
        return validation_problem(exc, correlation_id, source="query or body")
    except Exception as exc:  # noqa: BLE001 - the edge: everything becomes a response
        known = response_for_error(exc, correlation_id)
        if known is not None:
            return known
        log.exception("unhandled error in %s [%s]", spec.function_name, correlation_id)
        return _internal(correlation_id)


def _internal(correlation_id: str) -> func.HttpResponse:
    return problem_response(
        500,
        "internal_error",
        "Internal error",
        "Something went wrong on our side. Quote the correlation id if you contact support.",
        correlation_id,
    )
