"""Impossibility certificates from one local affine piece ("local Jacobian" certificates).

Let g be a function that, near an interior point x0 of X, is affine with a non-singular Jacobian J.
If some ReLU network f with weights W_l + dW_l (any biases) equals g on X, then on an open subset of
that neighbourhood every unit of f is strictly positive, strictly negative or identically zero, so
f is affine there with Jacobian D_L (W_L + dW_L) ... D_1 (W_1 + dW_1) (0/1 diagonals D_l); this is J,
which is non-singular, so every D_l = I and prod(W_l + dW_l) = J. But prod(W_l + dW_l) - prod W_l is
a sum of L terms of ranks <= rank(dW_l). Hence rank(J - prod W_l) > sum_l rank(dW_l) is impossible:
no adapters of total rank <= k give f = g on X once rank(J - prod W) > k.

`refute_identity` applies this to Lemma 9's identity (i), g(x) = ReLU(Wbar_1 x + bbar_1) +
ReLU((LR_k(E) - E) x): near a point where every unit of g has a strict sign (or is identically
zero), J = S1 Wbar_1 + S2 (LR_k(E) - E) with the 0/1 sign patterns S1, S2. The check is exact where
LR_k(E) is rational and certified (ball arithmetic, rigorous bounds on LR_k) otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from theorems.zeng_lee.models.fnn.lowrank import error_matrix, exact_lowrank
from theorems.zeng_lee.models.fnn.plan import fm
from verifier import Refutation, exact_product


def _fmt(xs: Sequence[Fraction], k: int = 6) -> str:
    return "[" + ", ".join(str(v) for v in xs[:k]) + (", ...]" if len(xs) > k else "]")


def _sign(x: Any) -> int | None:
    """Certified sign of a ball or exact number: 1, -1, 0 (exact zero), or None (undecided)."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    if x == 0 and (not hasattr(x, "rad") or x.rad() == 0):
        return 0
    return None


def refute_identity(inst: Any, k: int, points: Any, output_relu: bool = True,
                    precs: Sequence[int] = (170, 340)) -> Refutation | None:
    """A certificate that no adapters of total rank <= k (any biases) give
    f(x) - fbar(x) = ReLU((LR_k(E) - E) x) for all x in X; None if none is found at `points`.

    Args:
        inst: an instance with W (L layers), Wbar (1), bbar (1).
        k: the total rank, sum_l R_l (LR_k(E) = LR_{k ∧ R_E}(E)).
        points: D x N exact interior points of X (RatMatrix) to try as x0.
    """
    if not output_relu:
        return None  # the certificate is written for the paper's model (ReLU on the output)
    w, wbar, bbar = inst.matrices["W"], inst.matrices["Wbar"][0], inst.matrices["bbar"][0]
    d = wbar.nrows
    pw = exact_product(list(w), d)
    e = error_matrix(w, wbar)
    ex = exact_lowrank(inst, k)
    if ex is not None:
        return _try_points(fm(ex - e), True, wbar, bbar, pw, k, points, None)
    from flint import arb, arb_mat

    from verifier.linalg import lowrank_approx, working_prec

    for prec in precs:
        with working_prec(prec):
            low, delta = lowrank_approx(arb_mat(fm(e)), k, prec)
            if not delta.is_finite():
                continue
            rad = delta.upper()
            c = arb_mat(d, d, [arb(x.mid(), rad) for x in low.entries()]) - arb_mat(fm(e))
            ref = _try_points(c, False, wbar, bbar, pw, k, points, prec)
        if ref is not None:
            return ref
    return None


