"""Small pieces of the certified arithmetic: the working precision, tri-state ball comparison,
identity-keyed caches, the exact shadows' store, conversions of exact matrices, exact singular
values on demand."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import flint
from flint import arb, fmpq, fmpq_mat

from verifier._backends._algebraic import RealAlgebraic, TooComplex, singular_values
from verifier._matrix import RatMatrix


def exact_sv(q: Any, i: int) -> Any:
    if q is None:
        raise ValueError("no exact value")
    return singular_values(q)[i - 1]


_FMPQ: OrderedDict[int, tuple[RatMatrix, fmpq_mat]] = OrderedDict()


def rat_to_fmpq(m: RatMatrix) -> fmpq_mat:
    """`m` as an fmpq_mat; the last few conversions are remembered (a witness arithmetic and the
    certified one load the same instance matrices)."""
    hit = _FMPQ.get(id(m))
    if hit is not None and hit[0] is m:
        _FMPQ.move_to_end(id(m))
        return hit[1]
    q = fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])
    _FMPQ[id(m)] = (m, q)
    while len(_FMPQ) > 16:
        _FMPQ.popitem(last=False)
    return q


def compare(lhs: arb, rhs: arb, tol: arb, relation: str) -> tuple[str, arb]:
    """Tri-state `lhs relation rhs` within `tol`, and the margin (> 0: holds with room)."""
    diff = lhs - rhs
    if relation == "<=":
        holds, fails, margin = diff <= tol, diff > tol, -diff
    elif relation == ">=":
        holds, fails, margin = diff >= -tol, diff < -tol, diff
    else:
        holds, fails, margin = abs(diff) <= tol, abs(diff) > tol, -abs(diff)
    return ("holds" if holds else "fails" if fails else "unknown"), margin


class Keyed:
    """A bounded map keyed by object identity (each entry keeps its key alive, so ids are not reused)."""

    def __init__(self, cap: int) -> None:
        self._d: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        self.cap = cap

    @staticmethod
    def _id(key: Any) -> Any:
        return tuple(id(k) for k in key) if isinstance(key, tuple) else id(key)

    def put(self, key: Any, value: Any) -> None:
        self._d[self._id(key)] = (key, value)
        self._d.move_to_end(self._id(key))
        while len(self._d) > self.cap:
            self._d.popitem(last=False)

    def get(self, key: Any) -> Any:
        e = self._d.get(self._id(key))
        return None if e is None else e[1]


__all__ = ["Keyed", "compare", "exact_sv", "rat_to_fmpq"]


#: Exact shadows whose entries grow past this many bits are dropped (the balls still decide).
_SHADOW_BITS = 4096


@contextlib.contextmanager
def working_prec(bits: int) -> Iterator[None]:
    """Run a block at `bits` of precision and restore flint's previous precision afterwards."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def arb_str(x: arb, digits: int = 20) -> tuple[str, str]:
    """Midpoint and radius of a ball as decimal strings."""
    mid = x.mid().str(digits, radius=False)
    rad = x.rad().str(3, radius=False)
    return mid, rad


def to_float(x: arb) -> float:
    try:
        return float(x.mid())
    except (OverflowError, ValueError):
        return float("nan")


def to_fmpq(x: Any) -> fmpq:
    if isinstance(x, float):
        return fmpq(*x.as_integer_ratio())
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    return fmpq(x)


class Exact:
    """Exact values of balls and matrices known to be exact, computed lazily, bounded in number.

    Keys are object ids; each entry keeps its object alive, so an id is never reused while the
    entry exists. Thunks are memoised; one that fails (singular inverse, too large) yields None.
    """

    def __init__(self, cap: int = 1024) -> None:
        self._d: OrderedDict[int, list[Any]] = OrderedDict()
        self.cap = cap

    def put(self, obj: Any, thunk: Callable[[], Any]) -> Any:
        self._d[id(obj)] = [obj, thunk, False, None]
        self._d.move_to_end(id(obj))
        while len(self._d) > self.cap:
            self._d.popitem(last=False)
        return obj

    def get(self, obj: Any) -> Any:
        e = self._d.get(id(obj))
        if e is None or e[0] is not obj:
            return None
        if not e[2]:
            e[2] = True
            try:
                e[3] = e[1]()
            except (ZeroDivisionError, TooComplex, ValueError, OverflowError):
                e[3] = None
        return e[3]


def shadow_small(m: fmpq_mat) -> bool:
    return all(int(x.p).bit_length() + int(x.q).bit_length() <= _SHADOW_BITS for x in m.entries())


def qsub(a: fmpq_mat, r0: int, r1: int, c0: int, c1: int) -> fmpq_mat:
    rows = a.tolist()
    return fmpq_mat(max(r1 - r0, 0), max(c1 - c0, 0), [x for row in rows[r0:r1] for x in row[c0:c1]])


def alg(x: Any) -> RealAlgebraic:
    return x if isinstance(x, RealAlgebraic) else RealAlgebraic.rational(fmpq(x))
