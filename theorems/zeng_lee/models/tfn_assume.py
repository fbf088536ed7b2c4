"""Assumptions 3 and 4 (p34, p37) on an instance: exact determinants, certified singular values, and
exact certificates of singularity where the best rank-r approximation happens to be rational.

Each assumption asks `base + LR_r(target - base)` to be non-singular for a list of (base, target) and a
range of r. `conditions` lists them as printed; for Assumption 3 the printed (Q, K) condition of block
l >= 2 reads `W_Kl W_Ql` (no transpose), while Lemma 7 on the pair (W_Ql, W_Kl^T) needs `W_Kl^T W_Ql`:
the reading "transposed" lists what the proof uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from theorems.zeng_lee.models.tfn import HEAD_NAMES, SINGLE_NAMES, is_single
from theorems.zeng_lee.models.tfn_exact import cached, exact_analysis
from verifier import AssumptionResult, Instance, RatMatrix, exact_det, exact_product, exact_rank, exact_sub

Reading = Literal["printed", "transposed"]
#: A certified s_min at least this large shows non-singularity in the claims (as for A-UNI).
NONSINGULAR_MARGIN = Fraction(1, 2**80)


@dataclass(frozen=True, slots=True)
class Condition:
    """`base + LR_r(target - base)` must be non-singular for r = 1..rmax."""

    label: str
    base: RatMatrix
    target: RatMatrix
    rmax: int


def _weights(inst: Instance) -> list[tuple[str, RatMatrix]]:
    out = []
    names = SINGLE_NAMES if is_single(inst.parameters) else HEAD_NAMES
    for suffix in ("", "bar"):
        for n in (*names, "W1", "W2"):
            out += [(f"{n}{suffix}[{k + 1}]", m) for k, m in enumerate(inst.matrices[n + suffix])]
        out.append(("Wout" + suffix, inst.matrices["Wout" + suffix]))
    return out


def weights_nonsingular(inst: Instance) -> AssumptionResult:
    """Every weight matrix of both TFNs is non-singular (exact determinants)."""
    for name, m in _weights(inst):
        if exact_det(m) == 0:
            return AssumptionResult("violated", "exact", f"{name} is singular (exact determinant 0)", 0.0)
    return AssumptionResult("holds", "exact", "every weight matrix of both TFNs has a non-zero determinant (exact)")


def conditions(inst: Instance, reading: Reading = "printed", rmax: int | None = None) -> list[Condition]:
    """The matrices Assumption 3 (single-head, r in [D]) or 4 (multi-head, r in [R]) asks to be non-singular.

    Assumption 4 and the transposed reading of Assumption 3 are exactly Lemma 7's hypotheses for the
    pairs of the proof; the printed Assumption 3 replaces W_Kl^T W_Ql by W_Kl W_Ql for l >= 2. `rmax`
    overrides the range of r (Lemma 14 asks Assumption 4 for every R, i.e. r in [D]).
    """
    single = is_single(inst.parameters)
    if rmax is None:
        rmax = inst.p("D") if single else inst.p("R")
    out = []
    for p in exact_analysis(inst).pairs:
        base = p.base
        if single and reading == "printed" and p.kind == "qk" and p.block >= 2:
            i = p.block - 1
            base = exact_product([inst.matrices["WQ"][i], inst.matrices["WK"][i]])  # W_Kl W_Ql, as printed
        out.append(Condition(p.label, base, p.target, rmax))
    return out


def exact_lowrank(e: RatMatrix, r: int) -> RatMatrix | None:
    """LR_r(E) when it is rational and unique, with an exact certificate; None when none was found.

    A rational guess P of the projector onto the top-r right singular vectors is accepted when, exactly,
    P = P^T = P^2, tr P = r, P commutes with A = E^T E, and for a rational t both P A P - t P + (I - P) and
    t (I - P) - (I - P) A (I - P) + P are positive definite: then range P is A-invariant, A > t on it and
    A < t on its complement, so sigma_r(E) > sigma_{r+1}(E) and LR_r(E) = E P (unique).
    """
    d = e.ncols
    if r <= 0 or r >= min(e.nrows, d):
        return None
    _u, s, vt = np.linalg.svd(e.to_numpy())
    if not s[r - 1] > s[r] * (1 + 1e-9):
        return None
    v = vt[:r].T
    p = RatMatrix(d, d, tuple(Fraction(float(x)).limit_denominator(2**24) for x in (v @ v.T).ravel()))
    if sum(p.entries[i * d + i] for i in range(d)) != r or p != _t(p) or p @ p != p:
        return None  # cheapest tests first: a generic E has an irrational projector
    eye = RatMatrix.identity(d)
    a = _t(e) @ e
    if a @ p != p @ a:
        return None
    t = Fraction(float((s[r - 1] ** 2 + s[r] ** 2) / 2)).limit_denominator(2**24)
    q = eye - p
    m1 = p @ a @ p - _scale(p, t) + q
    m2 = _scale(q, t) - q @ a @ q + p
    if not (_positive_definite(m1) and _positive_definite(m2)):
        return None
    return e @ p


def singular_certificate(base: RatMatrix, target: RatMatrix, r: int) -> str | None:
    """An exact reason why base + LR_r(target - base) is singular, or None if none is found."""
    e = exact_sub(target, base)
    k = exact_rank(e)
    if r >= k:
        return f"r = {r} >= rank(E) = {k}: base + LR_r(E) = target, exact determinant 0" \
            if exact_det(target) == 0 else None
    lr = exact_lowrank(e, r)
    if lr is None or exact_det(base + lr) != 0:
        return None
    return (f"r = {r}: LR_r(E) = E P is rational and unique (exact certificate: P an orthogonal projector "
            f"commuting with E^T E, eigenvalues separated by a rational t), and det(base + LR_r(E)) = 0 exactly")


def check_conditions(inst: Instance, reading: Reading = "printed") -> AssumptionResult:
    """Every condition of `conditions(inst, reading)` for r = 1..rmax: certified, or refuted exactly."""
    return cached(inst, "check-" + reading, lambda: _check_conditions(inst, reading))


def _check_conditions(inst: Instance, reading: Reading) -> AssumptionResult:
    worst = "exact"
    conds = conditions(inst, reading)
    for c in conds:
        prec = 170
        while True:
            margins = correction_margins(c, prec)
            if all(s > 0 for _label, s in margins):
                break
            if prec >= 680:
                for r in range(1, c.rmax + 1):
                    why = singular_certificate(c.base, c.target, r)
                    if why:
                        return AssumptionResult("violated", "exact", f"{c.label}: {why}", 0.0)
                bad = next(label for label, s in margins if not s > 0)
                return AssumptionResult("inconclusive", "certified", f"{bad}: not certified positive up to "
                                        f"{prec} bits (a tie in singular values, or singular)", 0.0)
            prec *= 2
        if margins:
            worst = "certified"  # singular-value enclosures (an exact determinant only where r = 0 is asked)
    rmax = conds[0].rmax if conds else 0
    return AssumptionResult("holds", worst, f"all {len(conds)} conditions, r = 1..{rmax}")  # type: ignore[arg-type]


def first_singular(inst: Instance, reading: Reading = "printed", rmax: int | None = None) -> str | None:
    """An exact certificate that some condition fails (a weight singular, or a singular correction)."""
    w = weights_nonsingular(inst)
    if w.status == "violated":
        return w.detail
    for c in conditions(inst, reading, rmax):
        for r in range(1, c.rmax + 1):
            why = singular_certificate(c.base, c.target, r)
            if why:
                return f"{c.label}: {why}"
    return None


@lru_cache(maxsize=512)
def correction_margins(c: Condition, prec: int) -> list[tuple[str, Any]]:
    """(label, certified enclosure of s_min(base + LR_r(E))) for r = 1..rmax (one entry for r >= rank E)."""
    from verifier.linalg import singular_value, smin_of_sum_with_lowrank, to_arb_mat

    e = exact_sub(c.target, c.base)
    k = exact_rank(e)
    d = c.base.nrows
    out = []
    for r in range(1, min(c.rmax, k - 1) + 1):
        s = smin_of_sum_with_lowrank(to_arb_mat(c.base.rows(), prec), to_arb_mat(e.rows(), prec), r, prec)
        out.append((f"{c.label}: s_min(base + LR_{r}(E))", s))
    if c.rmax >= k:
        out.append((f"{c.label}: s_min(target) (r >= rank E = {k})", singular_value(to_arb_mat(c.target.rows(), prec),
                                                                                    d, prec)))
    return out


def _t(m: RatMatrix) -> RatMatrix:
    n = m.ncols
    return RatMatrix(n, m.nrows, tuple(m.entries[i * n + j] for j in range(n) for i in range(m.nrows)))


def _scale(m: RatMatrix, c: Fraction) -> RatMatrix:
    return RatMatrix(m.nrows, m.ncols, tuple(c * x for x in m.entries))


def _positive_definite(m: RatMatrix) -> bool:
    """Exact test of a symmetric rational matrix (symmetric Gaussian elimination: all pivots > 0)."""
    a = m.rows()
    n = len(a)
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            f = a[i][k] / a[k][k]
            if f:
                for j in range(k, n):
                    a[i][j] -= f * a[k][j]
    return True


__all__ = ["NONSINGULAR_MARGIN", "Condition", "Reading", "check_conditions", "conditions", "correction_margins",
           "exact_lowrank", "first_singular", "singular_certificate", "weights_nonsingular"]
