"""Instance files: reading a user's JSON instance against its theorem, and writing one back."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from verifier._errors import InstanceError, UsageError
from verifier._fileio import atomic_write
from verifier._matrix import MAX_DIGITS, RatMatrix
from verifier._options import check_options
from verifier._records import PARAMETER_CEILING, Instance, MatrixValue, Theorem


def _shape_ok(value: MatrixValue, shape: Any, where: str) -> None:
    if isinstance(shape, list):
        if not isinstance(value, tuple) or len(value) != len(shape):
            got = len(value) if isinstance(value, tuple) else "a single matrix"
            raise InstanceError(f"{where}: expected a list of {len(shape)} matrices but got {got}")
        for k, (v, s) in enumerate(zip(value, shape, strict=True)):
            _shape_ok(v, tuple(s), f"{where}[{k}]")
        return
    if isinstance(value, tuple):
        raise InstanceError(f"{where}: expected one matrix but got a list of {len(value)}")
    if value.shape != tuple(shape):
        raise InstanceError(f"{where}: expected shape {shape[0]}x{shape[1]} but got {value.nrows}x{value.ncols}")


def _read_matrix_value(raw: Any, shape: Any, where: str) -> MatrixValue:
    if isinstance(shape, list):
        if not isinstance(raw, list) or not all(isinstance(m, list) for m in raw):
            raise InstanceError(f"{where}: expected a list of matrices")
        if raw and raw[0] and not isinstance(raw[0][0], list):
            raise InstanceError(f"{where}: expected a list of matrices (lists of rows) but got a single matrix")
        return tuple(RatMatrix.from_rows(m, f"{where}[{k}]") for k, m in enumerate(raw))
    return RatMatrix.from_rows(raw, where)


def _read_aux(raw: Any) -> dict[str, MatrixValue]:
    """Aux data: each entry one matrix or a non-empty list of matrices (their meaning is the spec's)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise InstanceError("'aux' must be an object mapping names to matrices")
    aux: dict[str, MatrixValue] = {}
    for name, value in raw.items():
        where = f"aux.{name}"
        if not name.isidentifier():
            raise InstanceError(f"aux names must be identifiers, got {name[:40]!r}")
        if not isinstance(value, list) or not value:
            raise InstanceError(f"{where}: expected a matrix (a list of rows) or a list of matrices")
        first = value[0]
        if isinstance(first, list) and first and isinstance(first[0], list):
            aux[name] = tuple(RatMatrix.from_rows(m, f"{where}[{k}]") for k, m in enumerate(value))
        else:
            aux[name] = RatMatrix.from_rows(value, where)
    return aux


def _check_parameter(theorem: Theorem, p: Any, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InstanceError(f"parameter {p.name} must be an integer but got {str(v)[:40]!r}")
    if not p.low <= v <= PARAMETER_CEILING:
        raise InstanceError(f"parameter {p.name} ({p.description or p.name}) of {theorem.id} must be in "
                            f"{p.low}..{PARAMETER_CEILING} but got {v}")
    return v


def check_parameters(theorem: Theorem, params: Mapping[str, Any]) -> dict[str, int]:
    """Validate a parameter dict against the theorem's declared parameters, constraints and memory.

    Raises:
        InstanceError: an unknown, missing or out-of-range parameter, unmet constraints, or sizes
            whose matrices would not fit in memory (with the estimate).
    """
    if not isinstance(params, Mapping):
        raise InstanceError('\'parameters\' must be an object such as {"D": 3, "L": 2, "R": 1}')
    names = {p.name for p in theorem.parameters}
    unknown = sorted(str(k)[:40] for k in set(params) - names)
    if unknown:
        raise InstanceError(f"unknown parameter(s) {unknown} for {theorem.id}; expected {sorted(names)}")
    out: dict[str, int] = {}
    for p in theorem.parameters:
        if p.name not in params:
            raise InstanceError(f"missing parameter {p.name!r} ({p.description}) for {theorem.id}")
        out[p.name] = _check_parameter(theorem, p, params[p.name])
    if theorem.constraints is not None:
        problem = theorem.constraints(out)
        if problem:
            raise InstanceError(f"parameters {out} do not fit {theorem.id}: {problem}")
    check_memory(theorem, out)
    return out


#: Rough bytes per matrix entry while a check runs (an exact rational or ball, with its copies in
#: every arithmetic): the resource estimate below multiplies entries by this.
BYTES_PER_ENTRY = 128


def memory_budget() -> int:
    """Bytes a check may plan to use: $VERIFIER_MEMORY_GIB, else half of this machine's memory."""
    env = os.environ.get("VERIFIER_MEMORY_GIB")
    if env:
        try:
            return int(float(env) * 2**30)
        except ValueError:
            raise UsageError(f"VERIFIER_MEMORY_GIB must be a number of GiB, got {env!r}") from None
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _matrix_shapes(shapes: Mapping[str, Any]) -> list[tuple[int, int]]:
    return [tuple(s) for shp in shapes.values() for s in (shp if isinstance(shp, list) else [shp])]


def estimate_bytes(theorem: Theorem, params: Mapping[str, int]) -> int:
    """A rough upper estimate of the memory a check of `params` needs, before anything is built.

    The instance's declared matrices are counted entry by entry; a parameter that sizes none of
    them (a token count, a rank) may still size what the spec builds, so each matrix is also
    counted as a square of the largest such size or declared dimension (attention scores are N x N).
    """
    shapes = _matrix_shapes(theorem.data_shapes(params))
    entries = sum(m * n for m, n in shapes)
    sides = [d for shp in shapes for d in shp]
    for name, value in params.items():
        try:
            moved = _matrix_shapes(theorem.data_shapes({**params, name: value + 1}))
        except Exception:  # a shapes function that refuses the moved value: the parameter sizes data
            continue
        if moved == shapes:
            sides.append(value)
    side = max(sides, default=1)
    return BYTES_PER_ENTRY * (entries + len(shapes) * side * side)


def check_memory(theorem: Theorem, params: Mapping[str, int]) -> None:
    """Refuse parameters whose matrices would not fit in memory (InstanceError with the estimate)."""
    need, have = estimate_bytes(theorem, params), memory_budget()
    if need > have:
        raise InstanceError(f"parameters {dict(params)} of {theorem.id} need about {need / 2**30:.3g} GiB to check, "
                            f"more than the {have / 2**30:.3g} GiB allowed (use smaller sizes, or set "
                            f"VERIFIER_MEMORY_GIB)")


TOP_LEVEL_KEYS = ("theorem", "parameters", "matrices", "aux", "options", "seed")


def instance_from_json(theorem: Theorem, data: Any, origin: str = "file") -> Instance:
    """Build an Instance of `theorem` from the JSON object of an instance file.

    Everything is checked before anything is computed: keys at every level, parameter types,
    ranges, constraints and the memory they imply, then matrix shapes and entries, aux data and
    options (against `Theorem.options_schema`).

    Raises:
        InstanceError: naming the first problem (missing or unknown key, wrong shape, bad entry...).
    """
    if not isinstance(data, Mapping):
        raise InstanceError("an instance file must hold a JSON object")
    unknown = sorted(str(k)[:40] for k in set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise InstanceError(f"unknown key(s) {unknown} in the instance; expected some of {list(TOP_LEVEL_KEYS)}")
    tid = data.get("theorem")
    if tid is not None and not isinstance(tid, str):
        raise InstanceError(f"'theorem' must be a theorem id (a string), got {str(tid)[:40]!r}")
    if tid not in (None, theorem.id):
        raise InstanceError(f"instance is for theorem {tid[:40]!r} but {theorem.id} was asked for")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise InstanceError(f"'seed' must be an integer in 0..2^63-1 (or absent), got {str(seed)[:40]!r}")
    if "parameters" not in data:
        raise InstanceError(f"missing 'parameters' (an object such as {{\"D\": 3}}) for {theorem.id}")
    params = check_parameters(theorem, data["parameters"])
    shapes = theorem.data_shapes(params)
    raw = data.get("matrices")
    if not isinstance(raw, Mapping):
        raise InstanceError("'matrices' must be an object mapping names to matrices")
    missing = [k for k in shapes if k not in raw]
    extra = sorted(str(k)[:40] for k in set(raw) - set(shapes))
    if missing:
        raise InstanceError(f"missing matrix {missing[0]!r} for {theorem.id}; expected {sorted(shapes)}")
    if extra:
        raise InstanceError(f"unknown matrix {extra[0]!r} for {theorem.id}; expected {sorted(shapes)}")
    # options first: they are small, and a bad one should not wait for a large matrix to be read
    options = check_options(theorem.id, theorem.options_schema, data.get("options"), params)
    mats: dict[str, MatrixValue] = {}
    for name, shape in shapes.items():
        mats[name] = _read_matrix_value(raw[name], shape, f"matrices.{name}")
        _shape_ok(mats[name], shape, f"matrices.{name}")
    aux = _read_aux(data.get("aux"))
    inst = Instance(theorem.id, params, mats, aux, options, origin, seed)
    if theorem.check_instance is not None:
        problem = theorem.check_instance(inst)
        if problem:
            raise InstanceError(problem)
    return inst


#: Instance files larger than this are refused before they are read.
MAX_FILE_BYTES = 64 * 2**20
#: Deeper JSON than this is refused (an instance is at most object > list > matrix > row > entry).
MAX_DEPTH = 12


def _refuse_constant(name: str) -> Any:
    raise InstanceError(f"{name} is not a number an instance may hold (entries must be finite)")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise InstanceError(f"a JSON integer with {len(text.lstrip('-'))} digits (at most {MAX_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    v = float(text)
    if v in (float("inf"), float("-inf")):
        raise InstanceError(f"the JSON number {text[:40]} overflows a double (write it as an exact string "
                            f"such as \"1/3\", within 2^1000)")
    return v


def _depth(data: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        x, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(x, list):
            stack.extend((y, d + 1) for y in x if isinstance(y, (list, dict)))
        elif isinstance(x, dict):
            stack.extend((y, d + 1) for y in x.values() if isinstance(y, (list, dict)))
    return deepest


def read_json(p: Path, what: str = "instance file") -> Any:
    """Parse a JSON file within the instance ceilings (size, depth, digits, finite numbers).

    Raises:
        InstanceError: a missing, unreadable, too large, not UTF-8, malformed or too deeply nested file.
    """
    try:
        if not p.is_file():
            raise InstanceError(f"{what} not found: {p}")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InstanceError(f"{what} {p} has {size / 2**20:.1f} MiB, more than the {MAX_FILE_BYTES >> 20} MiB "
                                f"an instance may have")
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InstanceError(f"{what} {p} is not UTF-8 text") from None
    except OSError as e:
        raise InstanceError(f"cannot read {what} {p}: {e.strerror or e}") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int, parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise InstanceError(f"{what} {p} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        raise InstanceError(f"{what} {p} is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except InstanceError as e:
        raise InstanceError(f"{what} {p}: {e}") from None
    if _depth(data) > MAX_DEPTH:
        raise InstanceError(f"{what} {p} is nested too deeply (at most {MAX_DEPTH} levels)")
    return data


def load_instance(theorem: Theorem, path: str | Path) -> Instance:
    """Read and validate an instance file. Raises InstanceError with a one-line reason."""
    p = Path(path)
    data = read_json(p)
    try:
        return instance_from_json(theorem, data, origin=str(p))
    except InstanceError as e:
        raise InstanceError(f"{p}: {e}") from None


def instance_to_json(inst: Instance) -> dict[str, Any]:
    def enc(v: MatrixValue) -> Any:
        return [m.to_json() for m in v] if isinstance(v, tuple) else v.to_json()

    out: dict[str, Any] = {
        "theorem": inst.theorem,
        "parameters": dict(inst.parameters),
        "matrices": {k: enc(v) for k, v in inst.matrices.items()},
    }
    if inst.aux:
        out["aux"] = {k: enc(v) for k, v in inst.aux.items()}
    if inst.options:
        out["options"] = dict(inst.options)
    if inst.seed is not None:
        out["seed"] = inst.seed
    return out


def save_instance(inst: Instance, path: str | Path) -> Path:
    """Write an instance file atomically."""
    return atomic_write(path, json.dumps(instance_to_json(inst), indent=1))
