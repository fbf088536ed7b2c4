"""The paper's constructions and the models' forward passes, written once against `verifier.Context`.

The same functions run in the float context (torch, batched over a leading run dimension: matrices
(P, m, n)) and in the certified context (python-flint balls, one instance), so the construction's
error in float64 and its certified enclosure come from one piece of code on the same numbers.
Matrices are column-major in the paper's sense: inputs are D x n with samples (tokens) as columns,
biases D x 1.

- R-LIN (linear): `theorems.zeng_lee.models.linear.lora_adapters`, the code the verifier checks.
- R-UNI (FNN): R-LIN per block of the uniform partition, then biases. Inside a block every layer
  but the last adds a shift c_l that keeps its pre-activations positive on the inputs X (the
  theory's bounded domain, taken to be the evaluation set), so its ReLU is the identity there;
  the block's last bias is bbar_i - (W + dW) c_{l-1}. The shifts are chosen once in float64
  (`fnn_shifts`) and then used, as exact numbers, by every arithmetic.
- R-TFN (transformer): (W_Q, W_K^T) and (W_V, W_O) per head and layer, and (W_2L, W_o), each an
  R-LIN problem with L = 2, with the biases of K2-K8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from verifier import Context


def rlin(ctx: Context, weights: Sequence[Any], target: Any, rank: int) -> list[Any]:
    """Adapted weights W_l + dW_l of the R-LIN construction, rank `rank` on every layer."""
    from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters

    ads = lora_adapters(ctx, list(weights), target, [rank] * len(weights))
    return adapted_weights(ctx, list(weights), ads)


def uniform_blocks(depth: int, target_depth: int) -> list[list[int]]:
    """THEOREMS.md's uniform partition: M = floor(L / Lbar) layers per block, the last block takes the rest."""
    m = depth // target_depth
    blocks = [list(range(m * i, m * (i + 1))) for i in range(target_depth - 1)]
    blocks.append(list(range(m * (target_depth - 1), depth)))
    return blocks


