"""High-precision floating point with mpmath (no rigour: evidence between float and certified).

A decision uses the float level's error model (`verifier._backends._float`) with mpmath's unit
roundoff u = 2^-prec: at most gamma_n (|lhs| + |rhs| + |scale|) of rounding, n the instance's total
dimension, so "holds" never covers more than the working precision can explain (no absolute term:
a claim false by 5% on tiny numbers fails as it does on large ones).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from mpmath import mp, mpf

from verifier._backends._base import Context, Decision, chain_length
from verifier._errors import InstanceError, UsageError
from verifier._matrix import RatMatrix
from verifier._records import Comparison


class MpContext(Context):
    """mpmath matrices at `dps` decimal digits; the working precision is set per call."""

    level = "mp"
    name = "mp"

    def __init__(self, dps: int = 50) -> None:
        if not 15 <= dps <= 1000:
            raise UsageError(f"mpmath digits must be in 15..1000, got dps={dps}")
        self.dps = dps
        self.chain = 1

    def bind(self, instances: Sequence[Any]) -> Any:
        self.chain = chain_length(instances[0])
        return super().bind(instances)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "dps": self.dps}

    def session(self) -> contextlib.AbstractContextManager[Any]:
        return mp.workdps(self.dps)

    def load(self, mats: Sequence[RatMatrix]) -> Any:
        m = mats[0]
        with mp.workdps(self.dps):
            return mp.matrix([[mpf(x.numerator) / x.denominator for x in row] for row in m.rows()])

    def mm(self, *ms: Any) -> Any:
        with mp.workdps(self.dps):
            out = ms[0]
            for m in ms[1:]:
                out = out * m
            return out

    def add(self, a: Any, b: Any) -> Any:
        with mp.workdps(self.dps):
            return a + b

    def sub(self, a: Any, b: Any) -> Any:
        with mp.workdps(self.dps):
            return a - b

    def T(self, a: Any) -> Any: return a.T

    def inv(self, a: Any) -> Any:
        with mp.workdps(self.dps):
            try:
                return mp.inverse(a)
            except ZeroDivisionError:
                raise InstanceError("construction needs the inverse of a (numerically) singular matrix") from None

    def eye(self, n: int) -> Any: return mp.eye(n)
    def zeros(self, m: int, n: int) -> Any: return mp.zeros(m, n)

    def cols(self, a: Any, start: int, stop: int) -> Any:
        stop = min(stop, a.cols)
        out = mp.zeros(a.rows, max(stop - start, 0)) if stop > start else mp.matrix(a.rows, 0)
        for i in range(a.rows):
            for j in range(start, stop):
                out[i, j - start] = a[i, j]
        return out

    def rows(self, a: Any, start: int, stop: int) -> Any:
        return self.T(self.cols(self.T(a), start, stop))

    def shape(self, a: Any) -> tuple[int, int]: return (a.rows, a.cols)

    def scale(self, a: Any, c: Any) -> Any:
        with mp.workdps(self.dps):
            return a * _mpf(c)

    def entry(self, a: Any, i: int, j: int) -> Any:
        return a[i, j]

    def hadamard(self, a: Any, b: Any) -> Any:
        with mp.workdps(self.dps):
            out = a.copy()
            for i in range(a.rows):
                for j in range(a.cols):
                    out[i, j] = a[i, j] * b[i, j]
            return out

    def const(self, x: Any) -> Any:
        with mp.workdps(self.dps):
            return _mpf(x)

    def sqrt(self, x: Any) -> Any:
        with mp.workdps(self.dps):
            return mp.sqrt(max(x, mpf(0)))

    def sum_entries(self, a: Any) -> Any:
        with mp.workdps(self.dps):
            return mp.fsum(a[i, j] for i in range(a.rows) for j in range(a.cols))

    def rank(self, a: Any) -> int:
        """Numerical rank: singular values above 10^(-dps/2) s_1 (mp evidence, not a decision)."""
        if a.rows == 0 or a.cols == 0:
            return 0
        with mp.workdps(self.dps):
            s = [abs(x) for x in mp.svd_r(a, compute_uv=False)]
            top = max(s)
            return sum(1 for x in s if x > top * mpf(10) ** (-(self.dps // 2)))

    def svd(self, a: Any) -> tuple[Any, Any]:
        with mp.workdps(self.dps):
            u, _s, vt = mp.svd_r(a)
            return u, vt.T

    def sv(self, a: Any, i: int) -> Any:
        if a.rows == 0 or a.cols == 0 or i > min(a.rows, a.cols):
            return mpf(0)
        with mp.workdps(self.dps):
            s = sorted((abs(x) for x in mp.svd_r(a, compute_uv=False)), reverse=True)
            return s[i - 1]

    def ones(self, m: int, n: int) -> Any: return mp.ones(m, n)

    def relu(self, a: Any) -> Any:
        out = a.copy()
        for i in range(a.rows):
            for j in range(a.cols):
                out[i, j] = max(a[i, j], mpf(0))
        return out

    def softmax_cols(self, a: Any) -> Any:
        with mp.workdps(self.dps):
            out = a.copy()
            for j in range(a.cols):
                top = max(a[i, j] for i in range(a.rows))
                ex = [mp.exp(a[i, j] - top) for i in range(a.rows)]
                tot = mp.fsum(ex)
                for i in range(a.rows):
                    out[i, j] = ex[i] / tot
            return out

    def maxabs(self, a: Any) -> Any:
        return max((abs(a[i, j]) for i in range(a.rows) for j in range(a.cols)), default=mpf(0))

    def witness_tol(self, scale: Any) -> Any:
        with mp.workdps(self.dps):
            return mpf(2) ** (-(mp.prec // 2)) * (1 + abs(scale))

    def decide(self, cmp: Comparison) -> list[Decision]:
        with mp.workdps(self.dps):
            lhs, rhs = _mpf(cmp.lhs), _mpf(cmp.rhs)
            scale = abs(_mpf(cmp.scale)) if cmp.scale is not None else mpf(0)
            nu = self.chain * mpf(2) ** (-mp.prec)
            gamma = nu / (1 - nu)  # nu is tiny: dps >= 15 and n is bounded by the instance ceilings
            slack = gamma * (abs(lhs) + abs(rhs) + scale)
            tol = (abs(_mpf(cmp.tol)) if cmp.tol is not None else mpf(0)) + slack
            diff = lhs - rhs
            margin = {"<=": -diff, ">=": diff, "==": -abs(diff)}[cmp.relation]
            ok = margin >= -tol
            return [Decision("holds" if ok else "fails", mp.nstr(lhs, 20), mp.nstr(rhs, 20), None, None,
                             float(margin), mp.nstr(tol, 5), float(lhs), relation=cmp.relation,
                             rhs_value=float(rhs))]


def _mpf(x: Any) -> Any:
    if isinstance(x, Fraction):
        return mpf(x.numerator) / x.denominator
    return mpf(x) if not hasattr(x, "p") else mpf(int(x.p)) / int(x.q)
