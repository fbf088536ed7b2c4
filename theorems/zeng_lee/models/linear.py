"""The R-LIN construction, written once against `Context` so every arithmetic runs it.

Given frozen weights W_1..W_L (W_1 acts first) and a target Wbar, fix a decomposition of
E = Wbar - W_L...W_1 into rank-one terms (an SVD where the arithmetic has one, an exact rank
factorisation E = C F otherwise), hand layer l its slice of R_l terms, and set

    dW_l = (W_L ... W_{l+1})^{-1} T_l (prod_{i<l} (W_i + dW_i))^{-1},   T_l = slice_l(E).

The product then telescopes to prod W + (sum of the handed-out terms). Adapters are returned in
LoRA factor form (B: D x r_l, A: r_l x D with r_l <= R_l), so their rank bound holds by structure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifier import Context


def rank_one_terms(ctx: Context, e: Any) -> tuple[Any, Any, int]:
    """Factors (P, Q, k) with E = P Q when all k columns are used: SVD-based or exact rank factor."""
    if ctx.has_svd:
        _u, v = ctx.svd(e)
        k = ctx.shape(v)[1]
        return ctx.mm(e, v), ctx.T(v), k
    c, f = ctx.rank_factor(e)
    return c, f, ctx.shape(c)[1]


def lora_adapters(ctx: Context, weights: Sequence[Any], target: Any,
                  ranks: Sequence[int]) -> list[tuple[Any, Any] | None]:
    """R-LIN adapters for `weights` toward `target`, layer l getting `ranks[l]` terms.

    Returns one (B, A) per layer, or None where the layer gets no term (dW_l = 0).
    Raises InstanceError / PrecisionExhausted when a needed inverse does not exist (or cannot be
    certified), i.e. when the theorem's non-singularity assumption fails.
    """
    n = ctx.shape(target)[0]
    big_l = len(weights)
    e = ctx.sub(target, ctx.prod(weights, n))
    p, q, k = rank_one_terms(ctx, e)
    adapters: list[tuple[Any, Any] | None] = []
    partial = None  # prod_{i<l} (W_i + dW_i); None means the identity
    start = 0
    for idx in range(big_l):
        stop = min(start + ranks[idx], k)
        if stop <= start:
            adapters.append(None)
            adapted = weights[idx]
        else:
            t_left = ctx.cols(p, start, stop)
            t_right = ctx.rows(q, start, stop)
            later = weights[idx + 1:]
            b = ctx.mm(ctx.inv(ctx.prod(later, n)), t_left) if later else t_left
            a = ctx.mm(t_right, ctx.inv(partial)) if partial is not None else t_right
            adapters.append((b, a))
            adapted = ctx.add(weights[idx], ctx.mm(b, a))
        partial = adapted if partial is None else ctx.mm(adapted, partial)
        start = stop
    return adapters


def adapted_weights(ctx: Context, weights: Sequence[Any], adapters: Sequence[tuple[Any, Any] | None]) -> list[Any]:
    """W_l + B_l A_l for each layer (W_l itself where the adapter is None)."""
    return [w if ad is None else ctx.add(w, ctx.mm(ad[0], ad[1])) for w, ad in zip(weights, adapters, strict=True)]
