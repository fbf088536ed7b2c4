"""Sizes of counterexamples, and smaller or simpler instances to try once the search is done.

Hypothesis shrinks the drawn choices (parameters first, then kinds, seeds and styles), but only for
what Hypothesis found, and one choice at a time. These work on the instance itself, whichever
sampler found it: `smaller_instances` lowers a parameter (dropping a layer, or one index of a
dimension); `simpler_instances` replaces one matrix by zero, the identity or its entries rounded.
The search keeps each one that still fails (certified).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from verifier._matrix import RatMatrix
from verifier._records import Instance, MatrixValue, Theorem
from verifier._search._structured import identity, round_entries, zeros

T = TypeVar("T")


def _bits(m: RatMatrix) -> int:
    return sum(x.numerator.bit_length() + x.denominator.bit_length() for x in m.entries)


def _mats(v: MatrixValue) -> tuple[RatMatrix, ...]:
    return v if isinstance(v, tuple) else (v,)


def flatten(mats: Mapping[str, MatrixValue]) -> dict[str, RatMatrix]:
    """Every matrix by its own name: `W` for a single matrix, `W[0]`, `W[1]`, ... for a list."""
    out: dict[str, RatMatrix] = {}
    for name, v in mats.items():
        if isinstance(v, tuple):
            out.update({f"{name}[{k}]": m for k, m in enumerate(v)})
        else:
            out[name] = v
    return out


def unflatten(like: Mapping[str, MatrixValue], flat: Mapping[str, T]) -> dict[str, T | tuple[T, ...]]:
    """`flat` (keyed as `flatten` names them) regrouped into the names and lists of `like`."""
    return {name: tuple(flat[f"{name}[{k}]"] for k in range(len(v))) if isinstance(v, tuple) else flat[name]
            for name, v in like.items()}


def size_key(inst: Instance) -> tuple[int, ...]:
    """Smaller is simpler: the parameters' sum, then the number of entries, then their bits."""
    mats = [m for v in inst.matrices.values() for m in _mats(v)]
    return (sum(inst.parameters.values()), sum(m.nrows * m.ncols for m in mats), sum(_bits(m) for m in mats))


def _replaced(inst: Instance, name: str, k: int | None, m: RatMatrix) -> Instance:
    v = inst.matrices[name]
    if k is None:
        new: MatrixValue = m
    else:
        assert isinstance(v, tuple)
        new = tuple(m if i == k else x for i, x in enumerate(v))
    return replace(inst, matrices={**inst.matrices, name: new}, origin="search")


def _all_replaced(inst: Instance, make: Any) -> Instance:
    """`inst` with its k-th matrix (in `flatten` order) replaced by `make(matrix, k)`."""
    flat = {key: make(m, k) for k, (key, m) in enumerate(flatten(inst.matrices).items())}
    return replace(inst, matrices=unflatten(inst.matrices, flat), origin="search")


def _jointly_simpler(inst: Instance, most: int = 3) -> Iterator[Instance]:
    """Every matrix simplified at once: each zero or the identity (when there are at most `most`
    matrices), then all entries rounded together. A failure that needs a relation between matrices
    (a tie in Wbar - prod W found by descent, say) survives no single replacement but may survive these."""
    count = len(flatten(inst.matrices))
    if count <= most:
        for mask in range(2 ** count):
            yield _all_replaced(inst, lambda m, k, mask=mask: identity(m.nrows, m.ncols) if mask >> k & 1
                                else zeros(m.nrows, m.ncols))
    for d in (1, 2, 8, 64):
        yield _all_replaced(inst, lambda m, k, d=d: round_entries(m, d))


