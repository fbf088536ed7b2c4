"""A certified lower bound refuting Theorem 5's existential error bound for one-layer networks.

Family: f(x) = ReLU((W_1 + dW) x + b) with rank(dW) <= R and b free (L = Lbar = 1); x uniform on a
symmetric finite set {+-p_1, ..., +-p_m} (N = 2m points); target fbar(x) = ReLU(Wbar x + bbar) with
bbar > 0. Let c = bbar (the constant network ReLU(0 x + bbar)), a = (W_1 + dW) p, and P_perp the
orthogonal projector onto range(dW)^perp (rank >= D - R).

1. Per unit k and pair +-p: |ReLU(b_k + a_k) - c_k| + |ReLU(b_k - a_k) - c_k| >= min(2|a_k|, c_k)
   (cases b_k >= |a_k|, |b_k| < |a_k|, b_k <= -|a_k|), so ||f(p) - c|| + ||f(-p) - c|| >=
   ||min(2|a|, c)|| >= min(2||a||, gamma), gamma = min_k c_k.
2. ||a|| >= ||P_perp W_1 p|| (P_perp dW = 0) and ||P_perp W_1 p_i|| <= c_max := max_i ||W_1 p_i||, so
   min(2||a_i||, gamma) >= min(2, gamma / c_max) ||P_perp W_1 p_i||^2 / c_max.
3. sum_i ||P_perp W_1 p_i||^2 = ||P_perp W_1 P||_F^2 >= sum_{j > R} s_j(W_1 P)^2 (Eckart-Young).
4. E||f - fbar|| >= E||f - c|| - E||fbar - c|| (triangle inequality).

Hence E||f(x) - fbar(x)|| >= min(2, gamma/c_max) sum_{j>R} s_j(W_1 P)^2 / (N c_max) - E||fbar(x) - bbar||
for EVERY admissible (dW, b); all of it is evaluated in certified ball arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from theorems.zeng_lee.models.fnn.errparts import col_norms, mean_norm, run, vmax, vmin
from verifier import Instance, RatMatrix, Refutation


def symmetric_half(points: RatMatrix) -> list[int] | None:
    """Column indices p_1..p_m such that the columns are exactly {+-p_i} (as a multiset), else None."""
    cols = [tuple(points.entries[i * points.ncols + j] for i in range(points.nrows)) for j in range(points.ncols)]
    pool = list(range(len(cols)))
    half: list[int] = []
    while pool:
        j = pool.pop(0)
        neg = tuple(-v for v in cols[j])
        k = next((k for k in pool if cols[k] == neg), None)
        if k is None or all(v == 0 for v in cols[j]):
            return None
        pool.remove(k)
        half.append(j)
    return half

def applies(inst: Instance) -> bool:
    """The family of the certificate: L = Lbar = 1, symmetric finite law, bbar > 0."""
    m = inst.matrices
    return (len(m["W"]) == 1 and len(m["Wbar"]) == 1 and all(v > 0 for v in m["bbar"][0].entries)
            and symmetric_half(m["X"]) is not None)

def one_layer_lower_bound(inst: Instance, rank: int, output_relu: bool, ctx: Any) -> dict[str, Any] | None:
    """The certified lower bound of the module docstring as balls of the certified `ctx` (None outside the family).

    Returns the bound "lb" with its pieces ("tail", "cmax", "gamma", "off", "n", "pairs")."""
    if not applies(inst):
        return None
    half = symmetric_half(inst.matrices["X"])
    assert half is not None
    pts = inst.matrices["X"]
    b = ctx.bind([inst])
    w = b.m("W")[0]
    P = ctx.load([RatMatrix(pts.nrows, len(half), tuple(pts.entries[i * pts.ncols + j]
                                                      for i in range(pts.nrows) for j in half))])
    wp = ctx.mm(w, P)
    d, m = ctx.shape(wp)
    tail = ctx.const(0)
    for j in range(rank + 1, min(d, m) + 1):
        s = ctx.sv(wp, j)
        tail = tail + s * s
    norms = col_norms(ctx, wp)
    cmax = norms[0]
    for v in norms[1:]:
        cmax = vmax(ctx, cmax, v)
    if not cmax > 0:
        return None
    gamma = min(inst.matrices["bbar"][0].entries)
    factor = vmin(ctx, ctx.const(2), ctx.const(gamma) / cmax) if output_relu else ctx.const(2)
    n = pts.ncols
    X = b.m("X")
    fbar = run(ctx, [(b.m("Wbar")[0], b.m("bbar")[0])], X, output_relu)
    off = mean_norm(ctx, ctx.sub(fbar, ctx.mm(b.m("bbar")[0], ctx.ones(1, n))))
    lb = factor * tail / (cmax * ctx.const(n)) - off
    return {"lb": lb, "tail": tail, "cmax": cmax, "gamma": gamma, "off": off, "n": n, "pairs": len(half)}


def one_layer_refutation(inst: Instance, bound_of: Callable[[Any, Any], Any], rank: int, output_relu: bool,
                         prec: int = 170) -> Refutation | None:
    """A certified refutation of "some rank-<=R adapters and biases reach E||f - fbar|| <= bound".

    Args:
        bound_of: (ctx, bound instance) -> the claimed bound as a number of ctx.
        rank: the adapter rank R.
    """
    if not applies(inst):
        return None
    from verifier import get_context

    ctx = get_context("certified", prec=prec)
    with ctx.session():
        got = one_layer_lower_bound(inst, rank, output_relu, ctx)
        if got is None:
            return None
        bound = bound_of(ctx, ctx.bind([inst]))
        lb = got["lb"]
        if not (lb - bound) > 0:
            return None
        n = got["n"]
        cert = {
            "kind": "lower-bound",
            "family": f"x -> ReLU((W_1 + dW) x + b), rank(dW) <= {rank}, b free" if output_relu else
                      f"x -> (W_1 + dW) x + b, rank(dW) <= {rank}, b free",
            "law": f"x uniform on the {n} columns of X = {{+-p_i}} ({got['pairs']} pairs)",
            "value": lb.lower().str(12, radius=False), "claimed_bound": bound.upper().str(12, radius=False),
            "pieces": {"sum_{j>R} s_j(W_1 P)^2": got["tail"].str(10), "c_max = max_i ||W_1 p_i||": got["cmax"].str(10),
                       "gamma = min_k bbar_k": str(got["gamma"]), "E||fbar(x) - bbar||": got["off"].str(10)},
            "argument": (__doc__ or "").split("\n\n", 1)[1].strip(),
            "evidence": "certified", "prec_bits": prec,
        }
    reason = (f"every rank-<={rank} adapter and bias has E||f(x) - fbar(x)||_2 >= {float(lb.lower().mid()):.6g} "
              f"(certified: per-pair ReLU case split, Eckart-Young on W_1 P, triangle inequality to the constant "
              f"bbar) > the stated bound {float(bound.upper().mid()):.6g}")
    return Refutation("certified", reason, cert)


__all__ = ["applies", "one_layer_lower_bound", "one_layer_refutation", "symmetric_half"]

