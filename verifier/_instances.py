"""Instance files: reading a user's JSON instance against its theorem, and writing one back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from verifier._errors import InstanceError
from verifier._fileio import atomic_write
from verifier._matrix import RatMatrix
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


def check_parameters(theorem: Theorem, params: Mapping[str, Any]) -> dict[str, int]:
    """Validate a parameter dict against the theorem's declared parameters and constraints."""
    if not isinstance(params, Mapping):
        raise InstanceError('\'parameters\' must be an object such as {"D": 3, "L": 2, "R": 1}')
    names = {p.name for p in theorem.parameters}
    unknown = sorted(set(params) - names)
    if unknown:
        raise InstanceError(f"unknown parameter(s) {unknown} for {theorem.id}; expected {sorted(names)}")
    out: dict[str, int] = {}
    for p in theorem.parameters:
        if p.name not in params:
            raise InstanceError(f"missing parameter {p.name!r} ({p.description}) for {theorem.id}")
        v = params[p.name]
        if isinstance(v, bool) or not isinstance(v, int):
            raise InstanceError(f"parameter {p.name} must be an integer but got {v!r}")
        if not p.low <= v <= PARAMETER_CEILING:
            raise InstanceError(f"parameter {p.name} ({p.description or p.name}) of {theorem.id} must be in "
                                f"{p.low}..{PARAMETER_CEILING} but got {v}")
        out[p.name] = v
    if theorem.constraints is not None:
        problem = theorem.constraints(out)
        if problem:
            raise InstanceError(f"parameters {out} do not fit {theorem.id}: {problem}")
    return out


def instance_from_json(theorem: Theorem, data: Any, origin: str = "file") -> Instance:
    """Build an Instance of `theorem` from the JSON object of an instance file.

    Raises:
        InstanceError: naming the first problem (missing key, wrong shape, bad entry...).
    """
    if not isinstance(data, Mapping):
        raise InstanceError("an instance file must hold a JSON object")
    if data.get("theorem") not in (None, theorem.id):
        raise InstanceError(f"instance is for theorem {data.get('theorem')!r} but {theorem.id} was asked for")
    params = check_parameters(theorem, data.get("parameters"))  # type: ignore[arg-type]  # validated there
    shapes = theorem.data_shapes(params)
    raw = data.get("matrices")
    if not isinstance(raw, Mapping):
        raise InstanceError("'matrices' must be an object mapping names to matrices")
    missing = [k for k in shapes if k not in raw]
    extra = sorted(set(raw) - set(shapes))
    if missing:
        raise InstanceError(f"missing matrix {missing[0]!r} for {theorem.id}; expected {sorted(shapes)}")
    if extra:
        raise InstanceError(f"unknown matrix {extra[0]!r} for {theorem.id}; expected {sorted(shapes)}")
    mats: dict[str, MatrixValue] = {}
    for name, shape in shapes.items():
        mats[name] = _read_matrix_value(raw[name], shape, f"matrices.{name}")
        _shape_ok(mats[name], shape, f"matrices.{name}")
    aux: dict[str, MatrixValue] = {}
    for name, value in (data.get("aux") or {}).items():
        aux[name] = (
            tuple(RatMatrix.from_rows(m, f"aux.{name}[{k}]") for k, m in enumerate(value))
            if value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list)
            else RatMatrix.from_rows(value, f"aux.{name}")
        )
    options = data.get("options") or {}
    if not isinstance(options, Mapping):
        raise InstanceError("'options' must be an object")
    unknown_opts = sorted(set(options) - set(theorem.options_schema))
    if unknown_opts:
        raise InstanceError(
            f"unknown option(s) {unknown_opts} for {theorem.id}; expected {sorted(theorem.options_schema)}"
        )
    seed = data.get("seed")
    return Instance(theorem.id, params, mats, aux, dict(options), origin, seed if isinstance(seed, int) else None)


def load_instance(theorem: Theorem, path: str | Path) -> Instance:
    """Read and validate an instance file. Raises InstanceError with a one-line reason."""
    p = Path(path)
    if not p.is_file():
        raise InstanceError(f"instance file not found: {p}")
    try:
        data = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise InstanceError(
            f"instance file {p} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    except UnicodeDecodeError:
        raise InstanceError(f"instance file {p} is not UTF-8 text") from None
    return instance_from_json(theorem, data, origin=str(p))


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
