"""One run at a time, the plain way: `torch.optim.Adam` and autograd on the per-sample loss.

This is what the batched programs must agree with (tests/reproduce) and what they are timed against
(benchmarks/bench_reproduce.py). It shares nothing with `_programs` but the models' forward passes
and the input streams, so an indexing or gradient slip in the batched code shows up as a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from theorems.zeng_lee.reproduce import _models as mdl
from theorems.zeng_lee.reproduce._programs import TFN_LORA
from theorems.zeng_lee.reproduce._train import Stream

F64 = torch.float64


@dataclass(frozen=True, slots=True)
class OneRun:
    """One run: its models (leading dimension 1), rank, optimiser settings and what it tunes.

    Args:
        family: "linear", "fnn" or "tfn".
        b0: the Gaussian LoRA factor(s) at the start, already cut to `rank` columns (a tensor for
            linear/FNN, a dict per adapted weight for the TFN); ignored at rank 0.
        full_layers: FNN layers (0-based) whose weight and bias are tuned in full (final-layer tuning).
        tune_bias: tune every layer's bias (FNN, TFN).
    """

    family: str
    frozen: Mapping[str, torch.Tensor]
    target: Mapping[str, torch.Tensor]
    b0: torch.Tensor | Mapping[str, torch.Tensor]
    rank: int
    lr: float
    wd: float
    full_layers: tuple[int, ...] = ()
    tune_bias: bool = False


def train_one(run: OneRun, stream: Stream, steps: int, val_x: torch.Tensor, every: int = 50,
              dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, float]:
    """Train `run` on `stream` (one seed); returns its recorded minibatch losses and its validation loss."""
    fz = {k: v.to(dtype) for k, v in run.frozen.items()}
    tg = {k: v.to(dtype) for k, v in run.target.items()}
    leaves: dict[str, torch.Tensor] = {}
    if run.rank > 0:
        b0 = run.b0 if isinstance(run.b0, Mapping) else {"W": run.b0}
        for k, b in b0.items():
            leaves["A:" + k] = torch.zeros_like(b, dtype=dtype).requires_grad_()
            leaves["B:" + k] = b.to(dtype).clone().requires_grad_()
    for layer in run.full_layers:
        leaves[f"W{layer}"] = fz["W"][:, layer].clone().requires_grad_()
        leaves[f"b{layer}"] = fz["b"][:, layer].clone().requires_grad_()
    if run.tune_bias:
        for k in ("b1", "b2") if run.family == "tfn" else ("b",):
            leaves[k] = fz[k].clone().requires_grad_()
    opt = torch.optim.Adam(list(leaves.values()), lr=run.lr, weight_decay=run.wd)
    forward = {"linear": mdl.linear_forward, "fnn": mdl.fnn_forward, "tfn": mdl.tfn_forward}[run.family]
    curve = []
    for t in range(1, steps + 1):
        x = stream.next()
        with torch.no_grad():
            y = forward(tg, x)
        loss = mdl.mse(forward(_params(run, fz, leaves), x), y)
        if t % every == 0 or t == 1:
            curve.append(float(loss.detach()))
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
    with torch.no_grad():
        params = {k: v.to(F64) for k, v in _params(run, fz, leaves).items()}
        tgt = {k: v.to(F64) for k, v in run.target.items()}
        val = float(mdl.mse(forward(params, val_x.to(F64)), forward(tgt, val_x.to(F64)))[0])
    return torch.tensor(curve, dtype=F64), val


def _params(run: OneRun, fz: Mapping[str, torch.Tensor], leaves: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The adapted model's parameters from the frozen ones and the trained leaves."""
    p = dict(fz)
    if run.family == "tfn":
        for k in TFN_LORA:
            if "A:" + k not in leaves:
                continue
            delta = leaves["A:" + k] @ leaves["B:" + k].mT
            if k == "W2":
                p["W2"] = torch.cat([p["W2"][:, :-1], (p["W2"][:, -1] + delta).unsqueeze(1)], dim=1)
            else:
                p[k] = p[k] + delta
        for k in ("b1", "b2"):
            if k in leaves:
                p[k] = leaves[k]
        return p
    layers = []
    for layer in range(fz["W"].shape[1]):
        w = leaves.get(f"W{layer}", fz["W"][:, layer])
        if "A:W" in leaves:
            w = w + leaves["A:W"][:, layer] @ leaves["B:W"][:, layer].mT
        layers.append(w)
    p["W"] = torch.stack(layers, dim=1)
    if "b" in fz:
        bs = leaves["b"] if "b" in leaves else torch.stack(
            [leaves.get(f"b{layer}", fz["b"][:, layer]) for layer in range(fz["b"].shape[1])], dim=1)
        p["b"] = bs
    return p


__all__ = ["OneRun", "train_one"]