def _try_points(c: Any, exact: bool, wbar: Any, bbar: Any, pw: Any, k: int, points: Any,
                prec: int | None) -> Refutation | None:
    """Try every column of `points` as x0; c = LR_k(E) - E (fmpq_mat if exact, else arb_mat)."""
    from flint import arb_mat, fmpq_mat

    from verifier.linalg import singular_value_enclosures

    d = wbar.nrows
    wb, bb, pwm = fm(wbar), fm(bbar), fm(pw)
    cols = points.rows()
    wba = None if exact else arb_mat(wb)
    zero_rows_g1 = [all(v == 0 for v in wbar.rows()[i]) and bbar.entries[i] == 0 for i in range(d)]
    for j in range(points.ncols):
        x0 = [cols[i][j] for i in range(d)]
        xm = fmpq_mat(d, 1, [fm_entry(v) for v in x0])
        a = wb * xm + bb
        cx = c * (xm if exact else arb_mat(xm))
        s1, s2 = [], []
        ok = True
        for i in range(d):
            sa = _sign(a[i, 0])
            if sa == 0 and not zero_rows_g1[i]:
                ok = False
                break
            sc = _sign(cx[i, 0])
            if sc is None or (sc == 0 and not (exact and all(c[i, t] == 0 for t in range(d)))):
                ok = False  # a unit of the second ReLU with no strict sign at x0: g need not be affine near x0
                break
            s1.append(int(sa == 1))
            s2.append(int(sc == 1))
        if not ok:
            continue
        if exact:
            jac = fmpq_mat(d, d, [s1[r] * wb[r, t] + s2[r] * c[r, t] for r in range(d) for t in range(d)])
            if jac.rank() < d:
                continue
            gap = int((jac - pwm).rank())
            if gap <= k:
                continue
            why = f"rank(J - prod W) = {gap} (exact)"
        else:
            jac = arb_mat(d, d, [s1[r] * wba[r, t] + s2[r] * c[r, t] for r in range(d) for t in range(d)])
            try:
                if not singular_value_enclosures(jac, prec)[-1] > 0:
                    continue
                sv = singular_value_enclosures(jac - arb_mat(pwm), prec)
            except Exception:  # an enclosure that cannot be had at this precision proves nothing here
                continue
            if k >= d or not sv[k] > 0:
                continue
            why = f"s_{k + 1}(J - prod W) >= {float(sv[k].lower()):.3g} > 0 (certified, {prec} bits)"
        cert = {"kind": "local-jacobian", "x0": [str(v) for v in x0], "S1_target_active": s1,
                "S2_error_term_positive": s2, "total_rank": k, "evidence": "exact" if exact else "certified",
                "why": "near x0 the claimed f = ReLU(Wbar_1 x + bbar_1) + ReLU((LR_k(E) - E) x) is affine with "
                       "Jacobian J = S1 Wbar_1 + S2 (LR_k(E) - E), non-singular; a ReLU network equal to it has, on "
                       "an open subset, Jacobian D_L W'_L ... D_1 W'_1 = J, so every D_l = I and prod W'_l = J, "
                       "while prod W'_l - prod W_l has rank <= sum_l rank(dW_l)"}
        return Refutation("exact" if exact else "certified",
                          f"at the exact interior point x0 = {_fmt(x0)} of X the claimed right side "
                          f"ReLU(Wbar_1 x + bbar_1) + ReLU((LR_k(E) - E) x) is locally affine with non-singular "
                          f"Jacobian J (sign patterns S1 = {s1}, S2 = {s2}), so any network equal to it on X has "
                          f"prod(W_l + dW_l) = J; but {why} exceeds the total adapter rank {k}", cert)
    return None


def candidate_points(inst: Any, k: int, dom: Any, base: Any, patterns: int = 12, seed: int = 0) -> Any:
    """`base` (D x N exact points of X) plus float candidates x0 where every unit of g has a strict sign
    and J has no zero row: for sign patterns S2 of c = (LR_k(E) - E) x seen at random points, a linear
    program maximises t subject to c_i(x) >= t (S2_i = 1), c_i(x) <= -t and a_i(x) >= t (S2_i = 0),
    a = Wbar x + bbar, x in (a box inside) X. Candidates are rounded to dyadic points strictly inside X;
    the caller verifies them exactly or in ball arithmetic."""
    import numpy as np
    from scipy.optimize import linprog

    from verifier import RatMatrix

    wbar, bbar = inst.matrices["Wbar"][0].to_numpy(), inst.matrices["bbar"][0].to_numpy()[:, 0]
    e = error_matrix(inst.matrices["W"], inst.matrices["Wbar"][0]).to_numpy()
    d = e.shape[0]
    if k >= d:
        return base
    u, s, vt = np.linalg.svd(e)
    c = -(u[:, k:] * s[k:]) @ vt[k:, :]
    if dom.kind == "ball":
        ctr = np.array([float(v) for v in dom.center])
        half = np.full(d, float(dom.radius) * 0.9 / np.sqrt(d))
    else:
        lo, hi = np.array([float(v) for v in dom.lo]), np.array([float(v) for v in dom.hi])
        ctr, half = (lo + hi) / 2, (hi - lo) / 2 * 0.95
    rng = np.random.default_rng([seed, 4242])
    seen, found = set(), []
    for _ in range(patterns * 4):
        if len(seen) >= patterns:
            break
        s2 = tuple(int(v > 0) for v in c @ (ctr + half * rng.uniform(-1, 1, d)))
        if s2 in seen:
            continue
        seen.add(s2)
        # variables (x, t): minimise -t; rows A_ub [x; t] <= b_ub. First with the target all-active
        # (J's rows then come from Wbar_1 and prod W + LR_k(E), generically non-singular), then without.
        for all_active in (True, False):
            rows, rhs = [], []
            for i in range(d):
                rows.append([*(-c[i] if s2[i] else c[i]), 1.0])
                rhs.append(0.0)
                if all_active or not s2[i]:
                    rows.append([*(-wbar[i]), 1.0])
                    rhs.append(float(bbar[i]))
            bounds = [(ctr[i] - half[i], ctr[i] + half[i]) for i in range(d)] + [(None, 1.0)]
            res = linprog([0.0] * d + [-1.0], A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds,
                          method="highs")
            if res.status == 0 and -res.fun > 1e-9:
                found.append(res.x[:d])
                break
    pts = [[Fraction(round(float(v) * 2**24), 2**24) for v in p] for p in found]
    pts = [p for p in pts if dom.contains(tuple(p), strict=True)]
    if not pts:
        return base
    rows_b = base.rows()
    return RatMatrix(d, base.ncols + len(pts), tuple(v for i in range(d) for v in [*rows_b[i], *(p[i] for p in pts)]))


def fm_entry(v: Fraction) -> Any:
    from flint import fmpq

    return fmpq(v.numerator, v.denominator)


__all__ = ["candidate_points", "refute_identity"]
