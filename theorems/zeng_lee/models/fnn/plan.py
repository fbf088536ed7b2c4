"""Exact facts about an FNN instance: block errors, thresholds, an impossibility certificate, and the
search for exact construction plans (partitions, per-layer ranks, positive rescalings).

Everything here is exact rational arithmetic on `RatMatrix` (python-flint `fmpq_mat`, loaded lazily).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn.domain import Domain
from theorems.zeng_lee.models.fnn.model import Blocks, compositions, partition_from_sizes
from verifier import RatMatrix, Refutation


def fm(m: RatMatrix) -> Any:
    from flint import fmpq, fmpq_mat

    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def rat(a: Any) -> RatMatrix:
    return RatMatrix(a.nrows(), a.ncols(), tuple(Fraction(int(x.p), int(x.q)) for x in a.entries()))


def _prod(ws: Sequence[Any], d: int) -> Any:
    from flint import fmpq_mat

    out = fmpq_mat(d, d, [int(i == j) for i in range(d) for j in range(d)])
    for w in ws:
        out = w * out
    return out


def block_errors(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], blocks: Blocks) -> list[Any]:
    """E_i = Wbar_i - prod_{l in P_i} W_l (fmpq_mat)."""
    d = W[0].nrows
    ws = [fm(w) for w in W]
    return [fm(Wbar[i]) - _prod([ws[li] for li in blk], d) for i, blk in enumerate(blocks)]


def block_ranks(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], blocks: Blocks) -> list[int]:
    """Exact rank(E_i) per block."""
    return [int(e.rank()) for e in block_errors(W, Wbar, blocks)]


def uni_threshold(ranks: Sequence[int], m: int) -> int:
    """R-UNI's threshold ceil(max_i rank(E_i) / M)."""
    return ceil(max(ranks) / m)


# -- the all-active impossibility certificate ------------------------------------------------

def _all_active_at(ws: list[Any], bs: list[Any], x: Any, output_relu: bool) -> bool:
    z = x
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        z = w * z + b
        if (output_relu or k < len(ws) - 1) and not all(v > 0 for v in z.entries()):
            return False
    return True


def _ascend(Wbar: Sequence[RatMatrix], bbar: Sequence[RatMatrix], dom: Domain, output_relu: bool,
             rng: np.random.Generator, starts: int = 4, steps: int = 300) -> list[np.ndarray]:
    """Float candidates maximising the smallest target pre-activation over X (all layers active).

    With every unit active the pre-activations are affine in x, so this is a concave piecewise
    linear maximisation: projected subgradient ascent from a few starts. Candidates only; the
    caller verifies them exactly.
    """
    rows, offs = [], []
    a, c = np.eye(dom.dim), np.zeros(dom.dim)
    for k, (w, b) in enumerate(zip(Wbar, bbar, strict=True)):
        a, c = w.to_numpy() @ a, w.to_numpy() @ c + b.to_numpy()[:, 0]
        if output_relu or k < len(Wbar) - 1:
            rows.append(a)
            offs.append(c)
    if not rows:
        return []
    big_a, big_c = np.vstack(rows), np.concatenate(offs)
    lo, hi = np.array([float(x) for x in dom.lo]), np.array([float(x) for x in dom.hi])
    width = hi - lo

    def project(x: np.ndarray) -> np.ndarray:
        if dom.kind == "ball":
            ctr = np.array([float(v) for v in dom.center])
            r = float(dom.radius) * (1 - 2.0**-20)
            n = np.linalg.norm(x - ctr)
            return x if n <= r else ctr + (x - ctr) * (r / n)
        return np.clip(x, lo + width * 2.0**-20, hi - width * 2.0**-20)

    out = []
    for s in range(starts):
        x = project(lo + width * (0.5 if s == 0 else rng.random(dom.dim)))
        best, best_x = -np.inf, x
        for t in range(steps):
            v = big_a @ x + big_c
            j = int(np.argmin(v))
            if v[j] > best:
                best, best_x = v[j], x
            g = big_a[j]
            x = project(x + (width.max() / (1 + t)) * g / (np.linalg.norm(g) + 1e-300))
        if best > 0:
            out.append(best_x)
    return out


