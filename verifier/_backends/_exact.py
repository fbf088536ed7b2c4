"""Exact rational arithmetic on python-flint `fmpq_mat`, with exact real algebraic numbers for
singular values, norms and square roots (so ties and exact zeros are decided, never estimated)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from flint import fmpq, fmpq_mat

from verifier._backends._algebraic import RealAlgebraic, TooComplex, singular_values
from verifier._backends._base import Context, Decision
from verifier._errors import InstanceError, PrecisionExhausted
from verifier._matrix import RatMatrix
from verifier._records import Comparison


def to_fmpq_mat(m: RatMatrix) -> fmpq_mat:
    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def _sub(a: fmpq_mat, r0: int, r1: int, c0: int, c1: int) -> fmpq_mat:
    rows = a.tolist()
    return fmpq_mat(max(r1 - r0, 0), max(c1 - c0, 0), [x for row in rows[r0:r1] for x in row[c0:c1]])


def _dec(x: Any) -> str:
    if isinstance(x, RealAlgebraic):
        return str(x) if x.rational_value is None else _dec(x.rational_value)
    q = fmpq(x)
    if q.q == 1:
        return str(q.p)
    from mpmath import mp, mpf

    with mp.workdps(20):
        return f"{q.p}/{q.q} (~{mp.nstr(mpf(int(q.p)) / int(q.q), 15)})"


def _qfloat(q: Any) -> float:
    """Nearest float of a rational with arbitrarily large numerator/denominator (+-inf past the range)."""
    if isinstance(q, RealAlgebraic):
        return float(q)
    q = fmpq(q)
    try:
        return int(q.p) / int(q.q)  # int true division rounds correctly and does not overflow early
    except OverflowError:
        return float("inf") if q > 0 else float("-inf")


class ExactContext(Context):
    """Rationals: every operation is exact, comparisons are decided outright."""

    level = "exact"
    name = "exact"
    has_svd = False
    exact_rank = True
    transcendental = False

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
    def scale(self, a: Any, c: Any) -> Any:
        return a * self.const(c)

    def entry(self, a: fmpq_mat, i: int, j: int) -> fmpq: return a[i, j]

    def hadamard(self, a: fmpq_mat, b: fmpq_mat) -> fmpq_mat:
        if (a.nrows(), a.ncols()) != (b.nrows(), b.ncols()):
            raise InstanceError("entrywise product of matrices of different shapes")
        return fmpq_mat(a.nrows(), a.ncols(), [x * y for x, y in zip(a.entries(), b.entries(), strict=True)])

    def const(self, x: Any) -> fmpq:
        if isinstance(x, float):
            return fmpq(*x.as_integer_ratio())
        if isinstance(x, Fraction):
            return fmpq(x.numerator, x.denominator)
        return fmpq(x)

    def sqrt(self, x: Any) -> Any:
        """The exact square root, a real algebraic number (rational when x is a rational square)."""
        return _algebraic(lambda: (x if isinstance(x, RealAlgebraic) else RealAlgebraic.rational(fmpq(x))).sqrt())

    def abs(self, x: Any) -> Any:
        return _algebraic(lambda: abs(x))

    def smul(self, a: Any, b: Any) -> Any:
        return _algebraic(lambda: self._num(a) * self._num(b))

    def sdiv(self, a: Any, b: Any) -> Any:
        return _algebraic(lambda: self._num(a) / self._num(b))

    def smin(self, a: Any, b: Any) -> Any:
        return a if _algebraic(lambda: _as_alg(_exact(a)).compare(_as_alg(_exact(b)))) <= 0 else b

    def smax(self, a: Any, b: Any) -> Any:
        return a if _algebraic(lambda: _as_alg(_exact(a)).compare(_as_alg(_exact(b)))) >= 0 else b

    def frobenius(self, a: fmpq_mat) -> Any:
        return self.sqrt(self.frobenius_sq(a))

    def frobenius_sq(self, a: fmpq_mat) -> fmpq:
        return sum((x * x for x in a.entries()), fmpq(0))

    def sum_entries(self, a: fmpq_mat) -> fmpq:
        return sum(a.entries(), fmpq(0))

    def trace(self, a: fmpq_mat) -> fmpq:
        if a.nrows() != a.ncols():
            raise InstanceError(f"trace of a non-square {a.nrows()}x{a.ncols()} matrix")
        return sum((a[i, i] for i in range(a.nrows())), fmpq(0))

    def sv(self, a: fmpq_mat, i: int) -> Any:
        """s_i(a) exactly: a real algebraic number (exactly 0 beyond the rank and the dimension)."""
        if i < 1:
            raise InstanceError("singular values are indexed from 1")
        if i > min(a.nrows(), a.ncols()) or i > a.rank():
            return RealAlgebraic.rational(0)
        return _algebraic(lambda: singular_values(a)[i - 1])

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
        lhs, rhs = _exact(cmp.lhs), _exact(cmp.rhs)
        tol = _exact(cmp.tol) if cmp.tol is not None else fmpq(0)
        no_tol = not isinstance(tol, RealAlgebraic) and tol == 0
        if (isinstance(lhs, RealAlgebraic) or isinstance(rhs, RealAlgebraic)) and no_tol:
            # compare directly: no resultant (whose degree multiplies), just isolation and refinement
            c = _algebraic(lambda: _as_alg(lhs).compare(_as_alg(rhs)))
            ok = {"<=": c <= 0, ">=": c >= 0, "==": c == 0}[cmp.relation]
            d = _qfloat(lhs) - _qfloat(rhs)
        elif isinstance(lhs, RealAlgebraic) or isinstance(rhs, RealAlgebraic) or isinstance(tol, RealAlgebraic):
            diff = _algebraic(lambda: _as_alg(lhs) - _as_alg(rhs))
            if cmp.relation == "<=":
                ok = _algebraic(lambda: (diff - _as_alg(tol)).sign() <= 0)
            elif cmp.relation == ">=":
                ok = _algebraic(lambda: (diff + _as_alg(tol)).sign() >= 0)
            else:
                ok = _algebraic(lambda: (abs(diff) - _as_alg(tol)).sign() <= 0)
            d = float(diff)
        else:
            diff = lhs - rhs
            ok = {"<=": diff <= tol, ">=": diff >= -tol, "==": abs(diff) <= tol}[cmp.relation]
            d = _qfloat(diff)
        margin = {"<=": -d, ">=": d, "==": -abs(d)}[cmp.relation]
        return [Decision("holds" if ok else "fails", _dec(lhs), _dec(rhs), "0", "0", margin,
                         None if (not isinstance(tol, RealAlgebraic) and tol == 0) else _dec(tol), _qfloat(lhs),
                         relation=cmp.relation, rhs_value=_qfloat(rhs), exact=True)]


def _exact(x: Any) -> Any:
    if isinstance(x, int):
        return fmpq(x)
    if isinstance(x, RealAlgebraic):
        return x if x.rational_value is None else x.rational_value
    if isinstance(x, float):
        return fmpq(*x.as_integer_ratio())
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    return fmpq(x)


def _as_alg(x: Any) -> RealAlgebraic:
    return x if isinstance(x, RealAlgebraic) else RealAlgebraic.rational(fmpq(x))


def _algebraic(f: Any) -> Any:
    """Run an exact algebraic computation; its budget running out is a precision limit (the checker
    then falls back to certified arithmetic), never a wrong answer."""
    try:
        return f()
    except TooComplex as e:
        raise PrecisionExhausted(f"exact algebraic arithmetic gave up: {e}") from None
