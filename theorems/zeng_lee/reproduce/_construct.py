"""The paper's constructions in float64, batched over problems, built on the Lemma 7 construction
(`theorems.zeng_lee.models.linear.lora_adapters`).

The R-LIN adapters come from the project's own construction (run in the float context on torch
tensors of shape (P, D, D)), so the reproduction exercises the code the verifier checks. The FNN
(R-UNI, block by block via R-FNN1) and TFN (R-TFN, pairs solved by R-LIN with L = 2) wrappers
follow THEOREMS.md. Below the rank threshold the same constructions use rank-R adapters (the
witness of R-ERR), so their error falls with R and vanishes at the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from theorems.zeng_lee.reproduce._models import Params

_CTX: Any = None


def _ctx() -> Any:
    global _CTX
    if _CTX is None:
        from verifier import get_context

        _CTX = get_context("float", dtype="float64")
    return _CTX


def rlin(weights: Sequence[torch.Tensor], target: torch.Tensor, ranks: Sequence[int]) -> list[torch.Tensor]:
    """Adapted weights W_l + dW_l (each (P, D, D)) from the R-LIN construction with per-layer ranks."""
    from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters

    ctx = _ctx()
    ads = lora_adapters(ctx, list(weights), target, list(ranks))
    return adapted_weights(ctx, list(weights), ads)


def linear_construction(frozen: Params, target: Params, rank: int) -> Params:
    """Linear model: R-LIN on all layers toward the (one-layer) target's weight."""
    depth = frozen["W"].shape[1]
    ws = rlin([frozen["W"][:, li] for li in range(depth)], target["W"][:, 0], [rank] * depth)
    return {"W": torch.stack(ws, dim=1)}


def uniform_blocks(depth: int, target_depth: int) -> list[list[int]]:
    """THEOREMS.md's uniform partition: M = floor(L / Lbar) layers per block, the last block takes the rest."""
    m = depth // target_depth
    blocks = [list(range(m * i, m * (i + 1))) for i in range(target_depth - 1)]
    blocks.append(list(range(m * (target_depth - 1), depth)))
    return blocks


def fnn_construction(frozen: Params, target: Params, rank: int, x: torch.Tensor, relu_last: bool = True) -> Params:
    """R-UNI: per block, R-LIN adapters toward the target layer, then biases.

    Inside a block every layer but the last gets a bias that makes its pre-activations positive on the
    inputs `x` (the bounded domain X is taken to be these inputs), so its ReLU acts as the identity; the
    last bias is bbar_i minus the propagated earlier biases, so the block computes
    ReLU(prod(W + dW) z + bbar_i).

    The biases are chosen through the shift they leave on the activations: layer l's output is
    (W_l + dW_l) ... z + c_l with c_l = max(0, -min over X of the unshifted part) + 1, and
    b_l = c_l - (W_l + dW_l) c_{l-1}. Choosing b_l directly instead (shifting each layer's raw
    pre-activation) lets the shift grow by every adapted layer's norm: at L = 8 that reached 1e27
    in float64, while this choice keeps activations at the size of the data.
    """
    depth, tdepth = frozen["W"].shape[1], target["W"].shape[1]
    new_w: list[torch.Tensor] = [frozen["W"][:, 0]] * depth
    new_b: list[torch.Tensor] = [frozen["b"][:, 0]] * depth
    z = x.unsqueeze(0).expand(frozen["W"].shape[0], *x.shape)
    for i, block in enumerate(uniform_blocks(depth, tdepth)):
        adapted = rlin([frozen["W"][:, li] for li in block], target["W"][:, i], [rank] * len(block))
        lin = z  # the block's input pushed through the adapted layers, without any shift
        shift = torch.zeros_like(target["b"][:, i])  # c_{l-1}: what the biases so far add to the activations
        for li, wa in zip(block[:-1], adapted[:-1], strict=True):
            lin = lin @ wa.transpose(-1, -2)
            new_shift = torch.relu(-lin.amin(dim=1)) + 1.0
            new_w[li] = wa
            new_b[li] = new_shift - (wa @ shift.unsqueeze(-1)).squeeze(-1)
            shift = new_shift
        last = block[-1]
        wa = adapted[-1]
        b_last = target["b"][:, i] - (wa @ shift.unsqueeze(-1)).squeeze(-1)
        z = lin @ wa.transpose(-1, -2) + target["b"][:, i].unsqueeze(1)
        if last < depth - 1 or relu_last:
            z = torch.relu(z)
        new_w[last], new_b[last] = wa, b_last
    return {"W": torch.stack(new_w, dim=1), "b": torch.stack(new_b, dim=1)}


def tfn_construction(frozen: Params, target: Params, rank: int) -> Params:
    """R-TFN: (W_Q, W_K^T), (W_V, W_O) per head and layer, and (W_2L, W_o), each an R-LIN problem with L = 2."""
    inv = torch.linalg.inv
    depth, heads = frozen["Q"].shape[1], frozen["Q"].shape[2]
    out = {k: v.clone() for k, v in frozen.items()}
    d = frozen["Wo"].shape[-1]
    c2 = torch.eye(d, dtype=frozen["Wo"].dtype).expand_as(frozen["Wo"])
    tr = lambda a: a.transpose(-1, -2)  # noqa: E731
    for li in range(depth):
        if li > 0:  # Zbar_{li-1} = C2 Z_{li-1} once the earlier layers match
            c2 = target["W2"][:, li - 1] @ inv(frozen["W2"][:, li - 1])
        for h in range(heads):
            t_qk = tr(c2) @ tr(target["K"][:, li, h]) @ target["Q"][:, li, h] @ c2
            q, kt = rlin([frozen["Q"][:, li, h], tr(frozen["K"][:, li, h])], t_qk, [rank, rank])
            out["Q"][:, li, h], out["K"][:, li, h] = q, tr(kt)
            t_vo = inv(frozen["W1"][:, li]) @ target["W1"][:, li] @ target["O"][:, li, h] @ target["V"][:, li, h] @ c2
            v, o = rlin([frozen["V"][:, li, h], frozen["O"][:, li, h]], t_vo, [rank, rank])
            out["V"][:, li, h], out["O"][:, li, h] = v, o
        out["b1"][:, li] = target["b1"][:, li]
        if li < depth - 1:
            back = frozen["W2"][:, li] @ inv(target["W2"][:, li])
            out["b2"][:, li] = (back @ target["b2"][:, li].unsqueeze(-1)).squeeze(-1)
    last = depth - 1
    w2, wo = rlin([frozen["W2"][:, last], frozen["Wo"]], target["Wo"] @ target["W2"][:, last], [rank, rank])
    out["W2"][:, last], out["Wo"] = w2, wo
    out["b2"][:, last] = (inv(wo) @ target["Wo"] @ target["b2"][:, last].unsqueeze(-1)).squeeze(-1)
    return out


__all__ = ["fnn_construction", "linear_construction", "rlin", "tfn_construction", "uniform_blocks"]
