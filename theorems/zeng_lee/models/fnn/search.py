"""Witnesses found by gradient descent (torch float64): LoRA factors plus biases. They are stored exactly
(every float is a dyadic rational) so that every claim that uses them is re-evaluated in exact or certified
arithmetic, bit for bit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn.domain import Domain
from verifier import RatMatrix


def _points(dom: Domain, n: int, rng: np.random.Generator) -> np.ndarray:
    d = dom.dim
    if dom.kind == "box":
        lo = np.array([float(x) for x in dom.lo])[:, None]
        hi = np.array([float(x) for x in dom.hi])[:, None]
        return lo + (hi - lo) * rng.random((d, n))
    g = rng.standard_normal((d, n))
    g /= np.linalg.norm(g, axis=0, keepdims=True)
    return np.array([float(c) for c in dom.center])[:, None] + g * float(dom.radius) * rng.random(n) ** (1 / d)


def _forward(ws: Sequence[Any], bs: Sequence[Any], x: Any, output_relu: bool) -> Any:
    import torch

    z = x
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        z = w @ z + b
        if output_relu or k < len(ws) - 1:
            z = torch.relu(z)
    return z


def _fit(params: list[Any], loss_fn: Any, steps: int, lr: float) -> None:
    import torch

    # these networks are tiny: intra-op threads only add overhead (measured 50x slower with 2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        opt = torch.optim.Adam(params, lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_fn()
            loss.backward()
            opt.step()
            sched.step()
    finally:
        torch.set_num_threads(threads)


Warm = tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]


def gd_lora(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], bbar: Sequence[RatMatrix], rank: int, dom: Domain,
            output_relu: bool, seed: int, warm: Warm | None = None,
            steps: int = 600, n: int = 1024, restarts: int = 1) -> tuple[dict[str, tuple[RatMatrix, ...]], float]:
    """Rank-`rank` LoRA factors and biases minimising the mean squared error to fbar on samples of X.

    Returns the best run as aux matrices ("gd_B", "gd_A", "gd_b") and its max error on fresh samples.
    """
    import torch

    rng = np.random.default_rng([seed, 3])
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2**31 - 1)))
    ws = [torch.from_numpy(w.to_numpy()) for w in W]
    tw = [torch.from_numpy(w.to_numpy()) for w in Wbar]
    tb = [torch.from_numpy(b.to_numpy()) for b in bbar]
    x_train = torch.from_numpy(_points(dom, n, rng))
    x_test = torch.from_numpy(_points(dom, 4 * n, rng))
    y_train, y_test = _forward(tw, tb, x_train, output_relu), _forward(tw, tb, x_test, output_relu)
    d = ws[0].shape[0]
    best: tuple[float, list[np.ndarray], list[np.ndarray], list[np.ndarray]] | None = None
    starts = ([warm] if warm is not None else []) + [None] * restarts
    for start in starts:
        if start is None:
            bs = [(torch.randn(d, rank, generator=gen, dtype=torch.float64) * 0.1) for _ in ws]
            as_ = [(torch.randn(rank, d, generator=gen, dtype=torch.float64) * 0.1) for _ in ws]
            biases = [torch.full((d, 1), 1.0, dtype=torch.float64) for _ in ws]
        else:
            bs = [torch.from_numpy(m.copy()) for m in start[0]]
            as_ = [torch.from_numpy(m.copy()) for m in start[1]]
            biases = [torch.from_numpy(m.copy()) for m in start[2]]
        params = [p.requires_grad_() for p in bs + as_ + biases]

        def loss(bs: list[Any] = bs, as_: list[Any] = as_, biases: list[Any] = biases) -> Any:
            adapted = [w + b @ a for w, b, a in zip(ws, bs, as_, strict=True)]
            return ((_forward(adapted, biases, x_train, output_relu) - y_train) ** 2).mean()

        _fit(params, loss, steps, 1e-2 if start is None else 1e-4)
        with torch.no_grad():
            adapted = [w + b @ a for w, b, a in zip(ws, bs, as_, strict=True)]
            err = float((_forward(adapted, biases, x_test, output_relu) - y_test).abs().max())
        if best is None or err < best[0]:
            best = (err, [b.detach().numpy().copy() for b in bs], [a.detach().numpy().copy() for a in as_],
                    [b.detach().numpy().copy() for b in biases])
    assert best is not None
    aux = {"gd_B": tuple(RatMatrix.from_numpy(m) for m in best[1]),
           "gd_A": tuple(RatMatrix.from_numpy(m) for m in best[2]),
           "gd_b": tuple(RatMatrix.from_numpy(m) for m in best[3])}
    return aux, best[0]
