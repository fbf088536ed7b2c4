"""Certified lower bounds on the error of every member of a parameter family (refuting "there exist
parameters with error <= b" needs one: a construction that misses refutes nothing).

Building blocks, each exact or certified:

- `least_squares_min`: min_theta sum_j w_j (A theta - y)_j^2, exactly (normal equations in rationals).
- `lowrank_min`: min over rank(Delta) <= R (and a free bias) of sum_j w_j ||Delta x_j + b - t_j||^2 by
  Eckart-Young: ||T'||_F^2 - (sum of the R largest eigenvalues of G), G = T W X^T (X W X^T)^+ X W T^T,
  with the eigenvalues enclosed in certified arithmetic (exact when R >= rank G).
- `case_split`: the minimum over cases that cover the family, each with its own bound.
- `relu_layer_lower_bound`: the family x -> ReLU((W0 + Delta) x + b), rank(Delta) <= R, b free, on a
  finite-support law: a case split over activation patterns on the data points.

A `LowerBound` says what it bounds, how, and case by case; `refutation(b)` turns it into the
engine's `Refutation` when it exceeds b.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations
from typing import Any, Literal

from flint import arb_mat, fmpq, fmpq_mat

from verifier._errors import UsageError
from verifier._evidence._rat import arb_to_fracs, as_matrix, fm, frac, js

Evidence = Literal["exact", "certified"]


@dataclass(frozen=True, slots=True)
class Case:
    """One case of a split: every member of the family in this case has error >= bound."""

    label: str
    bound: Fraction
    evidence: Evidence
    method: str

    def to_json(self) -> dict[str, Any]:
        return {"case": self.label, "bound": js(self.bound), "approx": float(self.bound), "evidence": self.evidence,
                "method": self.method}


@dataclass(frozen=True, slots=True)
class LowerBound:
    """Every member of `family` has error >= value (exact or certified), by the cases listed.

    Args:
        value: the certified lower bound (a rational).
        evidence: "exact" when every case bound is exact, else "certified".
        family: the family, in words.
        error: the error measured, in words.
        coverage: why the cases cover the whole family.
        cases: the cases, each with its bound.
    """

    value: Fraction
    evidence: Evidence
    family: str
    error: str
    coverage: str
    cases: tuple[Case, ...] = field(default_factory=tuple)

    def certificate(self, claimed: Any = None) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "lower-bound", "family": self.family, "error": self.error,
                               "value": js(self.value), "approx": float(self.value), "evidence": self.evidence,
                               "combination": "minimum over cases that cover the family", "coverage": self.coverage,
                               "cases": [c.to_json() for c in self.cases]}
        if claimed is not None:
            b = _upper(claimed)
            out |= {"claimed_bound": js(b), "refutes": self.value > b}
        return out

    def refutes(self, claimed: Any) -> bool:
        """value > claimed (a rational, or an Enclosure / ball whose upper end is used)."""
        return self.value > _upper(claimed)

    def refutation(self, claimed: Any, what: str = "the existential error bound") -> Any:
        """An engine `Refutation` when value > claimed, else None."""
        from verifier._records import Refutation

        if not self.refutes(claimed):
            return None
        b = _upper(claimed)
        return Refutation(self.evidence, f"{what} fails: every member of {self.family} has {self.error} >= "
                                         f"{float(self.value):.6g} > {float(b):.6g} (certified lower bound, "
                                         f"{len(self.cases)} cases)", self.certificate(claimed))


def _upper(x: Any) -> Fraction:
    from flint import arb

    if hasattr(x, "hi") and hasattr(x, "lo"):
        return x.hi
    if isinstance(x, arb):
        return arb_to_fracs(x)[1]
    return frac(x, "claimed bound")


def _w(weights: Sequence[Any] | None, n: int) -> list[fmpq]:
    if weights is None:
        return [fmpq(1, n)] * n
    w = [frac(v) for v in weights]
    if len(w) != n or any(v < 0 for v in w):
        raise UsageError(f"need {n} non-negative weights, got {len(w)}")
    return [fmpq(v.numerator, v.denominator) for v in w]


def _f(v: fmpq) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def least_squares_min(A: Any, y: Sequence[Any], weights: Sequence[Any] | None = None) -> Fraction:
    """min_theta sum_j w_j ((A theta)_j - y_j)^2, exactly (weights default to 1/N)."""
    Am = fm(as_matrix(A, "A"))
    n, k = Am.nrows(), Am.ncols()
    yv = fmpq_mat(n, 1, [fmpq(v.numerator, v.denominator) for v in (frac(t) for t in y)])
    w = _w(weights, n)
    WA = fmpq_mat(n, k, [w[i] * Am[i, j] for i in range(n) for j in range(k)])
    G, h = Am.transpose() * WA, WA.transpose() * yv
    theta = _solve_consistent(G, h)
    r = Am * theta - yv
    return _f(sum((w[i] * r[i, 0] ** 2 for i in range(n)), fmpq(0)))


def _solve_consistent(G: fmpq_mat, h: fmpq_mat) -> fmpq_mat:
    """A solution of G x = h for a consistent system (normal equations always are)."""
    k = G.ncols()
    aug = fmpq_mat(G.nrows(), k + 1, [v for i in range(G.nrows()) for v in [*(G[i, j] for j in range(k)), h[i, 0]]])
    R, rank = aug.rref()
    x = fmpq_mat(k, 1)
    for i in range(rank):
        p = next(j for j in range(k + 1) if R[i, j] != 0)
        if p == k:
            raise ArithmeticError("inconsistent normal equations")
        x[p, 0] = R[i, k]
    return x


def _pinv_psd(S: fmpq_mat) -> fmpq_mat:
    """The Moore-Penrose inverse of a symmetric matrix, exactly (via a rank factorisation S = C F)."""
    if S.nrows() == 0:
        return S
    R, rank = S.rref()
    if rank == S.nrows():
        return S.inv()
    piv = [next(j for j in range(S.ncols()) if R[i, j] != 0) for i in range(rank)]
    C = fmpq_mat(S.nrows(), rank, [S[i, j] for i in range(S.nrows()) for j in piv])
    F = fmpq_mat(rank, S.ncols(), [R[i, j] for i in range(rank) for j in range(S.ncols())])
    return F.transpose() * (F * F.transpose()).inv() * (C.transpose() * C).inv() * C.transpose()


def lowrank_min(X: Any, T: Any, rank: int, weights: Sequence[Any] | None = None, free_bias: bool = False,
                prec: int = 256) -> Case:
    """min over Delta with rank(Delta) <= rank (and b, if free_bias) of sum_j w_j ||Delta x_j + b - t_j||^2.

    Args:
        X: D x N data (columns = points); T: m x N targets; weights: N probabilities (default 1/N).
    """
    Xm, Tm = fm(as_matrix(X, "X")), fm(as_matrix(T, "T"))
    n = Xm.ncols()
    if Tm.ncols() != n:
        raise UsageError(f"X has {n} columns but T has {Tm.ncols()}")
    if not isinstance(rank, int) or rank < 0:
        raise UsageError(f"rank must be an int >= 0, got {rank!r}")
    w = _w(weights, n)
    if free_bias:
        tot = sum(w, fmpq(0))
        if tot == 0:
            return Case("no mass", Fraction(0), "exact", "all weights are 0")
        mx = [sum((w[j] * Xm[i, j] for j in range(n)), fmpq(0)) / tot for i in range(Xm.nrows())]
        mt = [sum((w[j] * Tm[i, j] for j in range(n)), fmpq(0)) / tot for i in range(Tm.nrows())]
        Xm = fmpq_mat(Xm.nrows(), n, [Xm[i, j] - mx[i] for i in range(Xm.nrows()) for j in range(n)])
        Tm = fmpq_mat(Tm.nrows(), n, [Tm[i, j] - mt[i] for i in range(Tm.nrows()) for j in range(n)])
    XW = fmpq_mat(Xm.nrows(), n, [Xm[i, j] * w[j] for i in range(Xm.nrows()) for j in range(n)])
    TW = fmpq_mat(Tm.nrows(), n, [Tm[i, j] * w[j] for i in range(Tm.nrows()) for j in range(n)])
    total = sum((TW[i, j] * Tm[i, j] for i in range(Tm.nrows()) for j in range(n)), fmpq(0))
    G = TW * Xm.transpose() * _pinv_psd(XW * Xm.transpose()) * XW * Tm.transpose()
    gr = G.rank()
    if rank >= gr:
        tr = sum((G[i, i] for i in range(G.nrows())), fmpq(0))
        return Case(f"rank <= {rank}", _f(total - tr), "exact",
                    f"least squares (rank {rank} >= rank of the optimal correction {gr}), exact")
    from verifier._backends._certified import working_prec
    from verifier._backends.linalg._svd import singular_value_enclosures

    with working_prec(prec):
        eig = singular_value_enclosures(arb_mat(G), prec)  # G is symmetric PSD: eigenvalues = singular values
        top = sum(eig[:rank], arb_mat(1, 1)[0, 0])
        lb = arb_to_fracs(total - top)[0]
    return Case(f"rank <= {rank}", lb, "certified",
                f"Eckart-Young: ||T||_W^2 minus the {rank} largest eigenvalues of G (certified enclosures)")


def case_split(family: str, error: str, coverage: str, cases: Iterable[Case]) -> LowerBound:
    """The minimum over cases covering the family (the caller states why they cover it)."""
    cs = tuple(cases)
    if not cs:
        raise UsageError("a case split needs at least one case")
    ev: Evidence = "exact" if all(c.evidence == "exact" for c in cs) else "certified"
    return LowerBound(min(c.bound for c in cs), ev, family, error, coverage, cs)


def relu_layer_lower_bound(W0: Any, X: Any, Y: Any, rank: int, weights: Sequence[Any] | None = None,
                           output_relu: bool = True, max_points: int = 12) -> LowerBound | None:
    """Every x -> ReLU((W0 + Delta) x + b) with rank(Delta) <= rank, b free, has error
    sum_j w_j ||f(x_j) - y_j||^2 >= the returned value on the points X (D x N) with targets Y (m x N).

    Cases: (A) every unit is active at every point: the network is affine on the data, and
    Eckart-Young bounds the error; (B) some unit i0 is inactive somewhere: per unit, the minimum over
    its activation sets S of the least-squares error on S plus sum_{j not in S} w_j y_ij^2 (the rank
    constraint and the sign constraints dropped, which only lowers the bound), with i0 restricted
    to sets S != all points. Without output ReLU the family is affine and (A) alone is exact.
    Returns None when there are more than `max_points` points (2^N activation sets per unit).
    """
    W0m, Xm, Ym = as_matrix(W0, "W0"), as_matrix(X, "X"), as_matrix(Y, "Y")
    m, n = W0m.nrows, Xm.ncols
    T = Ym - W0m @ Xm
    fam = f"x -> {'ReLU(' if output_relu else '('}(W0 + Delta) x + b) with rank(Delta) <= {rank}, b free"
    err = "sum_j w_j ||f(x_j) - y_j||^2"
    full = lowrank_min(Xm, T, rank, weights, free_bias=True)
    full = Case("every unit active at every point (affine on the data)", full.bound, full.evidence, full.method)
    if not output_relu:
        return case_split(fam, err, "one case: the family is affine", [full])
    if n > max_points:
        return None
    w = [frac(v) for v in weights] if weights is not None else [Fraction(1, n)] * n
    xs = [list(c) for c in zip(*Xm.rows(), strict=True)]
    yr = Ym.rows()
    best_any: list[Fraction] = []
    best_partial: list[Fraction] = []
    for i in range(m):
        per_set: dict[tuple[int, ...], Fraction] = {}
        for size in range(n + 1):
            for S in combinations(range(n), size):
                off = sum((w[j] * yr[i][j] ** 2 for j in range(n) if j not in S), Fraction(0))
                if S:
                    A = [[*xs[j], Fraction(1)] for j in S]
                    ws = [w[j] for j in S]
                    on = least_squares_min(A, [yr[i][j] for j in S], ws)
                else:
                    on = Fraction(0)
                per_set[S] = on + off
        best_any.append(min(per_set.values()))
        best_partial.append(min(v for S, v in per_set.items() if len(S) < n))
    total_any = sum(best_any, Fraction(0))
    partial = min(total_any - best_any[i] + best_partial[i] for i in range(m))
    caseB = Case("some unit inactive at some point", partial, "exact",
                 f"per unit, least squares over its {2 ** n} activation sets on the data (rank and sign constraints "
                 "dropped); the unit that is inactive somewhere restricted to proper subsets")
    return case_split(fam, err, "every parameter either keeps every unit active at every data point (A) or not (B)",
                      [full, caseB])



LowerBoundFn = Callable[..., LowerBound | None]

__all__ = ["Case", "LowerBound", "case_split", "least_squares_min", "lowrank_min", "relu_layer_lower_bound"]
