"""One tensor program for many training runs: batched Adam over stacked parameters.

P runs (seeds x ranks x grid points x methods) train together. Each run's loss is a mean over its
own samples and the program minimises their sum, so every run gets exactly its own gradient; Adam
is elementwise, and the learning rate and weight decay are per-run tensors, so stacking changes
nothing but speed (`tests/reproduce` checks this against `reference.train_one`, which trains one
run at a time with `torch.optim.Adam`).

Adam follows `torch.optim.Adam` (betas 0.9/0.999, eps 1e-8, weight decay added to the gradient, as
the authors' code does). Runs of the same seed see the same input stream: seed s draws its 256
fresh standard-normal inputs per step from its own generator, whatever its rank or grid point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

BETA1, BETA2, EPS = 0.9, 0.999, 1e-8


class Program(Protocol):
    """A batch of P runs of one model family: what is trained, and its loss with gradients."""

    def init_state(self) -> dict[str, torch.Tensor]:
        """The trainable tensors at the start (leading run dimension P)."""

    def update_masks(self) -> Mapping[str, torch.Tensor]:
        """0/1 tensors broadcast against a trainable tensor: 0 freezes those entries of those runs."""

    def loss_grads(self, state: Mapping[str, torch.Tensor], x: torch.Tensor) -> tuple[torch.Tensor,
                                                                                     dict[str, torch.Tensor]]:
        """Per-run training loss (P,) and the gradient of their sum, on the seeds' inputs x (S, B, ...)."""

    def val_loss(self, state: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Per-run validation loss (P,), float64."""


@dataclass
class Stream:
    """Training inputs per stream: fresh standard-normal samples every step, or minibatches of a fixed set.

    Args:
        seeds: one generator seed per stream (runs refer to streams by index).
        shape: one sample's shape ((D,) or (N, D)).
        batch: samples per step (256 in the paper).
        pools: per stream, None (fresh samples every step) or a size n: the stream draws a fixed set of
            n samples once and every step takes a random `batch` of them, without replacement within
            the step (G.7's finite training sets).
    """

    seeds: Sequence[int]
    shape: tuple[int, ...]
    batch: int
    dtype: torch.dtype = torch.float32
    device: str = "cpu"
    pools: Sequence[int | None] = ()

    def __post_init__(self) -> None:
        self._gens = [torch.Generator().manual_seed(int(s)) for s in self.seeds]
        sizes = list(self.pools) or [None] * len(self.seeds)
        self._pools = [None if n is None else torch.randn(n, *self.shape, generator=g)
                       for n, g in zip(sizes, self._gens, strict=True)]

    def subset(self, index: int) -> Stream:
        """Stream `index` alone (the per-run reference trainer uses it)."""
        pools = [self.pools[index]] if self.pools else []
        return Stream([self.seeds[index]], self.shape, self.batch, self.dtype, self.device, pools)

    def next(self) -> torch.Tensor:
        """(streams, batch, *shape): the next step's inputs of every stream."""
        xs = []
        for pool, g in zip(self._pools, self._gens, strict=True):
            if pool is None:
                xs.append(torch.randn(self.batch, *self.shape, generator=g))
            else:
                xs.append(pool[torch.randperm(pool.shape[0], generator=g)[:self.batch]])
        return torch.stack(xs).to(device=self.device, dtype=self.dtype)


@dataclass(frozen=True, slots=True)
class TrainResult:
    """Per run: the final state, the validation loss and the training loss every `every` steps."""

    state: dict[str, torch.Tensor]
    val: torch.Tensor
    curve: torch.Tensor  # (P, steps // every): the step's minibatch loss
    every: int


def _bshape(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.reshape(v.shape[0], *([1] * (like.dim() - 1))).to(device=like.device, dtype=like.dtype)


def train(program: Program, stream: Stream, steps: int, lr: torch.Tensor, wd: torch.Tensor,
          every: int = 50, tick: Callable[[], None] | None = None) -> TrainResult:
    """Adam on every run of `program` for `steps` steps; lr and wd are (P,) tensors.

    Args:
        every: record each run's minibatch loss every this many steps (training curves, G.6).
        tick: called once per step (progress bars).
    """
    state = program.init_state()
    masks = program.update_masks()
    m = {k: torch.zeros_like(v) for k, v in state.items()}
    v2 = {k: torch.zeros_like(v) for k, v in state.items()}
    lrs = {k: _bshape(lr, v) for k, v in state.items()}
    wds = {k: _bshape(wd, v) for k, v in state.items()}
    decay = bool((wd != 0).any())
    curve = []
    for t in range(1, steps + 1):
        loss, grads = program.loss_grads(state, stream.next())
        if t % every == 0 or t == 1:
            curve.append(loss.detach().to(torch.float64).cpu())
        bc1, bc2 = 1 - BETA1**t, (1 - BETA2**t) ** 0.5
        for k, p in state.items():
            g = grads[k]  # a fresh tensor owned here: updated in place
            if decay:
                g.addcmul_(p, wds[k])
            if k in masks:
                g.mul_(masks[k])
            m[k].lerp_(g, 1 - BETA1)
            v2[k].mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
            step = torch.sqrt(v2[k], out=g).div_(bc2).add_(EPS)
            torch.div(m[k], step, out=step).mul_(lrs[k])
            p.sub_(step, alpha=1 / bc1)
        if tick is not None:
            tick()
    val = program.val_loss(state)
    return TrainResult(state, val, torch.stack(curve, dim=1), every)


# -- pretraining ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pretrained:
    """Pretrained frozen models (float64, CPU) and, per seed, the steps taken and the losses."""

    params: dict[str, torch.Tensor]
    steps: list[int]
    start: list[float]
    end: list[float]
    reached: list[bool]


def pretrain(forward: Callable[[Mapping[str, torch.Tensor], torch.Tensor], torch.Tensor],
             frozen: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor], stream: Stream, lr: float,
             max_steps: int, stop: float, dtype: torch.dtype = torch.float32, device: str = "cpu") -> Pretrained:
    """Full-rank Adam on every weight and bias of S frozen models (one per seed) toward their targets.

    A seed stops at the first step whose minibatch loss is at most `stop` times its first step's
    loss (checked before that step's update, as the authors' code does), or after `max_steps`.
    """
    leaves = {k: v.to(device=device, dtype=dtype).clone().requires_grad_() for k, v in frozen.items()}
    tgt = {k: v.to(device=device, dtype=dtype) for k, v in target.items()}
    m = {k: torch.zeros_like(v) for k, v in leaves.items()}
    v2 = {k: torch.zeros_like(v) for k, v in leaves.items()}
    s = next(iter(leaves.values())).shape[0]
    active = torch.ones(s, dtype=torch.bool, device=device)
    taken = torch.zeros(s, dtype=torch.long)
    start = torch.zeros(s, dtype=torch.float64)
    last = torch.zeros(s, dtype=torch.float64)
    for t in range(1, max_steps + 1):
        x = stream.next()
        with torch.no_grad():
            y = forward(tgt, x)
        loss = ((forward(leaves, x) - y) ** 2).flatten(1).mean(dim=1)
        lv = loss.detach().to("cpu", torch.float64)
        if t == 1:
            start = lv.clone()
        else:
            active &= ~(lv <= stop * start).to(device)
        last = torch.where(active.cpu(), lv, last)
        if not bool(active.any()):
            break
        grads = torch.autograd.grad(loss.sum(), list(leaves.values()))
        bc1, bc2 = 1 - BETA1**t, (1 - BETA2**t) ** 0.5
        with torch.no_grad():
            for (k, p), g in zip(leaves.items(), grads, strict=True):
                g = g * _bshape(active, g)
                m[k].lerp_(g, 1 - BETA1)
                v2[k].mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
                p.sub_(lr / bc1 * m[k] / ((v2[k].sqrt() / bc2).add_(EPS)))
        taken += active.cpu().long()
    reached = [bool(x) for x in ~active.cpu()]
    return Pretrained({k: v.detach().to("cpu", torch.float64) for k, v in leaves.items()}, taken.tolist(),
                      start.tolist(), last.tolist(), reached)


# -- LoRA helpers -------------------------------------------------------------------------------


def lora_init(gen: torch.Generator, lead: Sequence[int], d: int, rmax: int, std: float) -> torch.Tensor:
    """The Gaussian factor B (input side) of dW = A B^T, N(0, std^2), for the largest rank `rmax`.

    A run of rank r uses the first r columns, so runs of one seed start from the same B whatever
    their rank, learning rate or weight decay (as in the authors' code, which reseeds per run).
    """
    return torch.randn(*lead, d, rmax, generator=gen, dtype=torch.float64) * std


def column_mask(ranks: torch.Tensor, rmax: int) -> torch.Tensor:
    """(P, rmax) 0/1: the first ranks[p] columns of a factor are in use."""
    return (torch.arange(rmax, device=ranks.device).unsqueeze(0) < ranks.unsqueeze(1)).to(torch.float64)


def with_rank(b: torch.Tensor, ranks: torch.Tensor) -> torch.Tensor:
    """B with the columns beyond each run's rank zeroed: then A stays zero there too (its gradient
    is gW B), so dW = A B^T has rank <= r by structure and no mask is needed in the forward pass."""
    mask = column_mask(ranks.to(b.device), b.shape[-1]).to(b.dtype)
    return b * mask.reshape(mask.shape[0], *([1] * (b.dim() - 2)), mask.shape[1])


__all__ = ["Pretrained", "Program", "Stream", "TrainResult", "column_mask", "lora_init", "pretrain", "train",
           "with_rank"]

