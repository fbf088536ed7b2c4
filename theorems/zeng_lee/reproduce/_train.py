"""Batched Adam for many independent small problems at once, with per-problem stopping.

Each problem's loss is a mean over its own samples and the optimiser minimises their sum, so every
problem gets exactly its own gradient; Adam's update is elementwise, so stacking problems changes
nothing but speed. A written-out Adam (rather than torch.optim) lets problems stop individually
(the "pretrained" models stop once their training MSE falls below a third of where it started).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True, slots=True)
class AdamResult:
    """Per-problem outcome: last training loss and the number of steps each problem took."""

    loss: torch.Tensor
    steps: torch.Tensor


def _expand(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask.reshape(mask.shape[0], *([1] * (like.dim() - 1)))


LossFn = Callable[[dict[str, torch.Tensor], int], torch.Tensor]


def adam(params: dict[str, torch.Tensor], loss_fn: LossFn, steps: int, lr: float,
         stop_below: torch.Tensor | None = None, cosine: bool = True,
         tick: Callable[[], None] | None = None) -> AdamResult:
    """Minimise `loss_fn(leaves, step)` (a (P,) tensor of per-problem losses) over the tensors in `params`.

    Args:
        params: tensors with a leading problem dimension P; updated in place.
        stop_below: per-problem loss levels; a problem stops (its parameters freeze) once below.
        cosine: decay the learning rate to 1% of `lr` along a cosine (fewer steps reach lower loss).
        tick: called once per step (progress bars).
    """
    leaves = {k: v.detach().clone().requires_grad_() for k, v in params.items()}
    m = {k: torch.zeros_like(v) for k, v in leaves.items()}
    v2 = {k: torch.zeros_like(v) for k, v in leaves.items()}
    p = next(iter(leaves.values())).shape[0]
    active = torch.ones(p, dtype=torch.bool)
    taken = torch.zeros(p, dtype=torch.long)
    last = torch.full((p,), float("nan"), dtype=torch.float64)
    b1, b2, eps = 0.9, 0.999, 1e-12
    for t in range(1, steps + 1):
        loss = loss_fn(leaves, t)
        last = torch.where(active, loss.detach(), last)
        if stop_below is not None:
            active = active & ~(loss.detach() < stop_below)
            if not bool(active.any()):
                break
        for leaf in leaves.values():
            leaf.grad = None
        loss.sum().backward()
        rate = lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (t - 1) / steps))) if cosine else lr
        with torch.no_grad():
            for k, leaf in leaves.items():
                g = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
                m[k].mul_(b1).add_(g, alpha=1 - b1)
                v2[k].mul_(b2).addcmul_(g, g, value=1 - b2)
                upd = (m[k] / (1 - b1**t)) / ((v2[k] / (1 - b2**t)).sqrt() + eps)
                leaf.sub_(rate * upd * _expand(active, leaf).to(leaf.dtype))
        taken += active.long()
        if tick is not None:
            tick()
    for k, leaf in leaves.items():
        params[k] = leaf.detach()
    return AdamResult(last, taken)


__all__ = ["AdamResult", "adam"]
