"""Certified low-rank approximations and non-singularity, on top of the certified SVD (`_svd`).

`lowrank_approx` returns an exact point matrix L with a rigorous bound on ||LR_r(A') - L||_2 for every
A' in the balls and every choice of LR_r(A') (Wedin's theorem where the singular-value gap is
certified, a gap-free bound otherwise); `smin_of_sum_with_lowrank` and `is_nonsingular` build on it.
"""

from __future__ import annotations

from flint import arb, arb_mat, fmpq_mat

from verifier._backends.linalg._arbmat import _exact_fmpq, _working_prec, exact_rank, frobenius_upper, submatrix
from verifier._backends.linalg._svd import PrecisionExhausted, _certificate, singular_value_enclosures

__all__ = ["is_nonsingular", "lowrank_approx", "lowrank_ball", "smin_of_sum_with_lowrank"]


def is_nonsingular(A: arb_mat, prec: int) -> bool | None:
    """Tri-state non-singularity of a square A: True/False when decided for every matrix in the balls, else None.

    Exact point matrices are decided by an exact rational rank; otherwise True needs a certified
    s_min > 0 and uncertain cases give None (never False).
    """
    n = A.nrows()
    if A.ncols() != n:
        raise ValueError("is_nonsingular needs a square matrix")
    if n == 0:
        return True
    q = [_exact_fmpq(x) for x in A.entries()]
    if all(x is not None for x in q):
        return exact_rank(fmpq_mat(n, n, q)) == n
    try:
        return True if singular_value_enclosures(A, prec)[-1] > 0 else None
    except PrecisionExhausted:
        return None


# ----------------------------------------------------------------------------- low rank

def lowrank_approx(A: arb_mat, r: int, prec: int) -> tuple[arb_mat, arb]:
    """Truncated SVD L = U_r diag(s_r) V_r^T (exact point matrix) with delta >= ||LR_r(A') - L||_2.

    The bound holds for every A' in the balls and every choice of LR_r(A') (any truncated SVD).
    delta = min(B_wedin, B_free):
      * B_free = s_{r+1}(A')^up + ||A - L||_F^up, since ||A' - LR_r(A')||_2 = s_{r+1}(A').
      * B_wedin: with U = U_hat H_U (polar), A_tilde = U_hat D V_hat^T, ||A' - A_tilde|| <= eps =
        s_1 (h_U (1+h_V) + h_V) + (1+h_U)(1+h_V) f, h = 1/sqrt(1-g) - 1. Wedin's sin-theta theorem
        (Stewart-Sun V.4.4) with certified gap gam = max(s_r - s_{r+1}(A')^up, s_r(A')^lo - s_{r+1})
        > 0 gives ||P' - P|| <= eps/gam and ||P'A' - P A_tilde|| <= eps (2 + (s_{r+1}(A')^up + s_{r+1})/gam);
        the non-orthogonality adds s_1 (g_U + sqrt(1+g_U) g_V) and rounding of L adds ||L_ball - L||_F.
        B_wedin = +inf when the gap is not certified (ties at position r); B_free keeps delta
        finite there, but it is then at least s_{r+1} (large), never a wrong small bound.
    r = 0 gives (0, 0); r >= min(m, n) gives delta = ||A - L||_F^up.  delta is an exact arb point
    (possibly +inf).
    """
    m, n = A.nrows(), A.ncols()
    k = min(m, n)
    if r < 0:
        raise ValueError("rank must be >= 0")
    if r == 0:
        return arb_mat(m, n), arb(0)
    U, s, V, f, gU, gV, enc = _certificate(A, prec)
    rr = min(r, k)
    with _working_prec(prec):
        Sr = arb_mat(rr, rr)
        for i in range(rr):
            Sr[i, i] = s[i]
        Lb = submatrix(U, range(m), range(rr)) * Sr * submatrix(V, range(n), range(rr)).transpose()
        L = Lb.mid()
        e_fro = frobenius_upper(A - L)
        if r >= k:
            return L, e_fro
        free = (enc[r].upper() + e_fro).upper()
        gap = max(s[r - 1] - enc[r].upper(), enc[r - 1].lower() - s[r], key=float)
        if not gap > 0:
            return L, free
        hU, hV = 1 / (1 - gU).sqrt() - 1, 1 / (1 - gV).sqrt() - 1
        eps = s[0] * (hU * (1 + hV) + hV) + (1 + hU) * (1 + hV) * f
        wedin = eps * (2 + (enc[r].upper() + s[r]) / gap) + s[0] * (gU + (1 + gU).sqrt() * gV)
        wedin = (wedin + frobenius_upper(Lb - L)).upper()
        return L, (wedin if wedin < free else free)


def lowrank_ball(A: arb_mat, r: int, prec: int) -> arb_mat:
    """A ball matrix containing LR_r(A') for every A' in the balls of A and every truncated SVD.

    The point matrix of `lowrank_approx` with every entry's radius grown by its spectral bound
    delta (an entry is bounded by the spectral norm), so later ball arithmetic (products,
    inverses) carries a rigorous enclosure of the true low-rank term. Ties at position r give a
    wide (possibly infinite) ball, never a wrong narrow one.
    """
    L, delta = lowrank_approx(A, r, prec)
    with _working_prec(prec):
        return arb_mat(L.nrows(), L.ncols(), [arb(x.mid(), (x.rad() + delta).upper()) for x in L.entries()])


def smin_of_sum_with_lowrank(M: arb_mat, E: arb_mat, r: int, prec: int) -> arb:
    """Enclosure of s_min(M' + LR_r(E')) for all M', E' in the balls (LR_0 = 0), via Weyl.

    Returns [+/- inf] only if the low-rank bound delta is infinite.
    """
    if (M.nrows(), M.ncols()) != (E.nrows(), E.ncols()):
        raise ValueError("M and E must have the same shape")
    L, delta = lowrank_approx(E, r, prec)
    with _working_prec(prec):
        enc = singular_value_enclosures(M + L, prec)[-1]
        if not delta.is_finite():
            return arb(0).union(arb.pos_inf())
        lo = (enc.lower() - delta).lower()
        lo = arb(0) if lo < 0 else lo
        return lo.union((enc.upper() + delta).upper())
