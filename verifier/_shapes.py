"""Declared data shapes, the default instance generator, and the checks a Theorem runs when it is built.

A spec may declare its data as a mapping, each dimension a parameter name or an int:

    shapes={"A": ("m", "n"), "W": Stack(("D", "D"), "L")}

which is resolved here into the function form `params -> {"A": (m, n), "W": [(D, D)] * L}` that
the instance reader, the generator and search use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from verifier._errors import SpecError
from verifier._matrix import RatMatrix

if TYPE_CHECKING:
    from verifier._records import Instance, Theorem

Dim = str | int


@dataclass(frozen=True, slots=True)
class Stack:
    """A list of `count` matrices of one shape (`count` a parameter name or an int)."""

    shape: tuple[Dim, Dim]
    count: Dim


def _dim(value: Dim, params: Mapping[str, int], where: str) -> int:
    if isinstance(value, bool):
        raise SpecError(f"{where}: a dimension must be a parameter name or an int, got {value!r}")
    if isinstance(value, int):
        return value
    if value not in params:
        raise SpecError(f"{where}: unknown parameter {value!r} (parameters: {sorted(params)})")
    return int(params[value])


def _check_decl(tid: str, decl: Mapping[str, Any], pnames: Sequence[str]) -> None:
    for name, shp in decl.items():
        where = f"theorem {tid}: shape of {name!r}"
        if not isinstance(name, str) or not name.isidentifier():
            raise SpecError(f"theorem {tid}: matrix names must be identifiers, got {name!r}")
        dims: list[Any]
        if isinstance(shp, Stack):
            dims = [*shp.shape, shp.count]
        elif isinstance(shp, tuple) and len(shp) == 2:
            dims = list(shp)
        else:
            raise SpecError(f"{where}: expected (rows, cols) or Stack((rows, cols), count), got {shp!r}")
        for d in dims:
            if isinstance(d, bool) or not isinstance(d, (int, str)):
                raise SpecError(f"{where}: a dimension must be a parameter name or an int, got {d!r}")
            if isinstance(d, str) and d not in pnames:
                raise SpecError(f"{where}: unknown parameter {d!r}; parameters are {list(pnames)}")
            if isinstance(d, int) and d < 0:
                raise SpecError(f"{where}: negative dimension {d}")


def resolve_shapes(tid: str, shapes: Any, pnames: Sequence[str]) -> Callable[[Mapping[str, int]], dict[str, Any]]:
    """The function form of `shapes` (a declared mapping is checked against the parameter names)."""
    if callable(shapes):
        return shapes  # type: ignore[no-any-return]
    if not isinstance(shapes, Mapping):
        raise SpecError(f"theorem {tid}: shapes must be a mapping name -> (rows, cols) or a function of the "
                        f"parameters, got {type(shapes).__name__}")
    decl = dict(shapes)
    _check_decl(tid, decl, pnames)

    def resolved(params: Mapping[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, shp in decl.items():
            where = f"theorem {tid}: {name}"
            if isinstance(shp, Stack):
                m, n = (_dim(x, params, where) for x in shp.shape)
                out[name] = [(m, n)] * _dim(shp.count, params, where)
            else:
                out[name] = (_dim(shp[0], params, where), _dim(shp[1], params, where))
        return out

    resolved.declared = decl  # type: ignore[attr-defined]  # kept for docs and reports
    return resolved


GRID = 2**10


def dyadic_gaussian(rng: np.random.Generator, m: int, n: int, scale: float = 1.0) -> RatMatrix:
    """m x n N(0, scale^2) entries rounded to multiples of 1/1024: an exact rational matrix."""
    return RatMatrix.from_numpy(np.round(rng.standard_normal((m, n)) * scale * GRID) / GRID)


def draw_parameters(thm: Theorem, rng: np.random.Generator, span: int = 4) -> dict[str, int]:
    """Parameters uniform in [low, min(high, low + span)], redrawn (a few times) until `constraints` accepts."""
    for _ in range(50):
        params = {p.name: int(rng.integers(p.low, min(p.high, p.low + span) + 1)) for p in thm.parameters}
        if thm.constraints is None or thm.constraints(params) is None:
            return params
    raise SpecError(f"theorem {thm.id}: no parameters within their ranges satisfy its constraints "
                    f"(50 draws); widen the ranges or check `constraints`")


def default_generator(thm: Theorem) -> Callable[..., Instance]:
    """Dense dyadic-Gaussian matrices of the declared shapes (for specs without a generator)."""

    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        from verifier._records import Instance

        ps = dict(params) if params is not None else draw_parameters(thm, rng)
        mats: dict[str, Any] = {}
        for name, shp in thm.data_shapes(ps).items():
            if isinstance(shp, list):
                mats[name] = tuple(dyadic_gaussian(rng, m, n) for m, n in shp)
            else:
                mats[name] = dyadic_gaussian(rng, *shp)
        return Instance(thm.id, ps, mats, seed=index)

    generate.__qualname__ = f"default_generator({thm.id})"
    return generate


def _shape_of(value: Any) -> Any:
    if isinstance(value, tuple):
        return [m.shape for m in value]
    return value.shape if isinstance(value, RatMatrix) else type(value).__name__


def validate_theorem(thm: Theorem) -> None:
    """Build one instance at the smallest parameters and check it matches the declared shapes."""
    low = {p.name: p.low for p in thm.parameters}
    params = low
    if thm.constraints is not None and thm.constraints(low) is not None:
        params = draw_parameters(thm, np.random.default_rng(0))
    try:
        shapes = thm.data_shapes(params)
    except SpecError:
        raise
    except Exception as e:
        raise SpecError(f"theorem {thm.id}: shapes({params}) raised {type(e).__name__}: {e}") from None
    if not isinstance(shapes, Mapping):
        raise SpecError(f"theorem {thm.id}: shapes({params}) must return a mapping, got {type(shapes).__name__}")
    try:
        inst = thm.generate(np.random.default_rng(0), index=0, params=dict(params))  # type: ignore[misc]
    except SpecError:
        raise
    except Exception as e:
        name = getattr(thm.generate, "__qualname__", "generate")
        raise SpecError(f"theorem {thm.id}: {name}(rng, index=0, params={params}) raised "
                        f"{type(e).__name__}: {e}") from None
    from verifier._records import Instance

    if not isinstance(inst, Instance):
        raise SpecError(f"theorem {thm.id}: generate must return an Instance, got {type(inst).__name__}")
    got = {k: _shape_of(v) for k, v in inst.matrices.items()}
    want = {k: (list(v) if isinstance(v, list) else tuple(v)) for k, v in shapes.items()}
    if set(got) != set(want):
        raise SpecError(f"theorem {thm.id}: generate returned matrices {sorted(got)} but shapes declares "
                        f"{sorted(want)} (at parameters {params})")
    for k, w in want.items():
        if got[k] != w:
            raise SpecError(f"theorem {thm.id}: generate returned {k} of shape {got[k]} but shapes declares {w} "
                            f"(at parameters {params})")


__all__ = ["Stack", "default_generator", "draw_parameters", "dyadic_gaussian", "resolve_shapes", "validate_theorem"]
