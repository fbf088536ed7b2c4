"""Polyhedral domains {x : A x <= c, E x = e} and their reduction to a full-dimensional cell.

A piecewise-linear question on a polyhedron P is asked on the interior of P inside its affine hull:
P = {x0 + N y : A N y <= c - A x0} with a cell in y-space that has interior points. Implicit
equalities are found exactly: when the open cell is empty but its multipliers y have y^T c = 0,
every row in y's support is tight on all of P (each term of y^T (c - A x) >= 0 sums to 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flint import fmpq, fmpq_mat

from verifier._errors import UsageError
from verifier._evidence._lp import open_cell
from verifier._evidence._rat import Vector, as_matrix, dot, fm, js_mat, js_vec, vector
from verifier._matrix import RatMatrix


@dataclass(frozen=True, slots=True)
class Polyhedron:
    """The set {x in R^dim : A x <= c, E x = e} (no rows: all of R^dim).

    Args:
        dim: the dimension of the space.
        A, c: inequality rows (m x dim and m x 1), or None.
        E, e: equality rows (k x dim and k x 1), or None.
    """

    dim: int
    A: RatMatrix | None = None
    c: RatMatrix | None = None
    E: RatMatrix | None = None
    e: RatMatrix | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.dim, int) or self.dim < 1:
            raise UsageError(f"a polyhedron needs dim >= 1, got {self.dim!r}")
        for name, m, v in (("A", self.A, self.c), ("E", self.E, self.e)):
            if (m is None) != (v is None):
                raise UsageError(f"polyhedron: give both {name} and its right-hand side, or neither")
            if m is not None and v is not None and (m.ncols != self.dim or v.shape != (m.nrows, 1)):
                raise UsageError(f"polyhedron: {name} must be k x {self.dim} with a k x 1 right-hand side, got "
                                 f"{m.shape} and {v.shape}")

    @classmethod
    def whole(cls, dim: int) -> Polyhedron:
        """All of R^dim."""
        return cls(dim)

    @classmethod
    def box(cls, lo: Sequence[Any], hi: Sequence[Any]) -> Polyhedron:
        """The box lo <= x <= hi (exact rationals)."""
        lv, hv = vector(lo, "lo"), vector(hi, "hi")
        if len(lv) != len(hv) or any(a > b for a, b in zip(lv, hv, strict=True)):
            raise UsageError("box: need lo <= hi, coordinate by coordinate, of the same length")
        d = len(lv)
        rows = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
        rows += [[-v for v in r] for r in rows]
        return cls(d, as_matrix(rows), RatMatrix(2 * d, 1, (*hv, *(-v for v in lv))))

    @classmethod
    def build(cls, A: Any, c: Sequence[Any], E: Any = None, e: Sequence[Any] | None = None) -> Polyhedron:
        """From rows of exact numbers: {x : A x <= c, E x = e}."""
        am = as_matrix(A, "A")
        cm = RatMatrix(len(c), 1, vector(c, "c"))
        em = as_matrix(E, "E") if E is not None else None
        ev = RatMatrix(len(e), 1, vector(e, "e")) if e is not None else None
        return cls(am.ncols, am, cm, em, ev)

    def contains(self, x: Sequence[Any]) -> bool:
        """Exact membership."""
        xv = vector(x, "x")
        ok = True
        if self.A is not None and self.c is not None:
            ok = all(dot(r, xv) <= ci for r, ci in zip(self.A.rows(), self.c.entries, strict=True))
        if ok and self.E is not None and self.e is not None:
            ok = all(dot(r, xv) == ei for r, ei in zip(self.E.rows(), self.e.entries, strict=True))
        return ok

    def describe(self) -> str:
        if self.A is None and self.E is None:
            return f"R^{self.dim}"
        parts = []
        if self.A is not None:
            parts.append(f"{self.A.nrows} inequalities")
        if self.E is not None:
            parts.append(f"{self.E.nrows} equalities")
        return f"polyhedron in R^{self.dim} ({', '.join(parts)})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dim": self.dim}
        if self.A is not None and self.c is not None:
            out |= {"A": js_mat(self.A), "c": js_vec(self.c.entries)}
        if self.E is not None and self.e is not None:
            out |= {"E": js_mat(self.E), "e": js_vec(self.e.entries)}
        return out


@dataclass(frozen=True, slots=True)
class Reduced:
    """P = {x0 + N y : A y <= c} with a y-cell that has interior points (N: dim x k), or P empty.

    Args:
        x0, N, A, c: the parametrisation (fmpq matrices); A y < c has `point` inside.
        point: an interior point of the y-cell.
        empty: P is empty; `why` then says how that was proved exactly.
        equalities: the rows found to be implicit equalities (indices into P.A).
    """

    x0: fmpq_mat
    N: fmpq_mat
    A: fmpq_mat
    c: fmpq_mat
    point: Vector
    empty: bool = False
    why: str = ""
    equalities: tuple[int, ...] = ()

    @property
    def full(self) -> bool:
        """The parametrisation is the identity (P has interior points in R^dim)."""
        return self.N.nrows() == self.N.ncols() and self.x0.entries() == [0] * self.x0.nrows() and \
            all(self.N[i, j] == int(i == j) for i in range(self.N.nrows()) for j in range(self.N.ncols()))

    def lift(self, y: Sequence[Fraction]) -> Vector:
        """x = x0 + N y."""
        from verifier._evidence._rat import col, entries

        return entries(self.x0 + self.N * col(y))


def _affine_solution(E: fmpq_mat, e: fmpq_mat) -> tuple[fmpq_mat, fmpq_mat] | None:
    """(x_p, N) with {x : E x = e} = {x_p + N y}, or None if inconsistent."""
    k, d = E.nrows(), E.ncols()
    aug = fmpq_mat(k, d + 1, [v for i in range(k) for v in ([E[i, j] for j in range(d)] + [e[i, 0]])])
    R, rank = aug.rref()
    rows = R.tolist()
    pivots = []
    for i in range(rank):
        p = next(j for j, v in enumerate(rows[i]) if v != 0)
        if p == d:
            return None
        pivots.append(p)
    free = [j for j in range(d) if j not in pivots]
    xp = fmpq_mat(d, 1)
    for i, p in enumerate(pivots):
        xp[p, 0] = rows[i][d]
    N = fmpq_mat(d, len(free))
    for c_, f in enumerate(free):
        N[f, c_] = 1
        for i, p in enumerate(pivots):
            N[p, c_] = -rows[i][f]
    return xp, N


def reduce(P: Polyhedron) -> Reduced:
    """Parametrise P's affine hull and find an interior point of P inside it (exact, certified)."""
    d = P.dim
    A = fm(P.A) if P.A is not None else fmpq_mat(0, d)
    c = fm(P.c) if P.c is not None else fmpq_mat(0, 1)
    eq_rows = [list(r) for r in (fm(P.E).tolist() if P.E is not None else [])]
    eq_rhs = list(fm(P.e).entries()) if P.e is not None else []
    implicit: list[int] = []
    arows, crows = A.tolist(), list(c.entries())
    while True:
        if eq_rows:
            sol = _affine_solution(fmpq_mat(eq_rows), fmpq_mat([[v] for v in eq_rhs]))
            if sol is None:
                return Reduced(fmpq_mat(d, 1), fmpq_mat(d, 0), fmpq_mat(0, 0), fmpq_mat(0, 1), (), True,
                               "the equalities (given, and implied by the inequalities) are inconsistent",
                               tuple(implicit))
            x0, N = sol
        else:
            x0 = fmpq_mat(d, 1)
            N = fmpq_mat(d, d, [int(i == j) for i in range(d) for j in range(d)])
        k = N.ncols()
        live = [i for i in range(len(arows)) if i not in implicit]
        Ay = fmpq_mat(len(live), d, [v for i in live for v in arows[i]]) * N if live else fmpq_mat(0, k)
        cy = fmpq_mat(len(live), 1, [crows[i] for i in live]) - (
            fmpq_mat(len(live), d, [v for i in live for v in arows[i]]) * x0 if live else fmpq_mat(0, 1))
        keep = []
        for r in range(len(live)):
            if all(Ay[r, j] == 0 for j in range(k)):
                if cy[r, 0] < 0:
                    return Reduced(x0, N, Ay, cy, (), True, f"inequality {live[r]} reads 0 <= {cy[r, 0]} on the "
                                   "affine hull", tuple(implicit))
                continue  # vacuous on the affine hull
            keep.append(r)
        Ak = fmpq_mat(len(keep), k, [Ay[r, j] for r in keep for j in range(k)]) if keep else fmpq_mat(0, k)
        ck = fmpq_mat(len(keep), 1, [cy[r, 0] for r in keep]) if keep else fmpq_mat(0, 1)
        cell = open_cell(Ak, ck)
        if cell.open:
            assert cell.point is not None
            return Reduced(x0, N, Ak, ck, cell.point, False, "", tuple(implicit))
        assert cell.multipliers is not None
        if cell.empty:
            return Reduced(x0, N, Ak, ck, (), True, "Farkas multipliers y >= 0 with y^T A = 0, y^T c < 0 "
                           f"(rows {[live[keep[i]] for i, v in enumerate(cell.multipliers) if v]})", tuple(implicit))
        for i, v in enumerate(cell.multipliers):
            if v:
                implicit.append(live[keep[i]])
                eq_rows.append(list(arows[live[keep[i]]]))
                eq_rhs.append(crows[live[keep[i]]])


def identity_reduction(d: int) -> Reduced:
    return Reduced(fmpq_mat(d, 1), fmpq_mat(d, d, [int(i == j) for i in range(d) for j in range(d)]),
                   fmpq_mat(0, d), fmpq_mat(0, 1), (Fraction(0),) * d)


def fmpq_col(v: Sequence[Fraction]) -> fmpq_mat:
    return fmpq_mat(len(v), 1, [fmpq(x.numerator, x.denominator) for x in v])


__all__ = ["Polyhedron", "Reduced", "identity_reduction", "reduce"]
