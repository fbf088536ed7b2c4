"""Certified singular values, low-rank approximations and arb-matrix helpers built on python-flint.

Every enclosure returned here contains the true value for every matrix inside the input balls.
Approximate factors (``approx_svd``) are exact-point matrices; rigour comes from a posteriori
ball-arithmetic residual bounds, never from trusting the refinement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from fractions import Fraction
from functools import cmp_to_key, reduce

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat, fmpz

from verifier._errors import PrecisionExhausted

__all__ = [
    "PrecisionExhausted", "approx_svd", "arb_mat_from_numpy", "exact_rank", "frobenius_upper",
    "hstack", "identity", "is_nonsingular", "lowrank_approx", "mid_to_numpy", "singular_value",
    "singular_value_enclosures", "smin_of_sum_with_lowrank", "spectral_norm", "spectral_norm_upper",
    "submatrix", "to_arb_mat",
]

_GUARD = 20  # extra bits so that the refinement can reach 2^-prec despite rounding in products
_MAXIT = 12
_TAU = 2.0**-10  # a Newton correction above this is no longer a small perturbation: treat as a cluster
_FLOAT_FLOOR = 2.0**-900  # below this float64 loses digits, so residuals are rescaled first


@contextmanager
def _working_prec(bits: int) -> Iterator[None]:
    """Temporarily set the flint precision, always restoring the caller's value."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


# ----------------------------------------------------------------------------- helpers

def identity(n: int) -> arb_mat:
    """Return the n x n identity as an exact arb_mat."""
    return arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])


def submatrix(A: arb_mat, rows: range, cols: range) -> arb_mat:
    """Return the (rows, cols) block of A (entries copied, radii kept)."""
    return arb_mat(len(rows), len(cols), [A[i, j] for i in rows for j in cols])


def hstack(*blocks: arb_mat | Sequence[arb_mat]) -> arb_mat:
    """Concatenate matrices with equal row counts side by side (accepts varargs or one sequence)."""
    mats = list(blocks[0]) if len(blocks) == 1 and not isinstance(blocks[0], arb_mat) else list(blocks)
    m = mats[0].nrows()
    if any(b.nrows() != m for b in mats):
        raise ValueError("hstack: row counts differ")
    return arb_mat(m, sum(b.ncols() for b in mats),
                   [b[i, j] for i in range(m) for b in mats for j in range(b.ncols())])


def _to_arb(x: object) -> arb:
    if isinstance(x, arb):
        return x
    if isinstance(x, (bool, int, np.integer)):
        return arb(fmpz(int(x)))  # fmpz -> arb is exact, python int -> arb may round
    if isinstance(x, Fraction):
        return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, (fmpz, fmpq)):
        return arb(x)
    return arb(float(x))


def to_arb_mat(rows: list[list[float | Fraction | int]], prec: int) -> arb_mat:
    """Convert nested rows to an arb_mat.

    Floats and ints convert exactly; a Fraction p/q becomes a ball of radius about
    2^-prec |p/q| containing p/q (exact when q is a power of two).
    """
    m, n = len(rows), (len(rows[0]) if rows else 0)
    if any(len(r) != n for r in rows):
        raise ValueError("to_arb_mat: ragged rows")
    with _working_prec(prec):
        return arb_mat(m, n, [_to_arb(x) for r in rows for x in r])


