"""The paper's three model families (THEOREMS.md "Models"), their initialisation (App. G), batched.

A "run" is one (frozen model, target, rank, learning rate, weight decay, method, seed) combination;
P runs are stacked along a leading dimension and evaluated or trained at once. Parameters are plain
dicts of tensors and the forward passes are functions, so one code path runs the frozen, the target
and the adapted model, on any device and in any dtype.

Shapes: linear/FNN weights "W" (P, L, D, D), biases "b" (P, L, D); TFN "Q","K","V","O"
(P, L, H, D, D), "W1","W2" (P, L, D, D), "b1","b2" (P, L, D), "Wo" (P, D, D). Inputs x (P, B, D)
or (B, D) for linear/FNN and (P, B, N, D) or (B, N, D) for the TFN (X^T: rows are tokens).

Initialisation (THEOREMS.md "Experiments"): every frozen and target weight Xavier-uniform,
U(-sqrt(6 / (2 D)), sqrt(6 / (2 D))); the TFN's attention weights standard Gaussian. The paper does
not say how biases are drawn: PyTorch's `nn.Linear` default U(-1/sqrt(D), 1/sqrt(D)) is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch

Params = dict[str, torch.Tensor]
F64 = torch.float64


def xavier_uniform(gen: torch.Generator, *shape: int) -> torch.Tensor:
    """Xavier-uniform square weights (fan_in = fan_out = the last dimension), float64 on the CPU."""
    a = math.sqrt(6.0 / (2 * shape[-1]))
    return (torch.rand(*shape, generator=gen, dtype=F64) * 2 - 1) * a


def weight(gen: torch.Generator, *shape: int, init: str = "xavier") -> torch.Tensor:
    """A square weight: Xavier-uniform (as printed) or "pytorch" (nn.Linear's default U(+-1/sqrt(D)))."""
    return xavier_uniform(gen, *shape) if init == "xavier" else default_bias(gen, *shape)


def default_bias(gen: torch.Generator, *shape: int) -> torch.Tensor:
    """PyTorch's `nn.Linear` bias initialisation U(-1/sqrt(D), 1/sqrt(D)) (the paper does not say)."""
    a = 1.0 / math.sqrt(shape[-1])
    return (torch.rand(*shape, generator=gen, dtype=F64) * 2 - 1) * a


def init_fnn(gen: torch.Generator, depth: int, d: int, bias: bool = True, init: str = "xavier") -> Params:
    """One random FNN (or linear model, bias=False): leading dimension 1."""
    out = {"W": weight(gen, 1, depth, d, d, init=init)}
    if bias:
        out["b"] = default_bias(gen, 1, depth, d)
    return out


def init_tfn(gen: torch.Generator, depth: int, heads: int, d: int, init: str = "xavier") -> Params:
    """One random TFN: Gaussian attention weights, Xavier-uniform W1, W2, Wo, default biases."""
    att = {k: torch.randn(1, depth, heads, d, d, generator=gen, dtype=F64) for k in ("Q", "K", "V", "O")}
    return {**att, "W1": weight(gen, 1, depth, d, d, init=init), "W2": weight(gen, 1, depth, d, d, init=init),
            "b1": default_bias(gen, 1, depth, d), "b2": default_bias(gen, 1, depth, d),
            "Wo": weight(gen, 1, d, d, init=init)}


# -- forward passes ---------------------------------------------------------------------------


def _lead(x: torch.Tensor, p: int, dims: int) -> torch.Tensor:
    """Inputs without a run dimension are shared by all p runs (a broadcast view, no copy)."""
    return x.unsqueeze(0).expand(p, *x.shape) if x.dim() == dims else x


def linear_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """x -> (P, B, D): the product of the layers, W[:, 0] acting first."""
    w = params["W"]
    z = _lead(x, w.shape[0], 2)
    for k in range(w.shape[1]):
        z = z @ w[:, k].transpose(-1, -2)
    return z


def fnn_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """z_l = ReLU(W_l z_{l-1} + b_l) for every layer, the last included (THEOREMS.md "Models")."""
    w = params["W"]
    z = _lead(x, w.shape[0], 2)
    for k in range(w.shape[1]):
        z = torch.relu(torch.baddbmm(params["b"][:, k].unsqueeze(1), z, w[:, k].transpose(-1, -2)))
    return z


def tfn_forward(params: Mapping[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """THEOREMS.md's multi-head TFN, output softmax(W_o Z_L) (softmax over each token's D entries).

    Attn_l(Z) = sum_h W_O^h W_V^h Z softmax((W_K^h Z)^T W_Q^h Z) with the softmax normalising each
    column; Z_l = W_2 ReLU(W_1 Attn_l(Z_{l-1}) + b_1 1^T) + b_2 1^T; no skip connection, no norm.
    Tokens are rows here (x is X^T), so each projection is one matmul over all B N tokens.
    """
    p = params["Q"].shape[0]
    x = _lead(x, p, 3)
    _, bsz, n, d = x.shape
    depth, heads = params["Q"].shape[1], params["Q"].shape[2]
    z = x.reshape(p, bsz * n, d)
    for blk in range(depth):
        zs = z.reshape(p, bsz, n, d)
        att_out = torch.zeros(p, bsz * n, d, dtype=z.dtype, device=z.device)
        for h in range(heads):
            # scores[i, j] = (W_K z_i) . (W_Q z_j) = z_i . (W_K^T W_Q z_j): one projection, not two;
            # normalising over i (dim -2) is the column softmax of (W_K Z)^T W_Q Z. (torch's softmax over a
            # last dimension of size N = 10 measured 4x slower than over dim -2 on the CPU.)
            kq = params["K"][:, blk, h].mT @ params["Q"][:, blk, h]
            proj = (z @ kq.mT).reshape(p, bsz, n, d)
            att = torch.softmax(zs @ proj.transpose(-1, -2), dim=-2)
            mixed = (att.transpose(-1, -2) @ zs).reshape(p, bsz * n, d)  # token j: sum_i att[i, j] z_i
            ov = params["O"][:, blk, h] @ params["V"][:, blk, h]
            att_out = att_out + mixed @ ov.mT
        hid = torch.relu(torch.baddbmm(params["b1"][:, blk].unsqueeze(1), att_out, params["W1"][:, blk].mT))
        z = torch.baddbmm(params["b2"][:, blk].unsqueeze(1), hid, params["W2"][:, blk].mT)
    return torch.softmax((z @ params["Wo"].transpose(-1, -2)).reshape(p, bsz, n, d), dim=-1)


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-run mean squared error over samples and output entries (PyTorch's MSELoss): (P,)."""
    return (pred - target).square().flatten(1).mean(dim=1)


def evaluate(forward: object, params: Mapping[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor,
             chunk: int = 1000) -> torch.Tensor:
    """Per-run MSE (float64) of `forward(params, x)` against outputs y (P, B, ...), in chunks of inputs.

    Args:
        x: inputs shared by every run, samples first ((B, D) or (B, N, D)).
    """
    total = torch.zeros(y.shape[0], dtype=F64, device=y.device)
    with torch.no_grad():
        for i in range(0, x.shape[0], chunk):
            pred = forward(params, x[i:i + chunk])  # type: ignore[operator]
            total += (pred.to(F64) - y[:, i:i + chunk].to(F64)).square().flatten(1).sum(dim=1)
    return total / y[0].numel()


__all__ = ["F64", "Params", "default_bias", "evaluate", "fnn_forward", "init_fnn", "init_tfn", "linear_forward",
           "mse", "tfn_forward", "weight", "xavier_uniform"]
