"""Non-singularity assumptions of the FNN results (A-UNI and its general-partition form), checked
exactly or with certified singular-value enclosures, and their margins as context numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from theorems.zeng_lee.models.fnn.lowrank import truncated_svd
from theorems.zeng_lee.models.fnn.model import Blocks
from verifier import AssumptionResult, RatMatrix, exact_product
from verifier.linalg import all_nonsingular, lowrank_corrections_nonsingular

#: A certified lower bound at least this large proves a singular value positive (the comparison
#: needs a strict margin: an enclosure [0, u] would satisfy ">= 0" without proving anything).
NONSINGULAR_MARGIN = 2.0**-80


def corrections_assumption(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], blocks: Blocks,
                           rmax: Sequence[int]) -> AssumptionResult:
    """Every W_l non-singular and Q_i + LR_r(E_i) non-singular for r <= rmax[i], every block i.

    Q_i = prod_{l in P_i} W_l and E_i = Wbar_i - Q_i. Exact where the matrix is rational, certified
    singular-value enclosures where a best low-rank approximation is involved.
    """
    res = all_nonsingular(W)
    if res.status != "holds":
        return res
    d = W[0].nrows
    evidence, details = "exact", []
    for i, blk in enumerate(blocks):
        q = exact_product([W[li] for li in blk], d)
        r = lowrank_corrections_nonsingular(q, Wbar[i], rmax[i])
        if r.status != "holds":
            where = f"block {i + 1} (layers {blk[0] + 1}..{blk[-1] + 1})"
            return AssumptionResult(r.status, r.evidence, f"{where}: {r.detail}")
        if r.evidence == "certified":
            evidence = "certified"
        details.append(f"block {i + 1}: {r.detail}")
    return AssumptionResult("holds", evidence, "; ".join(details))


def lowrank_smin(ctx: Any, q: Any, e: Any, r: int) -> Any:
    """s_min(Q + LR_r(E)) as the context's number: a certified enclosure, or a float64 value.

    The certified enclosure accounts for the error of the computed LR_r (Wedin's bound); a tie in
    E's singular values at r gives an enclosure reaching 0 (then nothing is proved).
    """
    d = ctx.shape(q)[0]
    if r == 0:
        return ctx.sv(q, d)
    if ctx.level == "certified":
        from verifier.linalg import smin_of_sum_with_lowrank

        return smin_of_sum_with_lowrank(q, e, r, ctx.prec)
    if ctx.level == "float":
        import torch

        low = truncated_svd(ctx, e.to(ctx.compute), r)
        return torch.linalg.svdvals(q.to(ctx.compute) + low)[..., -1]
    if ctx.level == "mp":
        from mpmath import mp

        with mp.workdps(ctx.dps):  # the sum too, at the context's digits
            return ctx.sv(q + truncated_svd(ctx, e, r), d)
    raise ValueError("best low-rank approximations are irrational: exact arithmetic cannot evaluate LR_r")


def nonsingularity_margins(ctx: Any, weights: Sequence[Any], wbar: Sequence[Any], blocks: Blocks,
                           rmax: int) -> tuple[list[Any], list[list[Any]]]:
    """s_min(W_l) per layer, and per block s_min(Q_i + LR_r(E_i)) for r = 0..min(rmax, D).

    For r >= D the correction is E_i itself and the matrix is Wbar_i, so larger r add nothing.
    """
    d = ctx.shape(weights[0])[0]
    per_w = [ctx.sv(w, d) for w in weights]
    per_block = []
    for i, blk in enumerate(blocks):
        q = ctx.prod([weights[li] for li in blk], d)
        e = ctx.sub(wbar[i], q)
        rs = range(min(rmax, d) + 1)
        per_block.append([ctx.sv(wbar[i], d) if r >= d else lowrank_smin(ctx, q, e, r) for r in rs])
    return per_w, per_block
