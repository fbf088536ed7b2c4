"""R-ERR's quantities: the stated error bound, a certified bound on sup_X ||f - fbar||, and a Monte
Carlo upper confidence bound (Hoeffding) on E ||f(x) - fbar(x)|| for x uniform on X."""

from __future__ import annotations

from collections.abc import Sequence
from math import log, sqrt
from typing import Any

from theorems.zeng_lee.models.fnn.domain import (
    Domain,
    Enclosure,
    affine_enclosure,
    relu_enclosure,
    sample_inputs,
    sup_norm,
)
from theorems.zeng_lee.models.fnn.model import FNN, absolute, forward, option
from verifier import InstanceError


def _sqrt(ctx: Any, x: Any) -> Any:
    if ctx.level == "float":
        import torch

        return torch.sqrt(torch.as_tensor(x))
    if ctx.level == "certified":
        from verifier.linalg import working_prec

        with working_prec(ctx.prec):
            return x.sqrt()
    if ctx.level == "mp":
        from mpmath import mp

        return mp.sqrt(x)
    raise InstanceError("square roots are irrational: exact arithmetic cannot evaluate R-ERR's bound")


def maximum(ctx: Any, a: Any, b: Any) -> Any:
    if ctx.level == "float":
        import torch

        return torch.maximum(torch.as_tensor(a), torch.as_tensor(b))
    if ctx.level == "certified":
        return a.max(b)
    return max(a, b)


def frobenius(ctx: Any, a: Any) -> Any:
    """||A||_F in the context's arithmetic: sqrt of the sum of the diagonal of A^T A."""
    n = ctx.shape(a)[1]
    total = None
    for j in range(n):
        col = ctx.cols(a, j, j + 1)
        sq = ctx.mm(ctx.T(col), col)  # 1 x 1
        total = sq if total is None else ctx.add(total, sq)
    return _sqrt(ctx, ctx.maxabs(total))


def stated_bound(ctx: Any, dom: Domain, wbar: Sequence[Any], bbar: Sequence[Any], block_err: Sequence[Any]) -> Any:
    """beta * sum_i (max_k(||Wbar_k||_F + E_k))^(Lbar-i) E_i, with beta as THEOREMS.md states it (literally)."""
    s = _sqrt(ctx, frobenius(ctx, ctx.load([dom.second_moment()])))
    fro = [frobenius(ctx, w) for w in wbar]
    bn = [ctx.norm2(b) for b in bbar]
    lbar = len(wbar)
    beta = s
    for i in range(1, lbar + 1):
        term = s
        for j in range(1, i + 1):
            term = term * fro[j - 1]
        for j in range(1, i + 1):
            p = bn[j - 1]
            for k in range(j + 1, i):  # prod_{k=j+1..i-1}
                p = p * fro[k - 1]
            term = term + p
        beta = maximum(ctx, beta, term)
    g = fro[0] + block_err[0]
    for k in range(1, lbar):
        g = maximum(ctx, g, fro[k] + block_err[k])
    total = 0
    for i in range(1, lbar + 1):
        p = block_err[i - 1]
        for _ in range(lbar - i):
            p = p * g
        total = total + p
    return beta * total


def target_enclosures(ctx: Any, target: FNN, enc: Enclosure) -> list[Enclosure]:
    """Enclosures of zbar_0 = x, zbar_1, ..., zbar_Lbar over the domain."""
    out = [enc]
    for k, (w, b) in enumerate(zip(target.weights, target.biases, strict=True)):
        pre = affine_enclosure(ctx, w, b, out[-1])
        out.append(pre if k == target.depth - 1 and not target.output_relu else relu_enclosure(ctx, pre))
    return out


def input_sup(ctx: Any, dom: Domain, enc: Enclosure) -> Any:
    """sup_X ||x||_2: ||c|| + r for a ball (exact geometry), else from the box enclosure."""
    if dom.kind == "ball":
        from theorems.zeng_lee.models.fnn.domain import column

        return ctx.norm2(ctx.load([column(dom.center)])) + ctx.maxabs(ctx.load([column([dom.radius])]))
    return sup_norm(ctx, enc)


def sup_error_bound(ctx: Any, composed: Sequence[tuple[Any, Any]], target: FNN, enc: Enclosure, dom: Domain) -> Any:
    """A bound on sup_X ||f(x) - fbar(x)||_2 for a block construction whose inner ReLUs are active on X.

    Block i's last pre-activations are A_i z + o_i and Wbar_i zbar + bbar_i, and ReLU is 1-Lipschitz,
    so two bounds hold and the smaller is returned:
    norms: delta_i <= ||A_i|| delta_{i-1} + ||A_i - Wbar_i|| sup||zbar_{i-1}|| + ||o_i - bbar_i||;
    coordinates: |z_i - zbar_i| <= |A_i| v_{i-1} + |A_i - Wbar_i| u_{i-1} + |o_i - bbar_i| entrywise,
    with u_{i-1} >= |zbar_{i-1}| from the target's enclosure.
    """
    zbar = target_enclosures(ctx, target, enc)
    delta = 0
    v = ctx.zeros(ctx.shape(enc.center)[0], 1)
    for i, (a, o) in enumerate(composed):
        w, b = target.weights[i], target.biases[i]
        res, off = ctx.sub(a, w), ctx.sub(o, b)
        size = input_sup(ctx, dom, enc) if i == 0 else sup_norm(ctx, zbar[i])
        delta = ctx.norm2(a) * delta + ctx.norm2(res) * size + ctx.norm2(off)
        u = ctx.add(absolute(ctx, zbar[i].center), zbar[i].radius)
        v = ctx.add(ctx.add(ctx.mm(absolute(ctx, a), v), ctx.mm(absolute(ctx, res), u)), absolute(ctx, off))
    coord = ctx.norm2(v)
    return -maximum(ctx, -delta, -coord)


def naive_sup_error(ctx: Any, net: FNN, target: FNN, enc: Enclosure) -> Any:
    """sup_X ||f - fbar|| bounded from separate enclosures of both outputs (for witnesses without structure)."""
    a, b = target_enclosures(ctx, net, enc)[-1], target_enclosures(ctx, target, enc)[-1]
    gap = ctx.add(ctx.add(absolute(ctx, ctx.sub(a.center, b.center)), a.radius), b.radius)
    return ctx.norm2(gap)


def mc_ucb(ctx: Any, dom: Domain, options: Any, net: FNN, target: FNN, range_bound: Any) -> tuple[Any, Any]:
    """(sample mean, one-sided Hoeffding upper confidence bound) of ||f(x) - fbar(x)||_2, x uniform on X.

    Hoeffding: with values in [0, B], E <= mean + B sqrt(ln(1/alpha) / (2n)) with probability >= 1 - alpha
    over the draw of the n samples.
    """
    n = int(option(options, "samples", 4096))
    alpha = 1 - float(option(options, "confidence", 0.99))
    if not 0 < alpha < 1:
        raise InstanceError(f"options.confidence must be in (0, 1), got {1 - alpha}")
    x = sample_inputs(ctx, dom, n, int(option(options, "sample_seed", 0)))
    diff = ctx.sub(forward(ctx, net, x), forward(ctx, target, x))
    if ctx.level != "float":
        raise InstanceError("the Monte Carlo bound is float evidence only")
    mean = diff.to(ctx.compute).norm(dim=-2).mean(dim=-1)
    return mean, mean + range_bound * sqrt(log(1 / alpha) / (2 * n))