def threshold(depth: int, target_depth: int, d: int) -> int:
    """The rank from which the construction is exact for random weights: ceil(D / M), M = floor(L / Lbar)."""
    return -(-d // (depth // target_depth))


# -- linear and FNN ------------------------------------------------------------------------------


def linear_adapted(ctx: Context, ws: Sequence[Any], wbar: Any, rank: int) -> list[Any]:
    """R-LIN toward the one-layer target's weight."""
    return rlin(ctx, ws, wbar, rank)


def fnn_adapted(ctx: Context, ws: Sequence[Any], tws: Sequence[Any], rank: int) -> list[Any]:
    """R-UNI's adapted weights: R-LIN per block of the uniform partition toward that block's target layer."""
    out: list[Any] = [None] * len(ws)
    for i, block in enumerate(uniform_blocks(len(ws), len(tws))):
        for li, w in zip(block, rlin(ctx, [ws[k] for k in block], tws[i], rank), strict=True):
            out[li] = w
    return out


def fnn_biases(ctx: Context, adapted: Sequence[Any], tbs: Sequence[Any], shifts: Sequence[Any]) -> list[Any]:
    """R-UNI's biases from the adapted weights and the shifts c_l (D x 1; None for a block's last layer)."""
    out: list[Any] = []
    for i, block in enumerate(uniform_blocks(len(adapted), len(tbs))):
        prev = None
        for li in block:
            base = tbs[i] if li == block[-1] else shifts[li]
            out.append(base if prev is None else ctx.sub(base, ctx.mm(adapted[li], prev)))
            prev = None if li == block[-1] else shifts[li]
    return out


def fnn_shifts(ctx: Context, adapted: Sequence[Any], tbs: Sequence[Any], x: Any) -> list[Any]:
    """Shifts c_l = max(0, -min over X of the unshifted activation) + 1, from this arithmetic's activations.

    Args:
        adapted: the adapted weights per layer; tbs: the target biases per block (D x 1); x: X (D x n).

    Each arithmetic takes the shifts from its own activations, so a float run whose adapted weights
    are off does not hand the certified run shifts that are too small. Choosing the shift of the
    activations (not each layer's raw bias) keeps them at the size of the data: shifting each raw
    pre-activation instead let the shift grow with every adapted layer's norm, to 1e27 at L = 8.
    """
    out: list[Any] = [None] * len(adapted)
    ones = ctx.ones(1, ctx.shape(x)[1])
    z = x
    for i, block in enumerate(uniform_blocks(len(adapted), len(tbs))):
        lin = z
        for li in block[:-1]:
            lin = ctx.mm(adapted[li], lin)
            out[li] = _shift(ctx, lin)
        z = ctx.relu(ctx.add(ctx.mm(adapted[block[-1]], lin), ctx.mm(tbs[i], ones)))
    return out


def _shift(ctx: Context, a: Any) -> Any:
    """max(0, -min of each row) + 1 as a D x 1 matrix of `ctx` (exact short dyadics outside the float context)."""
    if ctx.batched:  # the float context: torch tensors (P, D, n)
        return torch.relu(-a.amin(dim=-1, keepdim=True)) + 1.0
    import math

    import numpy as np

    from verifier import RatMatrix
    from verifier.linalg import mid_to_numpy

    low = mid_to_numpy(a).min(axis=1, keepdims=True)
    # rounded up to 1/1024: the +1 margin dwarfs the balls' radii, and short numbers keep balls cheap
    c = np.array([[math.ceil((max(0.0, -v) + 1.0) * 1024) / 1024] for v in low[:, 0]])
    return ctx.load([RatMatrix.from_numpy(c)])


def fnn_forward(ctx: Context, ws: Sequence[Any], bs: Sequence[Any] | None, x: Any, relu: bool = True) -> Any:
    """z_l = ReLU(W_l z_{l-1} + b_l 1^T) on the columns of x (no ReLU, no bias: the linear model)."""
    n = ctx.shape(x)[1]
    ones = ctx.ones(1, n)
    z = x
    for k, w in enumerate(ws):
        z = ctx.mm(w, z)
        if bs is not None:
            z = ctx.add(z, ctx.mm(bs[k], ones))
        if relu:
            z = ctx.relu(z)
    return z


# -- transformer ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tfn:
    """A TFN's parameters as context matrices: per layer (per head) lists; biases D x 1."""

    Q: list[list[Any]]
    K: list[list[Any]]
    V: list[list[Any]]
    O: list[list[Any]]
    W1: list[Any]
    W2: list[Any]
    b1: list[Any]
    b2: list[Any]
    Wo: Any


def tfn_construction(ctx: Context, fz: Tfn, tg: Tfn, rank: int) -> Tfn:
    """R-TFN (K2-K8): per layer and head two R-LIN problems with L = 2, then (W_2L, W_o) and the biases."""
    depth, heads = len(fz.Q), len(fz.Q[0])
    q, k, v, o = ([list(h) for h in m] for m in (fz.Q, fz.K, fz.V, fz.O))
    b1, b2, w2 = list(tg.b1), list(fz.b2), list(fz.W2)
    c2 = None  # Wbar_{2,l-1} W_{2,l-1}^{-1}: Z_{l-1} = C2 Zhat_{l-1} once the earlier layers match (K5)
    for li in range(depth):
        if li > 0:
            c2 = ctx.mm(tg.W2[li - 1], ctx.inv(fz.W2[li - 1]))
        for h in range(heads):
            t_qk = ctx.mm(ctx.T(tg.K[li][h]), tg.Q[li][h])
            if c2 is not None:
                t_qk = ctx.mm(ctx.T(c2), t_qk, c2)
            qa, kta = rlin(ctx, [fz.Q[li][h], ctx.T(fz.K[li][h])], t_qk, rank)
            q[li][h], k[li][h] = qa, ctx.T(kta)
            t_ov = ctx.mm(ctx.inv(fz.W1[li]), tg.W1[li], tg.O[li][h], tg.V[li][h])
            if c2 is not None:
                t_ov = ctx.mm(t_ov, c2)
            v[li][h], o[li][h] = rlin(ctx, [fz.V[li][h], fz.O[li][h]], t_ov, rank)
        if li < depth - 1:  # K5: bhat_2 = W_2 Wbar_2^{-1} bbar_2
            b2[li] = ctx.mm(fz.W2[li], ctx.inv(tg.W2[li]), tg.b2[li])
    last = depth - 1
    w2[last], wo = rlin(ctx, [fz.W2[last], fz.Wo], ctx.mm(tg.Wo, tg.W2[last]), rank)
    b2[last] = ctx.mm(ctx.inv(wo), tg.Wo, tg.b2[last])  # K8
    return Tfn(q, k, v, o, list(fz.W1), w2, b1, b2, wo)


def tfn_forward(ctx: Context, m: Tfn, x: Any) -> Any:
    """softmax(W_o Z_L) for one sequence x (D x N), THEOREMS.md's multi-head TFN, column softmaxes."""
    n = ctx.shape(x)[1]
    ones = ctx.ones(1, n)
    z = x
    for li in range(len(m.Q)):
        att = None
        for h in range(len(m.Q[li])):
            scores = ctx.mm(ctx.T(ctx.mm(m.K[li][h], z)), ctx.mm(m.Q[li][h], z))
            head = ctx.mm(m.O[li][h], m.V[li][h], z, ctx.softmax_cols(scores))
            att = head if att is None else ctx.add(att, head)
        hid = ctx.relu(ctx.add(ctx.mm(m.W1[li], att), ctx.mm(m.b1[li], ones)))
        z = ctx.add(ctx.mm(m.W2[li], hid), ctx.mm(m.b2[li], ones))
    return ctx.softmax_cols(ctx.mm(m.Wo, z))


# -- conversions between the batched torch layout and context matrices ---------------------------


def tfn_from_params(p: dict[str, torch.Tensor], col: bool = True) -> Tfn:
    """Torch TFN parameters (P, ...) as a batched float-context `Tfn` (biases as (P, D, 1))."""
    depth, heads = p["Q"].shape[1], p["Q"].shape[2]
    per = lambda key: [[p[key][:, li, h] for h in range(heads)] for li in range(depth)]  # noqa: E731
    vec = lambda key: [p[key][:, li].unsqueeze(-1) for li in range(depth)]  # noqa: E731
    return Tfn(per("Q"), per("K"), per("V"), per("O"), [p["W1"][:, li] for li in range(depth)],
               [p["W2"][:, li] for li in range(depth)], vec("b1"), vec("b2"), p["Wo"])


def tfn_to_params(m: Tfn) -> dict[str, torch.Tensor]:
    """A batched float-context `Tfn` back as torch parameters (P, ...)."""
    stack = lambda rows: torch.stack([torch.stack(r, dim=1) for r in rows], dim=1)  # noqa: E731
    return {"Q": stack(m.Q), "K": stack(m.K), "V": stack(m.V), "O": stack(m.O),
            "W1": torch.stack(m.W1, dim=1), "W2": torch.stack(m.W2, dim=1),
            "b1": torch.stack([b.squeeze(-1) for b in m.b1], dim=1),
            "b2": torch.stack([b.squeeze(-1) for b in m.b2], dim=1), "Wo": m.Wo}


__all__ = ["Tfn", "fnn_adapted", "fnn_biases", "fnn_forward", "fnn_shifts", "linear_adapted", "rlin",
           "tfn_construction", "tfn_forward", "tfn_from_params", "tfn_to_params", "threshold", "uniform_blocks"]