def all_active_point(Wbar: Sequence[RatMatrix], bbar: Sequence[RatMatrix], dom: Domain, output_relu: bool,
                     seed: int = 0) -> tuple[Fraction, ...] | None:
    """An exact interior point of X where every target pre-activation is > 0 (strictly), or None.

    Tries backward solves (pick positive pre-activations, invert the target layer by layer) and
    random points of X; every candidate is verified exactly.
    """
    from flint import fmpq, fmpq_mat

    d = dom.dim
    ws, bs = [fm(w) for w in Wbar], [fm(b) for b in bbar]
    rng = np.random.default_rng([seed, 31])
    cands: list[Any] = []
    try:
        invs = [w.inv() for w in ws]
    except ZeroDivisionError:
        invs = []
    for s in (Fraction(1, 64), Fraction(1, 8), Fraction(1, 2), Fraction(2)):
        for trial in range(4):
            if not invs:
                break
            pos = [s * (1 + Fraction(int(rng.integers(0, 8)), 8) * min(trial, 1)) for _ in range(d)]
            p = fmpq_mat(d, 1, [fmpq(v.numerator, v.denominator) for v in pos])
            for k in range(len(ws) - 1, -1, -1):
                p = invs[k] * (p - bs[k])
            cands.append(p)
    for pt in _ascend(Wbar, bbar, dom, output_relu, rng):
        cands.append(fmpq_mat(d, 1, [fmpq(*Fraction(float(v)).as_integer_ratio()) for v in pt]))
    mid = [(a + b) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)]
    for k in range(64):
        u = rng.random(d) if k else np.full(d, 0.5)
        pt = [lo + (hi - lo) * Fraction(float(v)) for lo, hi, v in zip(dom.lo, dom.hi, u, strict=True)]
        if dom.kind == "ball":
            pt = [c + (x - c) / 2 for c, x in zip(mid, pt, strict=True)]
        cands.append(fmpq_mat(d, 1, [fmpq(v.numerator, v.denominator) for v in pt]))
    for c in cands:
        x = tuple(Fraction(int(v.p), int(v.q)) for v in c.entries())
        if dom.contains(x, strict=True) and _all_active_at(ws, bs, c, output_relu):
            return x
    return None


def refute_all_active(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], bbar: Sequence[RatMatrix], dom: Domain,
                      output_relu: bool, total_rank: int) -> Refutation | None:
    """A certificate that no adapters with sum_l rank(dW_l) <= total_rank give f = fbar on X.

    Valid for ReLU networks: if the target is all-active on an open U inside X (an exact interior
    point x0 with every pre-activation > 0) and prod Wbar is non-singular, then on an open subset
    of U any f = fbar is affine with Jacobian D_L W'_L ... D_1 W'_1 (0/1 diagonals D_l) of full
    rank, so every D_l = I and prod W'_l = prod Wbar; but prod(W_l + dW_l) - prod W_l is a sum of
    L terms of rank <= rank(dW_l). Hence rank(prod Wbar - prod W) > total_rank is impossible.
    """
    d = W[0].nrows
    pbar = _prod([fm(w) for w in Wbar], d)
    if pbar.det() == 0:
        return None
    k = int((pbar - _prod([fm(w) for w in W], d)).rank())
    if k <= total_rank:
        return None
    x0 = all_active_point(Wbar, bbar, dom, output_relu)
    if x0 is None:
        return None
    pt = "[" + ", ".join(str(v) for v in x0[:6]) + (", ...]" if len(x0) > 6 else "]")
    return Refutation("exact", f"the target is all-active near x0 = {pt} (exact interior point of X, every target "
                               f"pre-activation > 0) with non-singular prod Wbar, so any f = fbar on X needs "
                               f"prod(W_l + dW_l) = prod Wbar; but rank(prod Wbar - prod W) = {k} (exact) exceeds "
                               f"sum_l rank(dW_l) <= {total_rank}")


# -- exact plans: partition, per-layer ranks, positive rescalings -------------------------------

@dataclass(frozen=True, slots=True)
class Plan:
    """A construction plan that is exactly feasible: rank(T_i - Q_i) <= sum of block i's ranks.

    Args:
        sizes: block sizes (a partition of 1..L).
        ranks: per-layer LoRA ranks.
        scales: positive diagonal S_i after block i (Lbar entries; the last is the identity):
            block i then targets S_i Wbar_i S_{i-1}^-1, which ReLU allows since ReLU(S y) = S ReLU(y).
        how: which search step found it.
    """

    sizes: tuple[int, ...]
    ranks: tuple[int, ...]
    scales: tuple[tuple[Fraction, ...], ...]
    how: str

    def aux(self) -> dict[str, Any]:
        """The plan as exact aux matrices (so a check replays it bit for bit)."""
        d = len(self.scales[0])
        diag = [RatMatrix(d, d, tuple(s[i] if i == j else Fraction(0) for i in range(d) for j in range(d)))
                for s in self.scales]
        inv = [RatMatrix(d, d, tuple(1 / s[i] if i == j else Fraction(0) for i in range(d) for j in range(d)))
               for s in self.scales]
        return {"plan_sizes": RatMatrix(1, len(self.sizes), tuple(Fraction(s) for s in self.sizes)),
                "plan_ranks": RatMatrix(1, len(self.ranks), tuple(Fraction(r) for r in self.ranks)),
                "plan_scale": tuple(diag), "plan_scale_inv": tuple(inv)}


