"""Exact rational arithmetic on python-flint `fmpq_mat`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flint import fmpq, fmpq_mat

from verifier._backends._base import Context, Decision
from verifier._errors import InstanceError
from verifier._matrix import RatMatrix
from verifier._records import Comparison


def to_fmpq_mat(m: RatMatrix) -> fmpq_mat:
    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def _sub(a: fmpq_mat, r0: int, r1: int, c0: int, c1: int) -> fmpq_mat:
    rows = a.tolist()
    return fmpq_mat(max(r1 - r0, 0), max(c1 - c0, 0), [x for row in rows[r0:r1] for x in row[c0:c1]])


def _dec(x: Any) -> str:
    q = fmpq(x)
    if q.q == 1:
        return str(q.p)
    from mpmath import mp, mpf

    with mp.workdps(20):
        return f"{q.p}/{q.q} (~{mp.nstr(mpf(int(q.p)) / int(q.q), 15)})"


def _qfloat(q: fmpq) -> float:
    """Nearest float of a rational with arbitrarily large numerator/denominator (+-inf past the range)."""
    try:
        return int(q.p) / int(q.q)  # int true division rounds correctly and does not overflow early
    except OverflowError:
        return float("inf") if q > 0 else float("-inf")


class ExactContext(Context):
    """Rationals: every operation is exact, comparisons are decided outright."""

    level = "exact"
    name = "exact"
    has_svd = False

    def load(self, mats: Sequence[RatMatrix]) -> fmpq_mat:
        return to_fmpq_mat(mats[0])

    def mm(self, *ms: Any) -> Any:
        out = ms[0]
        for m in ms[1:]:
            out = out * m
        return out

    def add(self, a: Any, b: Any) -> Any: return a + b
    def sub(self, a: Any, b: Any) -> Any: return a - b
    def T(self, a: Any) -> Any: return a.transpose()

    def inv(self, a: fmpq_mat) -> fmpq_mat:
        try:
            return a.inv()
        except ZeroDivisionError:
            raise InstanceError("construction needs the inverse of a singular matrix") from None

    def eye(self, n: int) -> fmpq_mat:
        return fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)])

    def zeros(self, m: int, n: int) -> fmpq_mat: return fmpq_mat(m, n)
    def cols(self, a: Any, start: int, stop: int) -> Any: return _sub(a, 0, a.nrows(), start, min(stop, a.ncols()))
    def rows(self, a: Any, start: int, stop: int) -> Any: return _sub(a, start, min(stop, a.nrows()), 0, a.ncols())
    def shape(self, a: Any) -> tuple[int, int]: return (a.nrows(), a.ncols())
    def scale(self, a: Any, c: float) -> Any: return a * fmpq(*float(c).as_integer_ratio())

    def ones(self, m: int, n: int) -> fmpq_mat: return fmpq_mat(m, n, [1] * (m * n))

    def relu(self, a: fmpq_mat) -> fmpq_mat:
        return fmpq_mat(a.nrows(), a.ncols(), [x if x > 0 else fmpq(0) for x in a.entries()])

    def softmax_cols(self, a: Any) -> Any:
        raise InstanceError("softmax is not rational: exact arithmetic cannot evaluate it (use certified)")

    def maxabs(self, a: fmpq_mat) -> fmpq:
        return max((abs(x) for x in a.entries()), default=fmpq(0))

    def rank(self, a: fmpq_mat) -> int:
        return int(a.rank())

    def rank_factor(self, a: fmpq_mat) -> tuple[fmpq_mat, fmpq_mat]:
        """A = C F with C = the pivot columns of A and F = the non-zero rows of rref(A)."""
        rref, rank = a.rref()
        rows = rref.tolist()
        pivots = []
        for i in range(rank):
            pivots.append(next(j for j, x in enumerate(rows[i]) if x != 0))
        cols = a.tolist()
        c = fmpq_mat(a.nrows(), rank, [cols[i][j] for i in range(a.nrows()) for j in pivots])
        f = fmpq_mat(rank, a.ncols(), [x for row in rows[:rank] for x in row])
        return c, f

    def witness_tol(self, scale: Any) -> Any:
        return fmpq(0)

    def decide(self, cmp: Comparison) -> list[Decision]:
        lhs, rhs = fmpq(cmp.lhs), fmpq(cmp.rhs)
        tol = fmpq(cmp.tol) if cmp.tol is not None else fmpq(0)
        diff = lhs - rhs
        ok = {"<=": diff <= tol, ">=": diff >= -tol, "==": abs(diff) <= tol}[cmp.relation]
        margin = {"<=": -diff, ">=": diff, "==": -abs(diff)}[cmp.relation]
        return [Decision("holds" if ok else "fails", _dec(lhs), _dec(rhs), "0", "0",
                         _qfloat(margin), None if tol == 0 else _dec(tol), _qfloat(lhs))]
