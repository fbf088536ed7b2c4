"""Exact answers about open polyhedral cells {x : A x < c}: an interior point or a proof that none exists.

Each answer carries an exact certificate that is checked here with rational arithmetic, whatever
found it: a point with A x < c in every row, or multipliers y >= 0 with sum(y) = 1, y^T A = 0 and
y^T c <= 0 (Motzkin's transposition theorem: then A x < c has no solution; if y^T c < 0, even
A x <= c has none). The search uses HiGHS (scipy) in floating point for speed, then the exact
check; where the float answer does not survive the check, SymPy's exact rational simplex solves
the same programs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from flint import fmpq, fmpq_mat

from verifier._errors import InternalError
from verifier._evidence._rat import Vector, frac

Method = Literal["trivial", "highs+exact-check", "exact-simplex"]


@dataclass(frozen=True, slots=True)
class Cell:
    """Whether {x : A x < c} has a point, with the exact certificate either way.

    Args:
        open: the open cell is non-empty.
        point: (open) a rational x with A x < c, checked exactly.
        multipliers: (not open) y >= 0, sum(y) = 1, y^T A = 0, y^T c <= 0, checked exactly.
        empty: (not open) y^T c < 0: even the closed set {A x <= c} is empty.
        method: how the certificate was found (it is checked exactly either way).
    """

    open: bool
    point: Vector | None = None
    multipliers: Vector | None = None
    empty: bool = False
    method: Method = "trivial"


def _check_point(A: fmpq_mat, c: fmpq_mat, x: Vector) -> bool:
    xs = fmpq_mat(len(x), 1, [fmpq(v.numerator, v.denominator) for v in x])
    r = c - A * xs
    return all(v > 0 for v in r.entries())


def check_multipliers(A: fmpq_mat, c: fmpq_mat, y: Vector) -> tuple[bool, bool]:
    """(valid, strict): y certifies an empty open cell; strict: also an empty closed set."""
    m, n = A.nrows(), A.ncols()
    if len(y) != m or any(v < 0 for v in y) or sum(y) != 1:
        return False, False
    yq = fmpq_mat(1, m, [fmpq(v.numerator, v.denominator) for v in y])
    if any(v != 0 for v in (yq * A).entries()) if n else False:
        return False, False
    yc = (yq * c)[0, 0]
    return yc <= 0, yc < 0


def _floats(A: fmpq_mat, c: fmpq_mat) -> tuple[list[list[float]], list[float]]:
    def f(x: fmpq) -> float:
        return int(x.p) / int(x.q)

    return [[f(v) for v in row] for row in A.tolist()], [f(v) for v in c.entries()]


def _highs(A: fmpq_mat, c: fmpq_mat) -> Cell | None:
    """max t s.t. A x + t |a_i| <= c, t <= 1 (a Chebyshev-style centre), then exact checks."""
    import numpy as np
    from scipy.optimize import linprog

    m, n = A.nrows(), A.ncols()
    Af, cf = _floats(A, c)
    a = np.array(Af, dtype=float).reshape(m, n)
    b = np.array(cf, dtype=float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    scale = np.maximum(np.linalg.norm(a, axis=1), 1e-300)
    obj = np.zeros(n + 1)
    obj[-1] = -1.0
    res = linprog(obj, A_ub=np.hstack([a, scale[:, None]]), b_ub=b, bounds=[(None, None)] * n + [(None, 1.0)],
                  method="highs")
    if res.status != 0:
        return None
    t = -res.fun
    if t > 0:
        x = tuple(Fraction(float(v)) for v in res.x[:n])
        if _check_point(A, c, x):
            return Cell(True, point=x, method="highs+exact-check")
    duals = -np.asarray(res.ineqlin.marginals, dtype=float)
    if duals.size != m or not np.all(np.isfinite(duals)) or duals.max(initial=0.0) <= 0:
        return None
    # The float duals belong to the scaled rows: y_i = d_i |a_i|; only their support is used.
    support = [i for i in range(m) if duals[i] > 1e-9 * duals.max()]
    y = _exact_on_support(A, c, support)
    if y is not None:
        ok, strict = check_multipliers(A, c, y)
        if ok:
            return Cell(False, multipliers=y, empty=strict, method="highs+exact-check")
    return None


def _exact_on_support(A: fmpq_mat, c: fmpq_mat, support: list[int]) -> Vector | None:
    """Exact y >= 0 on `support` with y^T A = 0, sum y = 1 (a particular solution), or None."""
    if not support:
        return None
    n = A.ncols()
    k = len(support)
    rows = A.tolist()
    # unknowns y_S; equations: sum_s y_s A[s, j] = 0 (j < n), sum_s y_s = 1
    M = fmpq_mat(n + 1, k + 1, [*(v for j in range(n) for v in ([rows[s][j] for s in support] + [fmpq(0)])),
                                *([fmpq(1)] * k), fmpq(1)])
    R, rank = M.rref()
    rr = R.tolist()
    sol = [fmpq(0)] * k
    for i in range(rank):
        piv = next(j for j, v in enumerate(rr[i]) if v != 0)
        if piv == k:
            return None  # inconsistent
        sol[piv] = rr[i][k]
    m = A.nrows()
    y = [Fraction(0)] * m
    for s, v in zip(support, sol, strict=True):
        y[s] = frac(v)
    return tuple(y)


def _sf(v: object) -> Fraction:
    """A SymPy (or Python) rational as a Fraction."""
    return Fraction(str(v))


def _exact(A: fmpq_mat, c: fmpq_mat) -> Cell:
    """The same two programs in SymPy's exact rational simplex (slow; used when HiGHS's answer fails)."""
    from sympy import Matrix, Rational
    from sympy.solvers.simplex import linprog

    m, n = A.nrows(), A.ncols()
    rows = A.tolist()

    def r(v: fmpq) -> Rational:
        return Rational(int(v.p), int(v.q))

    # primal: min -t  s.t. A x + t 1 <= c, t <= 1, with x = u - v and t = s - w split into
    # non-negative parts (SymPy 1.14's `bounds=(None, None)` answers "infeasible" here)
    base = [[r(v) for v in rows[i]] + [1] for i in range(m)] + [[0] * n + [1]]
    Ap = Matrix([row + [-v for v in row] for row in base])
    bp = Matrix([r(v) for v in c.entries()] + [1])
    cost = [0] * n + [-1]
    _opt, arg = linprog(Matrix(cost + [-v for v in cost]).T, Ap, bp)
    z = [_sf(arg[k]) - _sf(arg[k + n + 1]) for k in range(n + 1)]
    t = z[-1]
    if t > 0:
        x = tuple(z[:n])
        if _check_point(A, c, x):
            return Cell(True, point=x, method="exact-simplex")
        raise InternalError("exact simplex returned a point outside the open cell")
    # dual: min c^T y  s.t. A^T y = 0, 1^T y = 1, y >= 0
    # (equalities as pairs of inequalities: SymPy 1.14's linprog mishandles A_eq without A)
    eq = [[r(rows[i][j]) for i in range(m)] for j in range(n)] + [[1] * m]
    Aub = Matrix(eq + [[-v for v in row] for row in eq])
    bub = Matrix([0] * n + [1] + [0] * n + [-1])
    _opt, arg = linprog(Matrix([r(v) for v in c.entries()]).T, Aub, bub)
    y = tuple(_sf(v) for v in arg)
    ok, strict = check_multipliers(A, c, y)
    if not ok:
        raise InternalError("exact simplex returned multipliers that do not certify an empty cell")
    return Cell(False, multipliers=y, empty=strict, method="exact-simplex")


def open_cell(A: fmpq_mat, c: fmpq_mat) -> Cell:
    """Decide exactly whether {x : A x < c} is non-empty, with a certificate checked here."""
    if A.nrows() == 0:
        return Cell(True, point=(Fraction(0),) * A.ncols())
    if A.ncols() == 0:  # x has no coordinates: the cell is the single point iff every c_i > 0
        ent = list(c.entries())
        if all(v > 0 for v in ent):
            return Cell(True, point=())
        i = next(k for k, v in enumerate(ent) if v <= 0)
        y = tuple(Fraction(int(k == i)) for k in range(len(ent)))
        return Cell(False, multipliers=y, empty=ent[i] < 0)
    cell = _highs(A, c)
    return cell if cell is not None else _exact(A, c)


__all__ = ["Cell", "check_multipliers", "open_cell"]
