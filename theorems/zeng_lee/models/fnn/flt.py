"""Final-layer tuning (R-FLT): exact certificates that tuning the last L-1 layers cannot (collision
pairs), or provably can (first layer active on all of X), represent a one-layer target."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn.domain import Domain
from theorems.zeng_lee.models.fnn.plan import fm
from verifier import RatMatrix


@dataclass(frozen=True, slots=True)
class Collision:
    """Two inputs of X the frozen first layer maps to the same hidden vector, separated by the target.

    Any tuning of layers 2..L gives f(x) = f(x'), so max(|f(x) - fbar(x)|, |f(x') - fbar(x')|) >=
    gap / 2 > 0 for every tuning: f = fbar on X is impossible.
    """

    x: tuple[Fraction, ...]
    x2: tuple[Fraction, ...]
    neuron: int
    gap: Fraction

    def aux(self) -> dict[str, RatMatrix]:
        d = len(self.x)
        return {"flt_pair": RatMatrix(d, 2, tuple(v for row in zip(self.x, self.x2, strict=True) for v in row))}


def _col(vals: Any) -> Any:
    from flint import fmpq, fmpq_mat

    return fmpq_mat(len(vals), 1, [fmpq(v.numerator, v.denominator) for v in vals])


def _fr(v: Any) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _relu(v: Any) -> list[Fraction]:
    return [max(_fr(a), Fraction(0)) for a in v.entries()]


def _target(wbar: Any, bbar: Any, x: Any, output_relu: bool) -> list[Fraction]:
    pre = wbar * x + bbar
    return _relu(pre) if output_relu else [_fr(a) for a in pre.entries()]


def _step_range(dom: Domain, x: list[Fraction], direction: list[Fraction]) -> tuple[Fraction, Fraction]:
    """[t_lo, t_hi] with x + t d inside X (exact for a box; a shrunken safe range for a ball)."""
    if dom.kind == "box":
        lo_t, hi_t = Fraction(-(10**9)), Fraction(10**9)
        for xi, di, lo, hi in zip(x, direction, dom.lo, dom.hi, strict=True):
            if di > 0:
                lo_t, hi_t = max(lo_t, (lo - xi) / di), min(hi_t, (hi - xi) / di)
            elif di < 0:
                lo_t, hi_t = max(lo_t, (hi - xi) / di), min(hi_t, (lo - xi) / di)
        return lo_t, hi_t
    out = []
    for sign in (-1, 1):
        t = Fraction(sign)
        for _ in range(80):
            if dom.contains([a + t * b for a, b in zip(x, direction, strict=True)]):
                break
            t /= 2
        out.append(t)
    return out[0], out[1]


def find_collision(W1: RatMatrix, b1: RatMatrix, Wbar: RatMatrix, bbar: RatMatrix, dom: Domain,
                   output_relu: bool, seed: int = 0) -> Collision | None:
    """The collision pair with the largest target gap among exact candidates, or None.

    For a first-layer unit j inactive at x (pre-activation < 0), moving along W_1^{-1} e_j changes
    only that unit's pre-activation; while it stays negative the hidden vector does not change.
    """
    w1, bb1, wb, bbb = fm(W1), fm(b1), fm(Wbar), fm(bbar)
    try:
        inv = w1.inv()
    except ZeroDivisionError:
        return None
    d = dom.dim
    rng = np.random.default_rng([seed, 11])
    mid = [(a + b) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)]
    cands = [mid]
    rows = W1.rows()
    for j in range(d):  # the box point pushing unit j lowest, moved inside
        corner = [lo if w > 0 else hi for w, lo, hi in zip(rows[j], dom.lo, dom.hi, strict=True)]
        cands.append([m + (c - m) * Fraction(3, 4) for m, c in zip(mid, corner, strict=True)])
    for _ in range(48):
        u = rng.random(d)
        cands.append([m + (Fraction(float(v)) - Fraction(1, 2)) * (hi - lo) * Fraction(7, 8)
                      for m, v, lo, hi in zip(mid, u, dom.lo, dom.hi, strict=True)])
    best: Collision | None = None
    for x in cands:
        if not dom.contains(x, strict=True):
            continue
        xc = _col(x)
        pre = [_fr(a) for a in (w1 * xc + bb1).entries()]
        fx = _target(wb, bbb, xc, output_relu)
        for j in range(d):
            if pre[j] >= 0:
                continue
            direction = [_fr(inv[i, j]) for i in range(d)]
            lo_t, hi_t = _step_range(dom, x, direction)
            for t in (lo_t / 2, min(hi_t, -pre[j]) / 2):
                if t == 0:
                    continue
                x2 = [a + t * b for a, b in zip(x, direction, strict=True)]
                x2c = _col(x2)
                if not dom.contains(x2) or _relu(w1 * x2c + bb1) != _relu(w1 * xc + bb1):
                    continue
                gap = max(abs(a - b) for a, b in zip(fx, _target(wb, bbb, x2c, output_relu), strict=True))
                if gap > 0 and (best is None or gap > best.gap):
                    best = Collision(tuple(x), tuple(x2), j, gap)
    return best


def first_layer_margin(W1: RatMatrix, b1: RatMatrix, dom: Domain) -> Fraction:
    """Exact minimum of W_1 x + b_1 over the bounding box of X (smallest unit, exact for a box)."""
    mid = [(a + b) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)]
    rad = [(b - a) / 2 for a, b in zip(dom.lo, dom.hi, strict=True)]
    out = None
    for row, bias in zip(W1.rows(), b1.entries, strict=True):
        center = sum(w * m for w, m in zip(row, mid, strict=True)) + bias
        v = center - sum(abs(w) * r for w, r in zip(row, rad, strict=True))
        out = v if out is None else min(out, v)
    return out if out is not None else Fraction(0)


def flt_tuning(ctx: Any, W: Any, b: Any, wbar: Any, bbar: Any, shift: Any,
               output_relu: bool) -> tuple[list[Any], list[Any]]:
    """Final-layer weights/biases (layers 2..L) reproducing fbar when layer 1 is active on X.

    Layer 2 computes Wbar W_1^{-1} h + (bbar - Wbar W_1^{-1} b_1) (+ `shift` to keep it active when
    the output has no ReLU), the remaining layers pass their input through.
    """
    d = ctx.shape(wbar)[0]
    big_l = len(W)
    w2 = ctx.mm(wbar, ctx.inv(W[0]))
    b2 = ctx.sub(bbar, ctx.mm(w2, b[0]))
    if big_l == 2:
        return [w2], [b2]
    if output_relu:
        return [w2] + [ctx.eye(d)] * (big_l - 2), [b2] + [ctx.zeros(d, 1)] * (big_l - 2)
    ws = [w2] + [ctx.eye(d)] * (big_l - 2)
    bs = [ctx.add(b2, shift)] + [ctx.zeros(d, 1)] * (big_l - 3) + [ctx.scale(shift, -1)]
    return ws, bs