def _diag(vals: Sequence[Fraction]) -> Any:
    from flint import fmpq, fmpq_mat

    d = len(vals)
    return fmpq_mat(d, d, [fmpq(vals[i].numerator, vals[i].denominator) if i == j else 0
                           for i in range(d) for j in range(d)])


def _solve_coordinate(make: Any, d: int, rng: np.random.Generator) -> list[Fraction] | None:
    """Positive lam with det(make(lam)) = 0, solving exactly for one coordinate (det is affine in it)."""
    for _trial in range(6):
        base = [Fraction(int(rng.integers(4, 13)), 8) for _ in range(d)]
        for k in range(d):
            v0, v1 = list(base), list(base)
            v0[k], v1[k] = Fraction(0), Fraction(1)
            f0, f1 = make(v0).det(), make(v1).det()
            if f0 == f1:
                continue
            root = Fraction(int(f0.p), int(f0.q)) / (Fraction(int(f0.p), int(f0.q)) - Fraction(int(f1.p), int(f1.q)))
            if root > 0:
                base[k] = root
                return base
    return None


def _rescaled(qs: list[Any], wbars: list[Any], budgets: list[int], d: int,
              rng: np.random.Generator) -> list[list[Fraction]] | None:
    """Positive diagonal rescalings making every block exactly feasible, where each deficient block
    misses by one rank (a determinant condition, affine in each scale coordinate); else None."""
    nb = len(qs)
    one = [Fraction(1)] * d
    scales = [list(one) for _ in range(nb)]  # scales[i]: after block i; scales[-1] stays 1

    def target(i: int) -> Any:
        t = _diag(scales[i]) * wbars[i] if i < nb - 1 else wbars[i]
        return t * _diag([1 / v for v in scales[i - 1]]) if i > 0 else t

    def feasible(i: int) -> bool:
        return int((target(i) - qs[i]).rank()) <= budgets[i]

    for i in range(nb):
        if feasible(i):
            continue
        if budgets[i] != d - 1:
            return None
        if i < nb - 1:
            right = _diag([1 / v for v in scales[i - 1]]) if i > 0 else None
            a = wbars[i] * right if right is not None else wbars[i]
            sol = _solve_coordinate(lambda lam, a=a, i=i: _diag(lam) * a - qs[i], d, rng)
            if sol is None:
                return None
            scales[i] = sol
        elif i > 0 and budgets[i - 1] >= d:
            # the last block can only move the scale before it: det(Wbar - Q S) = 0
            sol = _solve_coordinate(lambda lam, i=i: wbars[i] - qs[i] * _diag(lam), d, rng)
            if sol is None:
                return None
            scales[i - 1] = sol
        else:
            return None
    return scales if all(feasible(i) for i in range(nb)) else None


def search_plan(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], layer_rank: int, first: Blocks,
                seed: int = 0, max_partitions: int = 64) -> Plan | None:
    """An exactly feasible plan with rank `layer_rank` on every layer, or None.

    Order: the given partition, then every other partition (compositions of L), then the same
    with positive diagonal rescalings between blocks.
    """
    d, big_l, lbar = W[0].nrows, len(W), len(Wbar)
    rng = np.random.default_rng([seed, 57])
    sizes0 = tuple(len(b) for b in first)
    parts = [sizes0, *[c for c in compositions(big_l, lbar) if c != sizes0][: max_partitions - 1]]
    ws, wbars = [fm(w) for w in W], [fm(w) for w in Wbar]
    one = tuple([Fraction(1)] * d)
    ranks = tuple([layer_rank] * big_l)
    for rescale in (False, True):
        for sizes in parts:
            blocks = partition_from_sizes(list(sizes), big_l)
            qs = [_prod([ws[li] for li in blk], d) for blk in blocks]
            budgets = [layer_rank * len(blk) for blk in blocks]
            if not rescale:
                if all(int((wbars[i] - qs[i]).rank()) <= budgets[i] for i in range(lbar)):
                    how = "the uniform partition" if sizes == sizes0 else f"partition {list(sizes)}"
                    return Plan(sizes, ranks, (one,) * lbar, how)
                continue
            sc = _rescaled(qs, wbars, budgets, d, rng)
            if sc is not None:
                return Plan(sizes, ranks, tuple(tuple(s) for s in sc),
                            f"partition {list(sizes)} with positive diagonal rescaling between blocks")
    return None
