"""Azure Functions route templates (ASP.NET Core syntax) compiled to matchers.

Supported: literals (case-insensitive), ``{id}``, ``{id:int}`` and the other
inline constraints, several constraints ``{id:int:min(1)}``, optional
``{id?}``, defaults ``{id=5}``, catch-all ``{*path}``/``{**path}`` and
complex segments such as ``{name}.{ext}``. Constraints are checked after the
regex matches, as ASP.NET does, so a failed constraint is simply "no match".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from local_host.route_constraints import constraint

__all__ = ["CompiledRoute", "RouteParam", "compile_route"]


@dataclass(frozen=True, slots=True)
class RouteParam:
    name: str
    checks: tuple[Callable[[str], bool], ...]
    optional: bool
    default: str | None
    catch_all: bool


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    template: str
    regex: re.Pattern[str]
    params: tuple[RouteParam, ...]
    # lower sorts first: literal segments beat parameters beat catch-alls
    precedence: tuple[int, ...]

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for ``path`` (relative to the route prefix), or None."""
        found = self.regex.fullmatch("/" + path.strip("/"))
        if found is None:
            return None
        values: dict[str, str] = {}
        for param in self.params:
            value = found.group(param.name)
            if value is None or value == "":
                if param.default is not None:
                    values[param.name] = param.default
                continue
            if not all(check(value) for check in param.checks):
                return None
            values[param.name] = value
        return values


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses, e.g. ``int:regex(a:b)``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _tokens(segment: str, template: str) -> list[tuple[bool, str]]:
    """(is_param, text) pieces of one segment; braces inside ``(...)`` belong to a regex."""
    out: list[tuple[bool, str]] = []
    i = 0
    while i < len(segment):
        if segment[i] != "{":
            j = segment.find("{", i)
            j = len(segment) if j < 0 else j
            if "}" in segment[i:j]:
                raise ValueError(f"unbalanced '}}' in route {template!r}")
            out.append((False, segment[i:j]))
            i = j
            continue
        depth, j = 0, i + 1
        while j < len(segment) and (segment[j] != "}" or depth):
            depth += (segment[j] == "(") - (segment[j] == ")")
            j += 1
        if j >= len(segment):
            raise ValueError(f"unclosed '{{' in route {template!r}")
        out.append((True, segment[i + 1 : j]))
        i = j + 1
    return out


def _param(spec: str, template: str) -> RouteParam:
    catch_all = spec.startswith("*")
    spec = spec.lstrip("*")
    optional = spec.endswith("?")
    spec = spec.removesuffix("?")
    default: str | None = None
    head, *rest = _split_top(spec, "=")
    if rest:
        default = "=".join(rest)
    name, *constraints = _split_top(head, ":")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"bad parameter name {name!r} in route {template!r}")
    checks = tuple(constraint(c) for c in constraints if c)
    return RouteParam(name, checks, optional or catch_all or default is not None, default, catch_all)


def compile_route(template: str) -> CompiledRoute:
    segments = list(template.strip("/").split("/"))
    pattern, params, precedence = "", [], []
    for index, segment in enumerate(segments):
        if segment == "":
            if len(segments) == 1:  # the empty route: only the prefix itself
                break
            raise ValueError(f"empty segment in route {template!r}")
        pieces = _tokens(segment, template)
        if len(pieces) == 1 and pieces[0][0]:
            param = _param(pieces[0][1], template)
            params.append(param)
            if param.catch_all and index != len(segments) - 1:
                raise ValueError(f"catch-all must be the last segment of route {template!r}")
            body = ".*" if param.catch_all else "[^/]+"
            group = f"(?P<{param.name}>{body})"
            # an optional segment takes its slash with it: "users/{id?}" matches "users"
            pattern += f"(?:/{group})?" if param.optional else f"/{group}"
            precedence.append(4 if param.catch_all else 3 if param.optional else 1 if param.checks else 2)
            continue
        part = ""
        for is_param, text in pieces:
            if not is_param:
                part += re.escape(text)
                continue
            param = _param(text, template)
            if param.catch_all:
                raise ValueError(f"catch-all must be a whole segment in route {template!r}")
            params.append(param)
            part += f"(?P<{param.name}>[^/]+?)" + ("?" if param.optional else "")
        pattern += "/" + part
        precedence.append(0 if all(not p for p, _ in pieces) else 1)
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate parameter in route {template!r}")
    regex = re.compile((pattern or "") + "/?", re.IGNORECASE)
    return CompiledRoute(template, regex, tuple(params), tuple(precedence))
