"""Checks for the non-singularity assumptions many matrix theorems share, at the strongest level
the instance allows: exact determinants where the matrix is rational, certified singular-value
enclosures where a best low-rank approximation (irrational in general) is involved."""

from __future__ import annotations

from collections.abc import Sequence

from verifier._exactops import exact_det, exact_rank, exact_sub
from verifier._matrix import RatMatrix
from verifier._records import AssumptionResult


def _norm2(m: RatMatrix) -> float:
    import numpy as np

    return float(np.linalg.norm(m.to_numpy(), 2))


def _rel_smin(m: RatMatrix) -> float:
    """s_min / s_max in float64: a cheap distance-to-singularity estimate (a search margin, not evidence)."""
    import numpy as np

    s = np.linalg.svd(m.to_numpy(), compute_uv=False)
    return float(s[-1] / s[0]) if s.size and s[0] > 0 else 0.0


def all_nonsingular(mats: Sequence[RatMatrix], what: str = "W") -> AssumptionResult:
    """Every matrix has a non-zero determinant (exact)."""
    for k, m in enumerate(mats):
        if m.nrows != m.ncols:
            return AssumptionResult("violated", "exact", f"{what}_{k + 1} is not square ({m.nrows}x{m.ncols})", 0.0)
        if exact_det(m) == 0:
            return AssumptionResult("violated", "exact", f"{what}_{k + 1} is singular (exact determinant 0)", 0.0)
    return AssumptionResult("holds", "exact", f"all {len(mats)} determinants non-zero (exact)",
                            min((_rel_smin(m) for m in mats), default=1.0))


def lowrank_corrections_nonsingular(base: RatMatrix, target: RatMatrix, rmax: int, prec: int = 170,
                                    max_prec: int = 680) -> AssumptionResult:
    """`base + LR_r(target - base)` is non-singular for every r in 0..rmax.

    For r >= rank(E) the matrix is the rational `target` itself and the check is exact; below it
    LR_r(E) is irrational in general and the smallest singular value is enclosed in ball
    arithmetic, including a rigorous bound on the error of the computed LR_r. A tie in the
    singular values at r makes LR_r ambiguous and the answer inconclusive.
    """
    e = exact_sub(target, base)
    k = exact_rank(e)
    if exact_det(base) == 0:
        return AssumptionResult("violated", "exact", "r=0: the frozen product is singular (exact)", 0.0)
    if rmax >= k and exact_det(target) == 0:
        return AssumptionResult("violated", "exact", f"r={k}: product + LR_r(E) = target is singular (exact)", 0.0)
    margin = min(_rel_smin(base), _rel_smin(target) if rmax >= k else 1.0)
    certified = [r for r in range(1, min(rmax, k - 1) + 1)]
    if not certified:
        return AssumptionResult("holds", "exact", f"r=0..{rmax}: exact determinants non-zero (rank(E)={k})", margin)
    from verifier._backends.linalg._arbmat import to_arb_mat
    from verifier._backends.linalg._lowrank import smin_of_sum_with_lowrank

    worst = None
    for r in certified:
        p = prec
        while True:
            s = smin_of_sum_with_lowrank(to_arb_mat(base.rows(), p), to_arb_mat(e.rows(), p), r, p)
            if s > 0:
                break
            if p * 2 > max_prec:
                return AssumptionResult(
                    "inconclusive", "certified",
                    f"r={r}: s_min(product + LR_r(E)) enclosure {s.str(5)} is not certified positive "
                    f"(tie in singular values of E, or (near-)singular) up to prec={p} bits", 0.0)
            p *= 2
        worst = s if worst is None or s.mid() < worst.mid() else worst
    if worst is not None:  # relative to the frozen product's norm: the search margin
        margin = min(margin, abs(float(worst.mid())) / max(_norm2(base), 1e-300))
    shown = worst.str(5) if worst is not None else "-"
    return AssumptionResult("holds", "certified", f"r=0..{rmax}: smallest certified s_min = {shown}", margin)
