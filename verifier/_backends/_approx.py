"""Fast multiprecision floating point on python-flint midpoints: where witnesses are computed.

Every operation runs in `arb_mat` at `bits` and keeps only the midpoint, so each matrix is an
exact point (a dyadic rational) and no radius grows: this is floating point, not a certificate,
and it never decides a verdict. It is the arithmetic a certified check computes its witnesses in
(weight corrections, biases, singular vectors: see `verifier._witness`); the certified context then takes
the exact values of those points and certifies claims about them. FLINT's products and
approximate solves make it 10-100x faster than mpmath at equal digits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat

from verifier._backends._ballkit import arb_str, rat_to_fmpq, working_prec
from verifier._backends._ballkit import to_fmpq as _fmpq
from verifier._backends._base import Context, Decision
from verifier._backends.linalg import _posteriori as post
from verifier._backends.linalg import _svd as cl
from verifier._errors import InstanceError, UsageError
from verifier._matrix import RatMatrix
from verifier._records import Comparison


class ApproxContext(Context):
    """Midpoint arithmetic at `bits`; `svd_bits` is the accuracy its singular vectors are refined to."""

    level = "mp"
    name = "approx"

    def __init__(self, bits: int = 170, svd_bits: int | None = None) -> None:
        if not 53 <= bits <= 1 << 16:
            raise UsageError(f"approx precision must be in 53..65536 bits, got {bits}")
        self.prec = bits
        self.svd_bits = min(svd_bits or bits, bits)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "bits": self.prec, "svd_bits": self.svd_bits}

    def session(self) -> contextlib.AbstractContextManager[None]:
        return working_prec(self.prec)

    def load(self, mats: Sequence[RatMatrix]) -> arb_mat:
        with working_prec(self.prec):
            return arb_mat(rat_to_fmpq(mats[0])).mid()

    def mm(self, *ms: Any) -> Any:
        with working_prec(self.prec):
            out = ms[0]
            for m in ms[1:]:
                out = (out * m).mid()
            return out

    def add(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return (a + b).mid()

    def sub(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return (a - b).mid()

    def T(self, a: Any) -> Any:
        return a.transpose()

    def solve(self, a: Any, b: Any) -> Any:
        """a^{-1} b: float64 LU refined in mixed precision (residuals at `bits`), or FLINT's
        approximate solve at `bits` where the refinement does not converge (cond(a) near 2^53)."""
        with working_prec(self.prec):
            out = _refined_solve(a, b, self.prec)
            if out is None:
                try:
                    out = a.solve(b, algorithm="approx").mid()
                except ZeroDivisionError:
                    raise InstanceError("the witness needs the inverse of a (numerically) singular matrix") from None
        if not all(x.is_finite() for x in out.entries()):
            raise InstanceError("the witness needs the inverse of a (numerically) singular matrix")
        return out

    def inv(self, a: Any) -> Any:
        return self.solve(a, cl.identity(a.nrows()))

    def eye(self, n: int) -> arb_mat:
        return cl.identity(n)

    def zeros(self, m: int, n: int) -> arb_mat:
        return arb_mat(m, n)

    def cols(self, a: Any, start: int, stop: int) -> Any:
        return cl.submatrix(a, range(a.nrows()), range(start, min(stop, a.ncols())))

    def rows(self, a: Any, start: int, stop: int) -> Any:
        return cl.submatrix(a, range(start, min(stop, a.nrows())), range(a.ncols()))

    def shape(self, a: Any) -> tuple[int, int]:
        return (a.nrows(), a.ncols())

    def scale(self, a: Any, c: Any) -> Any:
        with working_prec(self.prec):
            return (a * (c if isinstance(c, arb) else arb(_fmpq(c)))).mid()

    def entry(self, a: Any, i: int, j: int) -> arb:
        return a[i, j]

    def hadamard(self, a: Any, b: Any) -> Any:
        with working_prec(self.prec):
            return arb_mat(a.nrows(), a.ncols(), [(x * y).mid() for x, y in zip(a.entries(), b.entries(),
                                                                                  strict=True)])

    def const(self, x: Any) -> arb:
        with working_prec(self.prec):
            return arb(_fmpq(x)).mid()

    def sqrt(self, x: Any) -> arb:
        with working_prec(self.prec):
            x = x if isinstance(x, arb) else arb(_fmpq(x))
            return x.mid().sqrt().mid() if x > 0 else arb(0)

    def relu(self, a: Any) -> Any:
        return arb_mat(a.nrows(), a.ncols(), [x if x > 0 else arb(0) for x in a.entries()])

    def maxabs(self, a: Any) -> arb:
        return max((abs(x) for x in a.entries()), key=float, default=arb(0))

    def svd(self, a: Any) -> tuple[Any, Any]:
        """(U, V) refined to `svd_bits` from a float64 seed, as exact points."""
        u, v = post.seed_factors(a)
        return post.refine_factors(a, u, v, self.svd_bits)

    def sv(self, a: Any, i: int) -> arb:
        if i > min(a.nrows(), a.ncols()):
            return arb(0)
        u, v = self.svd(a)
        return post.certify(a, u, v, self.prec).enclosures[i - 1].mid()

    def witness_tol(self, scale: Any) -> arb:
        with working_prec(self.prec):
            return arb(2) ** (-(self.prec // 2)) * (1 + abs(arb(scale)))

    def decide(self, cmp: Comparison) -> list[Decision]:
        """Like mpmath's: no rigour, so "holds" allows half the working bits of slack."""
        with working_prec(self.prec):
            lhs = cmp.lhs if isinstance(cmp.lhs, arb) else arb(_fmpq(cmp.lhs))
            rhs = cmp.rhs if isinstance(cmp.rhs, arb) else arb(_fmpq(cmp.rhs))
            slack = arb(2) ** (-(self.prec // 2)) * (1 + abs(lhs) + abs(rhs))
            tol = (cmp.tol if isinstance(cmp.tol, arb) else arb(_fmpq(cmp.tol))) if cmp.tol is not None else arb(0)
            diff = (lhs - rhs).mid()
            margin = {"<=": -diff, ">=": diff, "==": -abs(diff)}[cmp.relation]
            ok = margin >= -(tol + slack)
            lm, _ = arb_str(lhs)
            rm, _ = arb_str(rhs)
            return [Decision("holds" if ok else "fails", lm, rm, None, None, float(margin),
                             arb_str(tol + slack)[0], float(lhs.mid()), relation=cmp.relation,
                             rhs_value=float(rhs.mid()))]


def _refined_solve(a: arb_mat, b: arb_mat, bits: int) -> arb_mat | None:
    """Mixed-precision iterative refinement (Wilkinson; Moler 1967): solve in float64, then correct
    with residuals b - a x formed at `bits`, each step gaining about 53 - log2 cond(a) bits.

    None when float64 cannot start it (range, singular) or the residual stops shrinking.
    """
    if a.nrows() < 24 or b.ncols() == 0:  # FLINT's own solve is faster on small systems
        return None
    af, bf = cl.mid_to_numpy(a), cl.mid_to_numpy(b)
    top_a, top_b = float(np.abs(af).max()), float(np.abs(bf).max())
    if not (np.isfinite(top_a) and np.isfinite(top_b) and 2.0**-500 < top_a < 2.0**500 and top_b < 2.0**500):
        return None
    with np.errstate(all="ignore"), cl._blas_one_thread():
        try:
            lu = _Lu(af)
            x = cl.arb_mat_from_numpy(lu.solve(bf))
        except (np.linalg.LinAlgError, ValueError):
            return None
        last = np.inf
        for _ in range(4 + bits // 8):
            r = (b - a * x).mid()
            rf = cl.mid_to_numpy(r)
            size = float(np.abs(rf).max(initial=0.0))
            # the residual of x at `bits` cannot fall below the rounding of a x itself
            top_x = float(np.abs(cl.mid_to_numpy(x)).max(initial=0.0))
            if size == 0.0 or size <= 2.0 ** (8 - bits) * a.ncols() * (top_b + top_a * top_x):
                return x
            if not (size < last / 64):  # not converging (or underflowing): let FLINT do it
                return None
            last = size
            try:
                x = (x + cl.arb_mat_from_numpy(lu.solve(rf))).mid()
            except ValueError:
                return None
    return None


class _Lu:
    """float64 solves with one matrix (numpy's LAPACK, kept single-threaded by the caller: a
    threaded BLAS on a busy 2-core host was 100x slower on these sizes)."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def solve(self, b: np.ndarray) -> np.ndarray:
        out = np.linalg.solve(self.a, b)
        if not np.all(np.isfinite(out)):
            raise ValueError("non-finite float64 solution")
        return out


def exact_point(m: arb_mat) -> fmpq_mat:
    """The exact rational value of a matrix of exact points (as this arithmetic makes them)."""
    out = []
    for x in m.entries():
        if not (x.is_exact() and x.is_finite()):
            raise InstanceError("a witness entry is not an exact finite point")
        man, exp = x.mid().man_exp()
        e = int(exp)
        out.append(fmpq(int(man) * 2**e) if e >= 0 else fmpq(int(man), 2**(-e)))
    return fmpq_mat(m.nrows(), m.ncols(), out)


def to_fraction(x: fmpq) -> Fraction:
    return Fraction(int(x.p), int(x.q))


__all__ = ["ApproxContext", "exact_point"]
