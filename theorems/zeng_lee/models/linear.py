"""The R-LIN construction, written once against `Context` so every arithmetic runs it.

Given frozen weights W_1..W_L (W_1 acts first) and a target Wbar, fix a decomposition of
E = Wbar - W_L...W_1 into rank-one terms (an SVD where the arithmetic has one, an exact rank
factorisation E = C F otherwise), hand layer l its slice of R_l terms, and set

    dW_l = (W_L ... W_{l+1})^{-1} T_l (prod_{i<l} (W_i + dW_i))^{-1},   T_l = slice_l(E).

The product then telescopes to prod W + (sum of the handed-out terms). Adapters are returned in
LoRA factor form (B: D x r_l, A: r_l x D with r_l <= R_l), so their rank bound holds by structure.

The inverses are applied as linear solves. A certified check does not run this in ball arithmetic:
`lora_witness` is computed in the certified context's witness arithmetic (`verifier.witness`) and
the claims are certified about the exact adapters it returns, together with its singular vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifier import Context


@dataclass(frozen=True)
class LoraWitness:
    """Lemma 7's adapters (one (B, A) per layer, None where dW_l = 0) and the factors of E they
    came from: (U, V) of an approximate SVD E ~ U S V^T, or None where E was rank-factorised exactly."""

    adapters: tuple[tuple[Any, Any] | None, ...]
    u: Any = None
    v: Any = None


def rank_one_terms(ctx: Context, e: Any) -> tuple[Any, Any, int]:
    """Factors (P, Q, k) with E = P Q when all k columns are used: SVD-based or exact rank factor."""
    p, q, k, _u, _v = _terms(ctx, e, ctx.shape(e)[1])
    return p, q, k


def _terms(ctx: Context, e: Any, needed: int) -> tuple[Any, Any, int, Any, Any]:
    """The first `needed` rank-one terms (P, Q, k <= needed), and the SVD factors (U, V) if any."""
    if ctx.has_svd:
        u, v = ctx.svd(e)
        vk = ctx.cols(v, 0, needed)  # only the handed-out terms: E V_k, not all of E V
        return ctx.mm(e, vk), ctx.T(vk), ctx.shape(vk)[1], u, v
    c, f = ctx.rank_factor(e)
    return c, f, ctx.shape(c)[1], None, None


def lora_witness(ctx: Context, weights: Sequence[Any], target: Any, ranks: Sequence[int]) -> LoraWitness:
    """R-LIN adapters for `weights` toward `target`, layer l getting `ranks[l]` terms, with E's factors.

    Raises InstanceError / PrecisionExhausted when a needed inverse does not exist (or cannot be
    certified), i.e. when the theorem's non-singularity assumption fails.
    """
    n = ctx.shape(target)[0]
    big_l = len(weights)
    e = ctx.sub(target, ctx.prod(weights, n))
    p, q, k, u, v = _terms(ctx, e, sum(ranks))
    # suffix products W_L ... W_{l+1}, built once from the top (the naive loop rebuilds each)
    later: list[Any] = [None] * big_l
    for idx in range(big_l - 2, -1, -1):
        later[idx] = weights[idx + 1] if later[idx + 1] is None else ctx.mm(later[idx + 1], weights[idx + 1])
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
            b = ctx.solve(later[idx], t_left) if later[idx] is not None else t_left
            # T_r partial^{-1} = (partial^{-T} T_r^T)^T: a solve, not an inverse
            a = ctx.T(ctx.solve(ctx.T(partial), ctx.T(t_right))) if partial is not None else t_right
            adapters.append((b, a))
            adapted = ctx.add(weights[idx], ctx.mm(b, a))
        if idx < big_l - 1:  # the last layer's product would be unused
            partial = adapted if partial is None else ctx.mm(adapted, partial)
        start = stop
    return LoraWitness(tuple(adapters), u, v)


def lora_adapters(ctx: Context, weights: Sequence[Any], target: Any,
                  ranks: Sequence[int]) -> list[tuple[Any, Any] | None]:
    """R-LIN adapters (see `lora_witness`): one (B, A) per layer, or None where dW_l = 0."""
    return list(lora_witness(ctx, weights, target, ranks).adapters)


def adapted_weights(ctx: Context, weights: Sequence[Any], adapters: Sequence[tuple[Any, Any] | None]) -> list[Any]:
    """W_l + B_l A_l for each layer (W_l itself where the adapter is None)."""
    return [w if ad is None else ctx.add(w, ctx.mm(ad[0], ad[1])) for w, ad in zip(weights, adapters, strict=True)]