def arb_mat_from_numpy(a: np.ndarray) -> arb_mat:
    """Exact conversion of a finite 2-D float64 array to an arb_mat."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or not np.all(np.isfinite(a)):
        raise ValueError("arb_mat_from_numpy needs a finite 2-D array")
    return arb_mat(a.shape[0], a.shape[1], [float(x) for x in a.ravel()])


def mid_to_numpy(A: arb_mat) -> np.ndarray:
    """Midpoints of A rounded to float64 (values outside the float range become +-inf or 0)."""
    return np.array([float(x) for x in A.entries()], dtype=np.float64).reshape(A.nrows(), A.ncols())


def frobenius_upper(A: arb_mat) -> arb:
    """Rigorous upper bound u >= ||A'||_F for every A' in the balls, as an exact arb point."""
    with _working_prec(64):  # a few bits of relative slack suffice for a bound
        acc = arb(0)
        for x in A.entries():
            u = x.abs_upper()
            acc += u * u
        return acc.sqrt().upper()


def exact_rank(A: fmpq_mat) -> int:
    """Exact rank of a rational matrix."""
    return int(A.rank())


def _exact_fmpq(x: arb) -> fmpq | None:
    if not (x.is_exact() and x.is_finite()):
        return None
    man, exp = x.mid().man_exp()
    e = int(exp)
    return fmpq(man * fmpz(2) ** e) if e >= 0 else fmpq(man, fmpz(2) ** (-e))


def _max_exponent(M: arb_mat, skip_diag: bool = False) -> int | None:
    """Smallest e with |mid| < 2^e for all (off-diagonal) entries; None when all are zero."""
    best = None
    n = M.ncols()
    for idx, x in enumerate(M.entries()):
        if skip_diag and idx // n == idx % n:
            continue
        man, exp = x.mid().man_exp()
        if man != 0:
            e = int(exp) + int(man).bit_length()
            best = e if best is None or e > best else best
    return best


def _pow2(k: int) -> arb:
    return arb(2) ** k  # exact at any precision


# ----------------------------------------------------------------------------- approximate SVD

def _oa_step(A0: arb_mat, U: arb_mat, V: arb_mat, Im: arb_mat, In: arb_mat,
             prec: int) -> tuple[arb_mat, arb_mat, list[arb], bool]:
    """One Ogita-Aishima refinement step (m >= n) with a cluster-safe fallback; also says if converged."""
    m, n = A0.nrows(), A0.ncols()
    Ut = U.transpose()
    R = (Im - Ut * U).mid()
    S = (In - V.transpose() * V).mid()
    T = (Ut * (A0 * V)).mid()
    sig = [(T[i, i] / (1 - (R[i, i] + S[i, i]) / 2)).mid() for i in range(n)]
    Rf, Sf, Tf = mid_to_numpy(R), mid_to_numpy(S), mid_to_numpy(T)
    Tf[np.arange(n), np.arange(n)] = 0.0
    res = max(np.abs(Rf).max(initial=0.0), np.abs(Sf).max(initial=0.0), np.abs(Tf).max(initial=0.0))
    k = 0
    if res < _FLOAT_FLOOR:  # rescale by an exact power of two before going to float64
        exps = [e for e in (_max_exponent(R), _max_exponent(S), _max_exponent(T, skip_diag=True)) if e is not None]
        if not exps:
            return U, V, sig, True
        k = -max(exps)
        Rf, Sf, Tf = (mid_to_numpy(X * _pow2(k)) for X in (R, S, T))
        Tf[np.arange(n), np.arange(n)] = 0.0
        res = max(np.abs(Rf).max(), np.abs(Sf).max(), np.abs(Tf).max())
    res_log2 = float(np.log2(res)) - k
    if res_log2 < -prec + _GUARD:  # residual already below 2^-target: keep U, V as they are
        return U, V, sig, True
    thr = np.ldexp(_TAU, k)  # |true| > TAU  <=>  |scaled| > TAU 2^k (inf when 2^k overflows)
    sf = np.array([float(x) for x in sig])
    slo = np.array([float(x - arb(h)) for x, h in zip(sig, sf, strict=True)])
    # sigma_j - sigma_i in double-double so that near-ties keep their relative accuracy
    dsig = (sf[None, :] - sf[:, None]) + (slo[None, :] - slo[:, None])
    T1, T2, R11, R12 = Tf[:n], Tf[n:], Rf[:n, :n], Rf[:n, n:]
    sbar = (sf[None, :] + sf[:, None]) / 2
    a = T1 + sf[None, :] * R11
    b = T1.T + sf[None, :] * Sf
    Nf, Ng = sf[None, :] * a + sf[:, None] * b, sf[:, None] * a + sf[None, :] * b
    Hs = (T1 + T1.T) / 2 + sbar * (R11 + Sf) / 2
    close = np.abs(dsig) <= 2.0**-20 * np.abs(sbar)
    close[np.arange(n), np.arange(n)] = False
    p2k = _pow2(k)
    for i, j in zip(*np.nonzero(close), strict=True):  # these numerators cancel: float64 would swamp them
        ti, tj, si, sj, rij, sij = T[i, j], T[j, i], sig[i], sig[j], R[i, j], S[i, j]
        al, be = ti + sj * rij, tj + sj * sij
        Nf[i, j], Ng[i, j] = float((sj * al + si * be) * p2k), float((si * al + sj * be) * p2k)
        Hs[i, j] = float((ti + tj + (si + sj) * (rij + sij) / 2) * p2k / 2)
    with np.errstate(all="ignore"):
        den = dsig * (sf[None, :] + sf[:, None])
        F11, G = Nf / den, Ng / den
        bad = ~(np.isfinite(F11) & np.isfinite(G)) | (np.abs(F11) > thr) | (np.abs(G) > thr)
        # gaps at the rounding-noise level carry no information: treat as ties
        bad |= np.abs(dsig) <= np.ldexp(max(1.0, np.abs(sf).max()) * n, _GUARD // 2 - prec)
        bad = bad | bad.T
        bad[np.arange(n), np.arange(n)] = False
        big = np.ldexp(sbar * _TAU, k) > res  # the cluster value dominates the residual
        # cluster: keep the subspace, re-orthonormalise, and remove the antisymmetric coupling
        K = np.where(big, (T1 - T1.T) / (4 * np.where(big, sbar, 1.0)), 0.0)
        F11 = np.where(bad, R11 / 2 + K, F11)
        G = np.where(bad, Sf / 2 - K, G)
        F11[np.arange(n), np.arange(n)] = np.diag(R11) / 2
        G[np.arange(n), np.arange(n)] = np.diag(Sf) / 2
        F12 = -(T2 / sf[None, :]).T
        F12 = np.where(np.isfinite(F12) & (np.abs(F12) <= thr), F12, R12 / 2)
    F = np.zeros((m, m))
    F[:n, :n], F[:n, n:] = F11, F12
    F[n:, :n], F[n:, n:] = Rf[n:, :n] - F12.T, Rf[n:, n:] / 2
    fmax = max(np.abs(F).max(initial=0.0), np.abs(G).max(initial=0.0))
    corr = float(np.log2(fmax)) - k if fmax > 0 else -np.inf
    # after this update the residual is about max(F^2, F res, F 2^-53) (F is formed in float64) and
    # sig is off by about F^2: stop when both are below the target, saving a residual evaluation
    done = max(2 * corr, corr + res_log2, corr - 50) < -prec + _GUARD // 2
    Fa, Ga = arb_mat_from_numpy(F), arb_mat_from_numpy(G)
    if k:
        Fa, Ga = Fa * _pow2(-k), Ga * _pow2(-k)
    U = (U + U * Fa).mid()
    V = (V + V * Ga).mid()
    rot = _cluster_rotations(bad & big, Hs, dsig, sbar, k, prec)
    if rot is not None:
        U = (U * _embed(rot, m)).mid()
        V = (V * _embed(rot, n)).mid()
    return U, V, sig, done and rot is None


def _embed(blocks: list[tuple[list[int], arb_mat]], n: int) -> arb_mat:
    Z = identity(n)
    for idx, Q in blocks:
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                Z[i, j] = Q[a, b]
    return Z


def _cluster_rotations(mask, Hs, dsig, sbar, k, prec):
    """Rotations diagonalising the symmetric coupling inside near-tie clusters (None if none needed)."""
    n = mask.shape[0]
    seen, blocks = set(), []
    for start in range(n):
        if start in seen or not mask[start].any():
            continue
        comp, stack = [], [start]
        seen.add(start)
        while stack:
            i = stack.pop()
            comp.append(i)
            for j in np.nonzero(mask[i])[0]:
                if int(j) not in seen:
                    seen.add(int(j))
                    stack.append(int(j))
        comp.sort()
        c = np.array(comp)
        H = Hs[np.ix_(c, c)].copy()
        H[np.arange(len(c)), np.arange(len(c))] = 0.0
        hmax = np.abs(H).max()
        if hmax == 0 or np.log2(hmax) - k <= -prec + np.log2(max(1.0, float(sbar[c[0], c[0]]))):
            continue  # already diagonal to working accuracy: rotating would only add noise
        H[np.arange(len(c)), np.arange(len(c))] = np.ldexp(dsig[c[0], c], k)
        _, Q = np.linalg.eigh(H)
        blocks.append((comp, _orthonormalise(arb_mat_from_numpy(Q[:, ::-1]), prec)))
    return blocks or None


def _orthonormalise(Q: arb_mat, prec: int) -> arb_mat:
    """Newton-Schulz polishing of a nearly orthogonal point matrix to about 2^-prec."""
    In = identity(Q.ncols())
    for _ in range(8):
        E = (In - Q.transpose() * Q).mid()
        if max(abs(float(x)) for x in E.entries()) < 2.0**-prec:
            break
        Q = (Q + Q * E / 2).mid()
    return Q


def approx_svd(A: arb_mat, prec: int) -> tuple[arb_mat, list[arb], arb_mat]:
    """Approximate SVD mid(A) ~ U diag(s) V^T refined to about prec bits (not rigorous by itself).

    Seeded by numpy's float64 SVD and refined by Ogita-Aishima iterations (JCAM 2020) with
    products at prec + guard bits; near-tied singular values are handled by re-orthonormalising
    within the cluster, removing the antisymmetric coupling and rotating by an eigenbasis of the
    symmetric coupling.

    Returns:
        U (m x m), s (min(m, n) exact non-negative arbs sorted decreasingly), V (n x n); all
        exact points, U and V orthogonal up to roughly 2^-prec.
    """
    m, n = A.nrows(), A.ncols()
    if m < n:
        V, s, U = approx_svd(A.transpose(), prec)
        return U, s, V
    wp = prec + _GUARD
    with _working_prec(wp), np.errstate(all="ignore"):  # inf/nan in F, G are detected and replaced
        A0 = A.mid()
        ea = _max_exponent(A0)
        if ea is None or n == 0:
            return identity(m), [arb(0)] * n, identity(n)
        A0 = A0 * _pow2(-ea)  # |entries| < 1 keeps float64 far from overflow in the updates
        Af = mid_to_numpy(A0)
        if not np.all(np.isfinite(Af)):
            raise ValueError("approx_svd: non-finite midpoint")
        u0, _, vt0 = np.linalg.svd(Af)
        U, V = arb_mat_from_numpy(u0), arb_mat_from_numpy(vt0.T)
        Im, In = identity(m), identity(n)
        sig: list[arb] = []
        for _ in range(_MAXIT):
            U, V, sig, done = _oa_step(A0, U, V, Im, In, wp)
            if done:
                break
        order = sorted(range(n), key=cmp_to_key(lambda i, j: (abs(sig[j]) > abs(sig[i])) - (abs(sig[j]) < abs(sig[i]))))
        sign = [-1 if sig[i] < 0 else 1 for i in range(n)]
        perm_u = order + list(range(n, m))
        U = arb_mat(m, m, [U[r, perm_u[c]] for r in range(m) for c in range(m)])
        V = arb_mat(n, n, [V[r, order[c]] * sign[order[c]] for r in range(n) for c in range(n)])
        s = [abs(sig[i]) * _pow2(ea) for i in order]
    return U, s, V


# ----------------------------------------------------------------------------- enclosures

def _certificate(A: arb_mat, prec: int, svd=None):
    """Residual bounds (f, g_U, g_V) of an approximate SVD and the singular-value enclosures."""
    m, n = A.nrows(), A.ncols()
    U, s, V = svd if svd is not None else approx_svd(A, prec)
    with _working_prec(prec):
        D = arb_mat(m, n)
        for i, x in enumerate(s):
            D[i, i] = x
        f = frobenius_upper(U.transpose() * A * V - D)
        gU = frobenius_upper(U.transpose() * U - identity(m))
        gV = frobenius_upper(V.transpose() * V - identity(n))
        if not (gU < 1 and gV < 1):
            raise PrecisionExhausted(
                f"singular-value enclosure needs g_U, g_V < 1 (got {float(gU):.3g}, {float(gV):.3g}) "
                f"at prec={prec} bits; try prec >= {2 * prec}")
        lo_fac = 1 / ((1 + gU) * (1 + gV)).sqrt()
        hi_fac = 1 / ((1 - gU) * (1 - gV)).sqrt()
        enc = []
        for x in s:
            lo = ((x - f) * lo_fac).lower()
            lo = arb(0) if lo < 0 else lo
            enc.append(lo.union(((x + f) * hi_fac).upper()))
    return U, s, V, f, gU, gV, enc


def singular_value_enclosures(A: arb_mat, prec: int) -> list[arb]:
    """Certified enclosures of all min(m, n) singular values of every matrix in the balls of A.

    With U^T A V = diag(s) + F, ||U^T U - I|| <= g_U, ||V^T V - I|| <= g_V (ball arithmetic),
    s_i(A) lies in [(s_i - f)/sqrt((1+g_U)(1+g_V)), (s_i + f)/sqrt((1-g_U)(1-g_V))] by Weyl and
    s_i(XBY) <= ||X|| s_i(B) ||Y||; valid for rectangular A (D is m x n rectangular diagonal).

    Raises:
        PrecisionExhausted: if g_U or g_V is not certified < 1 at this precision.
    """
    return _certificate(A, prec)[6]


def singular_value(A: arb_mat, i: int, prec: int) -> arb:
    """Enclosure of s_i(A) (1-based); exactly arb(0) for i > min(m, n)."""
    if i < 1:
        raise ValueError("singular_value index is 1-based")
    if i > min(A.nrows(), A.ncols()):
        return arb(0)
    return singular_value_enclosures(A, prec)[i - 1]


def spectral_norm(A: arb_mat, prec: int) -> arb:
    """Enclosure of ||A||_2 = s_1(A)."""
    return singular_value(A, 1, prec) if min(A.nrows(), A.ncols()) else arb(0)


def spectral_norm_upper(A: arb_mat, prec: int, *, cheap: bool = False) -> arb:
    """Rigorous upper bound u >= ||A'||_2 for every A' in the balls, as an exact arb point.

    u = min(||A||_F, sqrt(||A||_1 ||A||_inf), upper end of the s_1 enclosure); ``cheap=True``
    skips the SVD-based term.
    """
    m, n = A.nrows(), A.ncols()
    with _working_prec(max(prec, 64)):
        absu = [[A[i, j].abs_upper() for j in range(n)] for i in range(m)]
        n1 = reduce(arb.max, (sum((absu[i][j] for i in range(m)), arb(0)) for j in range(n)), arb(0))
        ninf = reduce(arb.max, (sum(row, arb(0)) for row in absu), arb(0))
        u = min(frobenius_upper(A), (n1 * ninf).sqrt().upper(), key=float)
        if not cheap and m and n:
            s1 = spectral_norm(A, prec).upper()
            u = s1 if s1 < u else u
    return u


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
        B_wedin = +inf when the gap is not certified (ties at position r).
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
