"""The inline route constraints of ASP.NET Core routing, as the Functions host knows them.

``{id:int}``, ``{flag:bool}``, ``{name:alpha}``, ``{key:guid}``, ``{n:long}``,
``{x:double|float|decimal}``, ``{at:datetime}``, ``minlength(n)``,
``maxlength(n)``, ``length(n)``/``length(a,b)``, ``min(n)``, ``max(n)``,
``range(a,b)``, ``regex(expr)``. An unknown constraint is an error at start,
as it is in Azure, rather than a route that never matches.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

__all__ = ["constraint"]

Check = Callable[[str], bool]


def _parses(kind: Callable[[str], object]) -> Check:
    def check(value: str) -> bool:
        try:
            kind(value)
        except (ValueError, ArithmeticError, InvalidOperation):
            return False
        return True

    return check


def _int_in(lo: int, hi: int) -> Check:
    return lambda v: bool(re.fullmatch(r"[+-]?\d+", v)) and lo <= int(v) <= hi


def _number(v: str) -> Decimal:
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", v):
        raise ValueError(v)
    return Decimal(v)


SIMPLE: dict[str, Check] = {
    "int": _int_in(-(2**31), 2**31 - 1),
    "long": _int_in(-(2**63), 2**63 - 1),
    "bool": lambda v: v.lower() in ("true", "false"),
    "alpha": lambda v: bool(re.fullmatch(r"[A-Za-z]+", v)),
    "guid": _parses(uuid.UUID),
    "double": _parses(_number),
    "float": _parses(_number),
    "decimal": _parses(_number),
    "datetime": _parses(datetime.fromisoformat),
}


def _args(raw: str, count: int, name: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != count or not all(re.fullmatch(r"-?\d+", p) for p in parts):
        raise ValueError(f"route constraint {name}({raw}) needs {count} integer argument(s)")
    return [int(p) for p in parts]


def constraint(spec: str) -> Check:
    """A check for one constraint, e.g. ``int`` or ``range(1,10)``."""
    found = re.fullmatch(r"(\w+)(?:\((.*)\))?", spec, re.DOTALL)
    if found is None:
        raise ValueError(f"bad route constraint {spec!r}")
    name, raw = found.group(1).lower(), found.group(2)
    if raw is None:
        if name in SIMPLE:
            return SIMPLE[name]
        raise ValueError(f"unknown route constraint {spec!r}")
    if name == "regex":
        # ASP.NET templates double the braces of a regex quantifier: regex(^\\d{{3}}$)
        pattern = re.compile(raw.replace("{{", "{").replace("}}", "}"), re.IGNORECASE)
        return lambda v: pattern.search(v) is not None
    if name in ("minlength", "maxlength"):
        (n,) = _args(raw, 1, name)
        return (lambda v: len(v) >= n) if name == "minlength" else (lambda v: len(v) <= n)
    if name == "length":
        bounds = _args(raw, 2 if "," in raw else 1, name)
        lo, hi = bounds[0], bounds[-1]
        return lambda v: lo <= len(v) <= hi
    if name in ("min", "max", "range"):
        bounds = _args(raw, 2 if name == "range" else 1, name)
        lo = bounds[0] if name != "max" else -(2**63)
        hi = bounds[-1] if name != "min" else 2**63 - 1
        return _int_in(lo, hi)
    raise ValueError(f"unknown route constraint {spec!r}")
