"""Small pieces of the certified arithmetic: tri-state ball comparison, identity-keyed caches,
conversions of exact matrices, exact singular values on demand."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flint import arb, fmpq, fmpq_mat

from verifier._backends._algebraic import singular_values
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
