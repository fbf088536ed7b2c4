"""Certified singular values built on python-flint (low-rank approximations: `_lowrank`; helpers: `_arbmat`).

Every enclosure returned here contains the true value for every matrix inside the input balls.
Approximate factors (``approx_svd``) are exact-point matrices; rigour comes from a posteriori
ball-arithmetic residual bounds, never from trusting the refinement.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cmp_to_key, reduce

import numpy as np
from flint import arb, arb_mat

from verifier._backends.linalg._arbmat import (
    _blas_one_thread,
    _working_prec,
    arb_mat_from_numpy,
    exact_rank,
    frobenius_upper,
    hstack,
    identity,
    mid_to_numpy,
    submatrix,
    to_arb_mat,
)
from verifier._errors import PrecisionExhausted

__all__ = [
    "PrecisionExhausted", "approx_svd", "arb_mat_from_numpy", "exact_rank", "frobenius_upper", "hstack", "identity",
    "mid_to_numpy", "singular_value", "singular_value_enclosures", "spectral_norm", "spectral_norm_upper",
    "submatrix", "to_arb_mat",
]

_GUARD = 20  # extra bits so that the refinement can reach 2^-prec despite rounding in products
_MAXIT = 8  # plus prec // 50: near-tie clusters are rotated in float64 and gain ~53 bits per step
_TAU = 2.0**-10  # a Newton correction above this is no longer a small perturbation: treat as a cluster
_FLOAT_FLOOR = 2.0**-900  # below this float64 loses digits, so residuals are rescaled first


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
        big = np.ldexp(sbar * _TAU, k) > res  # the cluster value dominates the residual
        # singular values not above the residual (zeros, tiny ones): rotated by an SVD of their block
        small = np.ldexp(np.abs(sf) * _TAU, k) <= res
        bad |= small[:, None] & small[None, :]
        bad[np.arange(n), np.arange(n)] = False
        # cluster: keep the subspace, re-orthonormalise, and remove the antisymmetric coupling
        K = np.where(big, (T1 - T1.T) / (4 * np.where(big, sbar, 1.0)), 0.0)
        F11 = np.where(bad, R11 / 2 + K, F11)
        G = np.where(bad, Sf / 2 - K, G)
        F11[np.arange(n), np.arange(n)] = np.diag(R11) / 2
        G[np.arange(n), np.arange(n)] = np.diag(Sf) / 2
        F12 = -(T2 / sf[None, :]).T
        ok12 = np.isfinite(F12) & (np.abs(F12) <= thr) & ~small[:, None]
        F12 = np.where(ok12, F12, R12 / 2)
    F = np.zeros((m, m))
    F[:n, :n], F[:n, n:] = F11, F12
    F[n:, :n], F[n:, n:] = Rf[n:, :n] - F12.T, Rf[n:, n:] / 2
    fmax = max(np.abs(F).max(initial=0.0), np.abs(G).max(initial=0.0))
    corr = float(np.log2(fmax)) - k if fmax > 0 else -np.inf
    # float64 F has relative error 2^-53, capping the gain at 53 bits per step; when more than two
    # such steps remain, form F and G entrywise in (slower) ball arithmetic for quadratic convergence
    hp = res_log2 < -80 and res_log2 + prec - _GUARD > 106
    if hp:
        Fa, Ga = _hp_corrections(T, R, S, sig, bad, big, ok12, m, n)
    else:
        Fa, Ga = arb_mat_from_numpy(F), arb_mat_from_numpy(G)
        if k:
            Fa, Ga = Fa * _pow2(-k), Ga * _pow2(-k)
    # after the update the residual is about max(F^2, F res, F 2^-53 unless hp) and sig is off by
    # about F^2: stop when both are below the target, saving one residual evaluation
    done = max(2 * corr, corr + res_log2, -np.inf if hp else corr - 50) < -prec + _GUARD // 2
    U = (U + U * Fa).mid()
    V = (V + V * Ga).mid()
    mask = bad & big & ~small[:, None] & ~small[None, :]
    rot_u, rot_v = _cluster_rotations(T, small, mask, Hs, dsig, sbar, k, prec)
    if rot_u:
        U = (U * _embed(rot_u, m)).mid()
        V = (V * _embed(rot_v, n)).mid()
    return U, V, sig, done and not rot_u


def _hp_corrections(T, R, S, sig, bad, big, use12, m, n):
    """The correction matrices F (m x m) and G (n x n) of `_oa_step` formed in ball arithmetic."""
    def fg(i: int, j: int) -> tuple[arb, arb]:
        if i == j:
            return R[i, i] / 2, S[i, i] / 2
        ti, tj, rij, sij, si, sj = T[i, j], T[j, i], R[i, j], S[i, j], sig[i], sig[j]
        if bad[i, j]:
            kk = (ti - tj) / (2 * (si + sj)) if big[i, j] else 0
            return rij / 2 + kk, sij / 2 - kk
        al, be, den = ti + sj * rij, tj + sj * sij, (sj - si) * (sj + si)
        return (sj * al + si * be) / den, (si * al + sj * be) / den

    pairs = [fg(i, j) for i in range(n) for j in range(n)]

    def f12(j: int, c: int) -> arb:  # couples singular vector j < n with null-space column c >= n
        return -T[c, j] / sig[j] if use12[j, c - n] else R[j, c] / 2

    def f(i: int, j: int) -> arb:
        if i < n and j < n:
            return pairs[i * n + j][0]
        if i < n:
            return f12(i, j)
        return R[i, j] - f12(j, i) if j < n else R[i, j] / 2

    Fa = arb_mat(m, m, [f(i, j) for i in range(m) for j in range(m)])
    return Fa.mid(), arb_mat(n, n, [p[1] for p in pairs]).mid()


def _embed(blocks: list[tuple[list[int], arb_mat]], n: int) -> arb_mat:
    Z = identity(n)
    for idx, Q in blocks:
        for a, i in enumerate(idx):
            for b, j in enumerate(idx):
                Z[i, j] = Q[a, b]
    return Z


def _cluster_rotations(T, small, mask, Hs, dsig, sbar, k, prec):
    """Rotations (for U, for V) diagonalising the coupling inside clusters that Newton cannot resolve."""
    (m, n), p2k = (T.nrows(), T.ncols()), _pow2(k)
    rot_u, rot_v = [], []
    z = [int(i) for i in np.nonzero(small)[0]]
    if z:  # small singular values and the null space of a tall A: SVD of their block of T
        zr = z + list(range(n, m))
        B = np.array([[float(T[i, j] * p2k) for j in z] for i in zr])
        off = B.copy()
        off[np.arange(len(z)), np.arange(len(z))] = 0.0
        if np.abs(off).max() > np.ldexp(1.0, k - prec):
            P, _, Qt = np.linalg.svd(B)
            rot_u.append((zr, _orthonormalise(arb_mat_from_numpy(P), prec)))
            rot_v.append((z, _orthonormalise(arb_mat_from_numpy(Qt.T), prec)))
    lab = np.arange(n)
    for _ in range(n):  # connected components: propagate the smallest index along tie edges
        new = np.minimum(lab, np.where(mask, lab[None, :], n).min(axis=1, initial=n))
        if np.array_equal(new, lab):
            break
        lab = new
    for comp_label in np.unique(lab):
        c = np.nonzero(lab == comp_label)[0]
        if len(c) < 2:
            continue
        H = Hs[np.ix_(c, c)].copy()
        H[np.arange(len(c)), np.arange(len(c))] = 0.0
        hmax = np.abs(H).max()
        if hmax == 0 or np.log2(hmax) - k <= -prec + np.log2(max(1.0, float(sbar[c[0], c[0]]))):
            continue  # already diagonal to working accuracy: rotating would only add noise
        H[np.arange(len(c)), np.arange(len(c))] = np.ldexp(dsig[c[0], c], k)
        _, Q = np.linalg.eigh(H)
        Qa = _orthonormalise(arb_mat_from_numpy(Q[:, ::-1]), prec)
        rot_u.append(([int(i) for i in c], Qa))
        rot_v.append(([int(i) for i in c], Qa))
    return rot_u, rot_v


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
    products at prec + guard bits. Pairs the Newton step cannot separate are handled without
    blowing up: near-ties are re-orthonormalised, their antisymmetric coupling removed and their
    symmetric coupling diagonalised by a float64 eigenbasis; singular values at or below the
    residual (zeros) are rotated, together with the null space of a tall A, by an SVD of their
    block of U^T A V. Convergence is quadratic except inside such clusters (about 53 bits/step).

    Returns:
        U (m x m), s (min(m, n) exact non-negative arbs sorted decreasingly), V (n x n); all
        exact points, U and V orthogonal up to roughly 2^-prec.
    """
    m, n = A.nrows(), A.ncols()
    if m < n:
        V, s, U = approx_svd(A.transpose(), prec)
        return U, s, V
    wp = prec + _GUARD
    # inf/nan in F, G are detected and replaced, hence errstate
    with _working_prec(wp), np.errstate(all="ignore"), _blas_one_thread():
        A0 = A.mid()
        if not all(x.is_finite() for x in A0.entries()):
            raise ValueError("approx_svd: non-finite midpoint")
        ea = _max_exponent(A0)
        if ea is None or n == 0:
            return identity(m), [arb(0)] * n, identity(n)
        A0 = A0 * _pow2(-ea)  # |entries| < 1 keeps float64 far from overflow in the updates
        u0, _, vt0 = np.linalg.svd(mid_to_numpy(A0))
        U, V = arb_mat_from_numpy(u0), arb_mat_from_numpy(vt0.T)
        Im, In = identity(m), identity(n)
        sig: list[arb] = []
        for _ in range(_MAXIT + prec // 50):
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

#: Recent certificates by exact key (least recently used first out).
_CERTIFICATES: OrderedDict[tuple, tuple] = OrderedDict()
_CERTIFICATES_KEPT = 16


def _exact_key(A: arb_mat, prec: int) -> tuple:
    """A key that identifies the balls of A exactly (midpoints and radii as mantissa/exponent)."""
    return (prec, A.nrows(), A.ncols(),
            tuple((x.mid().man_exp(), x.rad().man_exp()) for x in A.entries()))


def _certificate(A: arb_mat, prec: int) -> tuple:
    """Approximate SVD, residual bounds (f, g_U, g_V) and the singular-value enclosures of A.

    Recent results are memoised: an assumption check asks for LR_r(E) of one E for many r, with
    the enclosures of M + LR_r(E) in between.
    """
    key = _exact_key(A, prec)
    if key in _CERTIFICATES:
        _CERTIFICATES.move_to_end(key)
        return _CERTIFICATES[key]
    out = _certificate_uncached(A, prec)
    _CERTIFICATES[key] = out
    while len(_CERTIFICATES) > _CERTIFICATES_KEPT:
        _CERTIFICATES.popitem(last=False)
    return out


def _certificate_uncached(A: arb_mat, prec: int) -> tuple:
    m, n = A.nrows(), A.ncols()
    U, s, V = approx_svd(A, prec)
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