def simpler_instances(inst: Instance) -> Iterator[Instance]:
    """Instances with matrices made simpler (zero, identity, entries rounded), simplest first: all
    at once, then one at a time. Only candidates with fewer bits than `inst` are produced."""
    bits = size_key(inst)[2]
    seen: set[Any] = set()
    for cand in _jointly_simpler(inst):
        key = tuple(sorted(cand.matrices.items()))
        if key not in seen and size_key(cand)[2] < bits:
            seen.add(key)
            yield cand
    for name, v in inst.matrices.items():
        for k, m in enumerate(_mats(v)):
            pos = k if isinstance(v, tuple) else None
            options = [zeros(m.nrows, m.ncols), identity(m.nrows, m.ncols)]
            options += [round_entries(m, d) for d in (1, 2, 8, 64)]
            seen = {m}
            for cand in options:
                if cand not in seen and _bits(cand) < _bits(m):
                    seen.add(cand)
                    yield _replaced(inst, name, pos, cand)


def _delete(m: RatMatrix, row: int | None, col: int | None) -> RatMatrix:
    rows = [r for i, r in enumerate(m.rows()) if i != row]
    rows = [[x for j, x in enumerate(r) if j != col] for r in rows]
    return RatMatrix(len(rows), len(rows[0]) if rows else 0, tuple(x for r in rows for x in r))


def _shrink_to(inst: Instance, old: Mapping[str, Any], new: Mapping[str, Any], params: dict[str, int],
               drop_item: int, drop_index: int) -> Instance | None:
    """`inst` fitted to the smaller `new` shapes: a list loses item `drop_item`; a dimension that
    lost one loses index `drop_index` (rows and columns alike). None where the change is of another kind."""
    mats: dict[str, MatrixValue] = {}
    for name, shape in new.items():
        v, was = inst.matrices[name], old[name]
        if isinstance(shape, list):
            assert isinstance(v, tuple)
            items = list(v)
            if len(shape) == len(was) - 1:
                if drop_item >= len(items):
                    return None
                items.pop(drop_item)
                was = was[:drop_item] + was[drop_item + 1:]
            if len(shape) != len(was):
                return None
            fitted = [_fit(m, tuple(w), tuple(s), drop_index) for m, w, s in zip(items, was, shape, strict=True)]
            if any(f is None for f in fitted):
                return None
            mats[name] = tuple(f for f in fitted if f is not None)
        else:
            assert isinstance(v, RatMatrix)
            f = _fit(v, tuple(was), tuple(shape), drop_index)
            if f is None:
                return None
            mats[name] = f
    return replace(inst, parameters=params, matrices=mats, aux={}, origin="search")


def _fit(m: RatMatrix, was: tuple[int, ...], shape: tuple[int, ...], i: int) -> RatMatrix | None:
    dr, dc = was[0] - shape[0], was[1] - shape[1]
    if dr not in (0, 1) or dc not in (0, 1) or (dr and i >= was[0]) or (dc and i >= was[1]):
        return None
    return _delete(m, i if dr else None, i if dc else None) if dr or dc else m


def _dims(shape: Any) -> list[tuple[int, ...]]:
    return [tuple(x) for x in shape] if isinstance(shape, list) else [tuple(shape)]


def smaller_instances(thm: Theorem, inst: Instance) -> Iterator[Instance]:
    """Instances with one parameter lowered by one, the data fitted to the smaller shapes: the same
    matrices where the shapes do not change (a rank bound R), one layer fewer (L), or one index
    fewer in every matrix of that dimension (D). Structure first, as Hypothesis would shrink it."""
    old = thm.shapes(inst.parameters)
    for p in thm.parameters:
        v = inst.parameters[p.name]
        if v <= p.low:
            continue
        params = {**inst.parameters, p.name: v - 1}
        if thm.constraints is not None and thm.constraints(params) is not None:
            continue
        new = thm.shapes(params)
        if new == old:
            yield replace(inst, parameters=params, origin="search")
            continue
        # Which layer to drop matters only if a list got shorter; which index, only if a dimension did.
        shorter = any(isinstance(s, list) and len(s) < len(old[n]) for n, s in new.items())
        narrower = any(_dims(s) != _dims(old[n])[:len(_dims(s))] for n, s in new.items())
        items = max((len(s) for s in old.values() if isinstance(s, list)), default=1) if shorter else 1
        for k in range(items):
            for i in range(v if narrower else 1):
                cand = _shrink_to(inst, old, new, params, k, i)
                if cand is not None:
                    yield cand
