"""The paper's three model families in PyTorch float64, batched over independent problems.

A "problem" is one (frozen model, target, rank, seed) combination; P problems are stacked along a
leading dimension and trained or evaluated at once, which is what makes the reproduction fit in a
few CPU minutes (tiny D = 16 models are dominated by per-call overhead, not arithmetic). All
problems see the same inputs. Parameters are plain dicts of tensors; the forward passes are
functions, so the same code runs the frozen, the target and the adapted model.

Shapes: linear/FNN weights "W" (P, L, D, D), biases "b" (P, L, D); TFN "Q","K","V","O"
(P, L, H, D, D), "W1","W2" (P, L, D, D), "b1","b2" (P, L, D), "Wo" (P, D, D). Inputs x (B, D) for
linear/FNN, (B, N, D) for the TFN (X^T: rows are tokens, see `tfn_forward`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

Params = dict[str, torch.Tensor]
F64 = torch.float64


def gaussian(gen: torch.Generator, *shape: int, std: float) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=F64) * std


# -- linear and FNN ---------------------------------------------------------------------------


def init_fnn(gen: torch.Generator, p: int, depth: int, d: int, bias: bool = True) -> Params:
    """Random weights N(0, 1/D) (and biases N(0, 1/D)): the paper's random frozen/target models."""
    out = {"W": gaussian(gen, p, depth, d, d, std=d ** -0.5)}
    if bias:
        out["b"] = gaussian(gen, p, depth, d, std=d ** -0.5)
    return out


def linear_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """x (B, D) -> (P, B, D): the product of the layers, W[:, 0] acting first."""
    z = x.unsqueeze(0)
    for k in range(params["W"].shape[1]):
        z = z @ params["W"][:, k].transpose(-1, -2)
    return z


def fnn_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor, relu_last: bool = True) -> torch.Tensor:
    """z_l = ReLU(W_l z_{l-1} + b_l), ReLU on the output layer too (the authors' code; default on)."""
    z = x.unsqueeze(0)
    depth = params["W"].shape[1]
    for k in range(depth):
        z = z @ params["W"][:, k].transpose(-1, -2)
        if "b" in params:
            z = z + params["b"][:, k].unsqueeze(1)
        if k < depth - 1 or relu_last:
            z = torch.relu(z)
    return z


# -- transformer ------------------------------------------------------------------------------


def init_tfn(gen: torch.Generator, p: int, depth: int, heads: int, d: int) -> Params:
    s = d ** -0.5
    return {"Q": gaussian(gen, p, depth, heads, d, d, std=s), "K": gaussian(gen, p, depth, heads, d, d, std=s),
            "V": gaussian(gen, p, depth, heads, d, d, std=s), "O": gaussian(gen, p, depth, heads, d, d, std=s),
            "W1": gaussian(gen, p, depth, d, d, std=s), "W2": gaussian(gen, p, depth, d, d, std=s),
            "b1": gaussian(gen, p, depth, d, std=s), "b2": gaussian(gen, p, depth, d, std=s),
            "Wo": gaussian(gen, p, d, d, std=s)}


def tfn_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """THEOREMS.md's TFN: multi-head attention with column softmax, then a ReLU FFN; no norm, no residual.

    Tokens are stored as rows here: x (B, N, D) is X^T for each input, and the output (P, B, N, D) is
    (W_o Z_L)^T. Keeping tokens as rows lets every projection be one large matmul per problem.
    """
    p = params["Q"].shape[0]
    bsz, n, d = x.shape
    z = x.reshape(1, bsz * n, d).expand(p, -1, -1)
    depth, heads = params["Q"].shape[1], params["Q"].shape[2]
    for blk in range(depth):
        proj = torch.cat([params[k][:, blk].reshape(p, heads * d, d) for k in ("Q", "K", "V")], dim=1)
        # unbind, not indexing: indexing's backward zero-fills the whole tensor once per slice
        qkv = (z @ proj.transpose(-1, -2)).reshape(p, bsz, n, 3 * heads, d).unbind(dim=3)
        a = 0
        for h in range(heads):
            q, k, v = qkv[h], qkv[heads + h], qkv[2 * heads + h]
            # scores[i, j] = k_i . q_j; softmax over i normalises each column of K^T Q
            att = torch.softmax(k @ q.transpose(-1, -2), dim=-2)
            a = a + (att.transpose(-1, -2) @ v).reshape(p, bsz * n, d) @ params["O"][:, blk, h].transpose(-1, -2)
        hid = torch.relu(a @ params["W1"][:, blk].transpose(-1, -2) + params["b1"][:, blk].unsqueeze(1))
        z = hid @ params["W2"][:, blk].transpose(-1, -2) + params["b2"][:, blk].unsqueeze(1)
    return (z @ params["Wo"].transpose(-1, -2)).reshape(p, bsz, n, d)


# -- LoRA ---------------------------------------------------------------------------------------


def rank_mask(ranks: torch.Tensor, rmax: int) -> torch.Tensor:
    """(P, rmax) 0/1 mask keeping the first ranks[p] columns: rank(B A) <= ranks[p] by structure."""
    return (torch.arange(rmax).unsqueeze(0) < ranks.unsqueeze(1)).to(F64)


def lora_delta(b: torch.Tensor, a: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """B diag(mask) A for factor stacks b (P, ..., D, r), a (P, ..., r, D) and mask (P, r)."""
    extra = b.dim() - 3
    m = mask.reshape(mask.shape[0], *([1] * extra), 1, mask.shape[1])
    return (b * m) @ a


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-problem mean squared error over samples and output entries: (P,)."""
    return ((pred - target) ** 2).flatten(1).mean(dim=1)


def evaluate(forward: Any, params: Mapping[str, torch.Tensor], target_out: torch.Tensor, x: torch.Tensor,
             chunk: int = 1000) -> torch.Tensor:
    """Per-problem MSE of `forward(params, x)` against precomputed target outputs, in input chunks."""
    total = torch.zeros(target_out.shape[0], dtype=F64)
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            pred = forward(params, x[i:i + chunk])
            total += ((pred - target_out[:, i:i + chunk]) ** 2).flatten(1).sum(dim=1)
    return total / target_out[0].numel()


__all__ = ["evaluate", "fnn_forward", "gaussian", "init_fnn", "init_tfn", "linear_forward", "lora_delta", "mse",
           "rank_mask", "tfn_forward"]
