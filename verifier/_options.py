"""Instance options checked against the theorem's declared `options_schema` before any work.

An entry of `options_schema` is either a one-line description whose first word, before a comma,
is the type (`"bool, default false: residual connections"`), or a dict:

    {"type": "number | exact string | list of D", "default": -1, "description": "...",
     "enum": [...], "minimum": 1, "maximum": 100_000, "exclusiveMinimum": 0,
     "validate": (options, params) -> problem or None}

`type` is a `|`-separated list of alternatives, each one of:
  - `boolean` (or `bool`), `string`, `integer` (`int`), `number`, `exact string` (an exact
    number written as a string, e.g. "-3/7");
  - `number in (a, b)` / `number in [a, b]` (an interval; either bracket);
  - `list of N ...` with N a parameter name or an integer: exactly N items, each an integer
    (`... positive integers`, `... non-negative integers`, `... integers`, with optional
    `<= P` and `summing to P`) or else a number or exact string.
A type phrase outside this grammar accepts a scalar or a flat list (still bounded in size).
`validate` runs the spec's own reading of the options (e.g. "the box needs lo < hi") when the
option is given; its problem, or the `InstanceError` it raises, refuses the instance.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from verifier._errors import InstanceError
from verifier._matrix import parse_entry

#: Items in one list-valued option (a list of D coordinates, Lbar block sizes...).
MAX_LIST = 4096
_INTERVAL = re.compile(r"number in ([(\[])\s*([^,\s]+)\s*,\s*([^)\]\s]+)\s*([)\]])")
_LIST = re.compile(r"list of (\w+)\s*(.*)")


def _describe(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v: Any, where: str) -> Fraction:
    if not _is_number(v):
        raise InstanceError(f"{where}: expected a number but got {_describe(v)}")
    return parse_entry(v, where)


def _size(word: str, params: Mapping[str, int], where: str) -> int | None:
    if word.isdigit():
        return int(word)
    return params.get(word)


def _check_list(v: Any, count: str, rest: str, params: Mapping[str, int], where: str) -> None:
    if not isinstance(v, list):
        raise InstanceError(f"{where}: expected a list but got {_describe(v)}")
    n = _size(count, params, where)
    if len(v) > MAX_LIST or (n is not None and len(v) != n):
        want = f"{count}={n}" if n is not None else f"at most {MAX_LIST}"
        raise InstanceError(f"{where}: expected a list of {want} items but got {len(v)}")
    words = rest.split()
    if "integers" in words or "integer" in words:
        low = 1 if "positive" in words else 0 if "non-negative" in words else None
        for k, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int):
                raise InstanceError(f"{where}[{k}]: expected an integer but got {_describe(x)}")
            if low is not None and x < low:
                raise InstanceError(f"{where}[{k}]: expected an integer >= {low} but got {x}")
        m = re.search(r"<=\s*(\w+)", rest)
        top = _size(m.group(1), params, where) if m else None
        if top is not None and any(x > top for x in v):
            raise InstanceError(f"{where}: items must be <= {m.group(1) if m else ''}={top}, got {v}")
        m = re.search(r"summing to (\w+)", rest)
        total = _size(m.group(1), params, where) if m else None
        if total is not None and sum(v) != total:
            raise InstanceError(f"{where}: items must sum to {m.group(1) if m else ''}={total}, got {v} "
                                f"(sum {sum(v)})")
        return
    for k, x in enumerate(v):
        if isinstance(x, (list, dict)):
            raise InstanceError(f"{where}[{k}]: expected a number or an exact string but got {_describe(x)}")
        parse_entry(x, f"{where}[{k}]")


def _matches(alt: str, v: Any, params: Mapping[str, int], where: str) -> None:
    """Raise InstanceError unless `v` is of the type phrase `alt`."""
    text = alt.strip()  # parameter names keep their case ("list of Lbar ...")
    alt = text.lower()
    if alt in ("boolean", "bool"):
        if not isinstance(v, bool):
            raise InstanceError(f"{where}: expected true or false but got {_describe(v)}")
    elif alt in ("integer", "int"):
        if isinstance(v, bool) or not isinstance(v, int):
            raise InstanceError(f"{where}: expected an integer but got {_describe(v)}")
        parse_entry(v, where)
    elif alt == "number":
        _number(v, where)
    elif alt == "string":
        if not isinstance(v, str):
            raise InstanceError(f"{where}: expected a string but got {_describe(v)}")
    elif alt == "exact string":
        if not isinstance(v, str):
            raise InstanceError(f"{where}: expected an exact number as a string but got {_describe(v)}")
        parse_entry(v, where)
    elif m := _INTERVAL.fullmatch(alt):
        x = _number(v, where)
        lo, hi = Fraction(m.group(2)), Fraction(m.group(3))
        ok = (x > lo if m.group(1) == "(" else x >= lo) and (x < hi if m.group(4) == ")" else x <= hi)
        if not ok:
            raise InstanceError(f"{where}: expected a number in {m.group(1)}{m.group(2)}, {m.group(3)}{m.group(4)} "
                                f"but got {_describe(v)}")
    elif m := _LIST.fullmatch(text):
        _check_list(v, m.group(1), m.group(2), params, where)
    elif isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v)):
        raise InstanceError(f"{where}: expected a value or a flat list but got {_describe(v)}")


def _type_of(spec: Any) -> str:
    if isinstance(spec, Mapping):
        return str(spec.get("type", ""))
    if isinstance(spec, str):
        head = spec.split(",", 1)[0].split(":", 1)[0].strip()
        return head if head.lower() in ("bool", "boolean", "int", "integer", "number", "string") else ""
    return ""


def check_option(name: str, spec: Any, v: Any, params: Mapping[str, int]) -> None:
    """Raise InstanceError (one line, naming the option and the value) unless `v` fits `spec`."""
    where = f"options.{name}"
    if v is None:
        return  # null means "the default", as the specs read it
    typ = _type_of(spec)
    if typ:
        problems = []
        for alt in typ.split("|"):
            try:
                _matches(alt, v, params, where)
                break
            except InstanceError as e:
                problems.append(str(e))
        else:
            if len(problems) == 1:
                raise InstanceError(problems[0])
            raise InstanceError(f"{where}: expected {typ} but got {_describe(v)}")
    elif isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v)):
        raise InstanceError(f"{where}: expected a value or a flat list but got {_describe(v)}")
    if not isinstance(spec, Mapping):
        return
    if "enum" in spec and v not in spec["enum"]:
        raise InstanceError(f"{where}: expected one of {list(spec['enum'])} but got {_describe(v)}")
    bounds: tuple[tuple[str, Callable[[Fraction, Fraction], bool], str], ...] = (
        ("minimum", lambda x, b: x >= b, ">="), ("maximum", lambda x, b: x <= b, "<="),
        ("exclusiveMinimum", lambda x, b: x > b, ">"), ("exclusiveMaximum", lambda x, b: x < b, "<"))
    for key, ok, rel in bounds:
        if key in spec and not isinstance(v, (bool, list)):
            x = parse_entry(v, where)
            if not ok(x, Fraction(spec[key])):
                raise InstanceError(f"{where}: must be {rel} {spec[key]} but got {_describe(v)}")


def check_options(theorem_id: str, schema: Mapping[str, Any], options: Any,
                  params: Mapping[str, int]) -> dict[str, Any]:
    """The instance's options, each checked against `schema`, then the schema's `validate` hooks run.

    Raises:
        InstanceError: an unknown option, a value of the wrong type or out of its range, or a
            problem the spec's `validate` reports (one line naming the option).
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise InstanceError(f"'options' must be an object mapping option names to values, got {_describe(options)}")
    unknown = sorted(set(options) - set(schema))
    if unknown:
        raise InstanceError(f"unknown option(s) {unknown} for {theorem_id}; expected {sorted(schema)}")
    for name, v in options.items():
        check_option(name, schema[name], v, params)
    seen: set[int] = set()
    for name in options:
        hook = schema[name].get("validate") if isinstance(schema[name], Mapping) else None
        if hook is None or id(hook) in seen:
            continue
        seen.add(id(hook))
        try:
            problem = hook(options, params)
        except InstanceError as e:
            problem = str(e)
        if problem:
            raise InstanceError(problem if problem.startswith("options.") else f"options: {problem}")
    return dict(options)


__all__ = ["MAX_LIST", "check_option", "check_options"]
