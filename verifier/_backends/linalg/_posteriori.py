"""Certified singular values from given approximate factors: a posteriori, products only.

`approx_svd` followed by `_certificate` (in `_svd`) computes its own factors at full precision.
Here the factors come from elsewhere (a float64 SVD, or a witness computed before the check), are
exact point matrices, and are certified as they are: with T = U^T A V, D = diag(T) and
F = T - D, ||U^T U - I||_F <= g_U, ||V^T V - I||_F <= g_V (all in ball arithmetic),

    s_i(A) in [(d_(i) - ||F||_F) / sqrt((1 + g_U)(1 + g_V)), (d_(i) + ||F||_F) / sqrt((1 - g_U)(1 - g_V))]

where d_(i) is the i-th largest |D_jj| (Weyl's inequality for D + F, and s_i(X B Y) <= ||X|| s_i(B)
||Y||). The factors need not be sorted, orthonormal or even accurate: a poor factor only widens
the enclosure. No inverse, no eigensolver: three products and three Frobenius bounds.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache

import numpy as np
from flint import arb, arb_mat

from verifier._backends.linalg import _svd as cl
from verifier._errors import PrecisionExhausted


@dataclass(frozen=True, slots=True)
class Certificate:
    """Enclosures of all min(m, n) singular values (largest first) and the defect they rest on."""

    enclosures: tuple[arb, ...]
    #: upper bound of ||U^T A V - diag||_F, and of the factors' departures from orthonormality
    f: arb
    g_u: arb
    g_v: arb

    def relative_width(self) -> float:
        """Largest radius over the largest singular value (inf when nothing is certified)."""
        top = float(abs(self.enclosures[0]).upper()) if self.enclosures else 0.0
        rad = max((float(e.rad()) for e in self.enclosures), default=0.0)
        return rad / top if top > 0 else (0.0 if rad == 0 else float("inf"))


def _exponent(m: arb_mat, x: np.ndarray | None = None) -> int | None:
    """Smallest e with |mid| < 2^e for every entry (None when all are zero), from float64 when it can."""
    x = cl.mid_to_numpy(m) if x is None else x
    top = float(np.abs(x).max(initial=0.0))
    if np.isfinite(top) and 2.0**-900 < top < 2.0**900:
        return int(np.frexp(top)[1]) + 1  # one bit of room for the rounding to float64
    return cl._max_exponent(m)


def seed_factors(a: arb_mat) -> tuple[arb_mat, arb_mat]:
    """Factors (U m x m, V n x n) from a float64 SVD of the midpoint of `a` (exact point matrices).

    Entries beyond the float64 range are scaled by a power of two first (singular vectors do not
    depend on the scale).
    """
    m, n = a.nrows(), a.ncols()
    if m == 0 or n == 0:
        return cl.identity(m), cl.identity(n)
    mid = a.mid()
    x = cl.mid_to_numpy(mid)
    top = float(np.abs(x).max(initial=0.0))
    if not (np.isfinite(top) and 2.0**-900 < top < 2.0**900):
        e = cl._max_exponent(mid)
        if e is None:
            return cl.identity(m), cl.identity(n)
        x = cl.mid_to_numpy(mid * cl._pow2(-e))
    with cl._blas_one_thread():
        u, _s, vt = np.linalg.svd(x)
    return cl.arb_mat_from_numpy(u), cl.arb_mat_from_numpy(vt.T)


@lru_cache(maxsize=8)
def _eye(n: int) -> arb_mat:
    """The n x n identity, shared: callers only read it."""
    return cl.identity(n)


#: the lean Newton step is used while singular values are this far apart (relative to the largest)
_SEPARATED = 2.0**-20


def _lean_step(a0: arb_mat, u: arb_mat, v: arb_mat, bits: int) -> tuple[arb_mat, arb_mat, bool] | None:
    """One Ogita-Aishima step (JCAM 2020, m >= n) with the corrections formed in float64.

    Returns (U, V, done), or None where singular values are clustered or tiny (the general step in
    `_svd` handles those). Each step gains about 50 bits: the residuals are exact products at the
    working precision, and only the small corrections are rounded to float64.
    """
    m, n = a0.nrows(), a0.ncols()
    ut = u.transpose()
    rr = cl.mid_to_numpy(_eye(m) - ut * u)
    ss = cl.mid_to_numpy(_eye(n) - v.transpose() * v)
    tt = cl.mid_to_numpy(ut * (a0 * v))
    idx = np.arange(n)
    sf = tt[idx, idx] / (1 - (rr[idx, idx] + ss[idx, idx]) / 2)
    t1 = tt[:n].copy()
    t1[idx, idx] = 0.0
    t2 = tt[n:]
    res = max(np.abs(rr).max(initial=0.0), np.abs(ss).max(initial=0.0), np.abs(t1).max(initial=0.0),
              np.abs(t2).max(initial=0.0))
    if res == 0.0 or np.log2(res) < -bits:
        return u, v, True
    top = float(np.abs(sf).max(initial=0.0))
    gaps = np.abs(sf[None, :] - sf[:, None]) + np.diag(np.full(n, np.inf))
    if not top > 0 or np.abs(sf).min() <= _SEPARATED * top or (n > 1 and gaps.min() <= _SEPARATED * top):
        return None
    r11 = rr[:n, :n]
    a = t1 + sf[None, :] * r11
    b = t1.T + sf[None, :] * ss
    den = (sf[None, :] - sf[:, None]) * (sf[None, :] + sf[:, None])
    den[idx, idx] = 1.0
    f11 = (sf[None, :] * a + sf[:, None] * b) / den
    g = (sf[:, None] * a + sf[None, :] * b) / den
    f11[idx, idx] = np.diag(r11) / 2
    g[idx, idx] = np.diag(ss) / 2
    f = np.zeros((m, m))
    f[:n, :n] = f11
    if m > n:
        f12 = -(t2 / sf[None, :]).T
        f[:n, n:] = f12
        f[n:, :n] = rr[n:, :n] - f12.T
        f[n:, n:] = rr[n:, n:] / 2
    big = max(np.abs(f).max(initial=0.0), np.abs(g).max(initial=0.0))
    if not np.isfinite(big) or big > 2.0**-10:
        return None
    u = (u + u * cl.arb_mat_from_numpy(f)).mid()
    v = (v + v * cl.arb_mat_from_numpy(g)).mid()
    # Newton: the new residual is about |F| times the old one (plus F's own rounding, 2^-53 |F|),
    # summed over n entries
    lb = float(np.log2(big))
    return u, v, bool(max(lb + float(np.log2(res)), lb - 53) + np.log2(n) < -bits)


def refine_factors(a: arb_mat, u: arb_mat, v: arb_mat, bits: int) -> tuple[arb_mat, arb_mat]:
    """Newton (Ogita-Aishima) steps from (u, v) until they are accurate to about `bits` (not rigorous
    itself: `certify` is). Separated singular values take the lean step; clusters, tiny singular
    values and very high targets the general one of `_svd`."""
    m, n = a.nrows(), a.ncols()
    if m < n:
        vt, ut = refine_factors(a.transpose(), v, u, bits)
        return ut, vt
    if n == 0:
        return u, v
    wp = bits + cl._GUARD
    with cl._working_prec(wp), np.errstate(all="ignore"), cl._blas_one_thread():
        a0 = a.mid()
        ea = _exponent(a0)
        if ea is None:
            return u, v
        a0 = a0 * cl._pow2(-ea)
        lean = bits <= 900  # the float64 residuals of the lean step underflow beyond
        im, in_ = cl.identity(m), cl.identity(n)
        for _ in range(cl._MAXIT + bits // 50):
            step = _lean_step(a0, u, v, bits) if lean else None
            if step is None:
                lean = False
                u, v, _sig, done = cl._oa_step(a0, u, v, im, in_, wp)
            else:
                u, v, done = step
            if done:
                break
    return u, v


_DEPARTURES: OrderedDict[tuple[int, int], tuple[arb_mat, arb]] = OrderedDict()


def _departure(q: arb_mat, prec: int) -> arb:
    """Upper bound of ||Q^T Q - I||_F; remembered for the last few factors (one witness's U and V
    certify both E and the residual)."""
    key = (id(q), prec)
    hit = _DEPARTURES.get(key)
    if hit is not None and hit[0] is q:
        return hit[1]
    g = cl.frobenius_upper(q.transpose() * q - _eye(q.ncols()))
    _DEPARTURES[key] = (q, g)
    while len(_DEPARTURES) > 16:
        _DEPARTURES.popitem(last=False)
    return g


def norm_lower(a: arb_mat, x: np.ndarray | None = None) -> tuple[arb, float] | None:
    """A certified lower bound of ||a||_2 = s_1(a), |u^T a v| / (||u|| ||v||) for the float64 top
    singular pair (u, v) of mid(a) (accurate to second order in their error), and its float value.

    None when the midpoint is out of float64 range.
    """
    m, n = a.nrows(), a.ncols()
    x = cl.mid_to_numpy(a.mid()) if x is None else x
    top = float(np.abs(x).max(initial=0.0))
    if not (np.isfinite(top) and 2.0**-900 < top < 2.0**900):
        return None
    with cl._blas_one_thread():
        uu, _s, vt = np.linalg.svd(x)
    u = arb_mat(m, 1, [float(y) for y in uu[:, 0]])
    v = arb_mat(n, 1, [float(y) for y in vt[0]])
    y = (u.transpose() * a * v)[0, 0]
    nu = sum((w * w for w in u.entries()), arb(0)).sqrt()
    nv = sum((w * w for w in v.entries()), arb(0)).sqrt()
    lo = (abs(y) / (nu * nv)).lower()
    return lo, float(lo)


def certify(a: arb_mat, u: arb_mat, v: arb_mat, prec: int) -> Certificate:
    """Certified enclosures of the singular values of every matrix in the balls of `a`, from (u, v).

    Raises:
        PrecisionExhausted: when the factors are too far from orthonormal (g >= 1) to bound anything.
    """
    m, n = a.nrows(), a.ncols()
    k = min(m, n)
    with cl._working_prec(prec):
        t = u.transpose() * a * v
        diag = arb_mat(m, n)
        d = []
        for i in range(k):
            x = t[i, i].mid()
            diag[i, i] = x
            d.append(abs(x))
        f = cl.frobenius_upper(t - diag)
        g_u, g_v = _departure(u, prec), _departure(v, prec)
        if not (g_u < 1 and g_v < 1):
            raise PrecisionExhausted(
                f"singular-value certificate needs factors closer to orthonormal (g_U={float(g_u):.3g}, "
                f"g_V={float(g_v):.3g}) at prec={prec}; try a higher prec")
        lo_fac = 1 / ((1 + g_u) * (1 + g_v)).sqrt()
        hi_fac = 1 / ((1 - g_u) * (1 - g_v)).sqrt()
        # exact points compare exactly: a float key could swap two values closer than 2^-53
        d.sort(key=cmp_to_key(lambda x, y: (y > x) - (y < x)))
        enc = []
        for x in d:
            lo = ((x - f) * lo_fac).lower()
            lo = arb(0) if lo < 0 else lo
            enc.append(lo.union(((x + f) * hi_fac).upper()))
    return Certificate(tuple(enc), f, g_u, g_v)


__all__ = ["Certificate", "certify", "norm_lower", "refine_factors", "seed_factors"]
