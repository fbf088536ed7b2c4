"""Adapters found by search rather than by a construction: they probe "no adapters do better"
claims. Found in float64 by gradient descent on the LoRA factors, then stored exactly (every
float is a rational), so each probe is re-evaluated in certified arithmetic bit for bit.

On ill-conditioned instances float64 may overflow or fail to converge: a probe set that is not
finite is dropped (the zero adapters stand in when nothing else is left), so probing never
raises on a valid instance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from verifier import RatMatrix


def np_product(ws: Sequence[np.ndarray], d: int) -> np.ndarray:
    """W_L ... W_1 in float64 (the d x d identity for no layers): the float side of the probes' constructions."""
    out = np.eye(d)
    for w in ws:
        out = w @ out
    return out


def _residual(ws, bs, as_, wbar):  # type: ignore[no-untyped-def]
    out = None
    for w, b, a in zip(ws, bs, as_, strict=True):
        layer = w + b @ a
        out = layer if out is None else layer @ out
    return out - wbar


def linear_lora_probes(
    weights: Sequence[RatMatrix],
    target: RatMatrix,
    rank: int,
    rng: np.random.Generator,
    restarts: int = 3,
    steps: int = 300,
    warm: Sequence[tuple[np.ndarray, np.ndarray] | None] | None = None,
) -> dict[str, tuple[RatMatrix, ...]]:
    """Rank-`rank` adapters that try to minimise ||prod(W_l + B_l A_l) - target||_2.

    Returns aux matrices "probe_B" and "probe_A": K probes x L layers, flattened probe-major.
    Probes: `restarts` Adam runs from random starts (Frobenius loss, then spectral), plus one
    random adapter set, plus `warm` (e.g. a perturbed construction) when given.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: thread synchronisation costs more than the work
    try:
        return _search(torch, weights, target, rank, rng, restarts, steps, warm)
    finally:
        torch.set_num_threads(threads)


def _search(torch, weights, target, rank, rng, restarts, steps, warm):  # type: ignore[no-untyped-def]
    ws = [torch.from_numpy(w.to_numpy()) for w in weights]
    wbar = torch.from_numpy(target.to_numpy())
    d = wbar.shape[0]
    seed = int(rng.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    found: list[list[tuple[np.ndarray, np.ndarray]]] = []
    # All restarts run as one batch (leading dimension), so their cost is one optimisation's.
    bs = [(torch.randn(restarts, d, rank, generator=gen, dtype=torch.float64) * 0.1).requires_grad_() for _ in ws]
    as_ = [(torch.randn(restarts, rank, d, generator=gen, dtype=torch.float64) * 0.1).requires_grad_() for _ in ws]
    opt = torch.optim.Adam(bs + as_, lr=0.02)
    for step in range(steps):
        opt.zero_grad()
        res = _residual(ws, bs, as_, wbar)
        if not torch.isfinite(res).all():
            break  # overflow on an ill-conditioned instance: keep what is finite so far
        loss = (res**2).sum() if step < steps * 2 // 3 else torch.linalg.matrix_norm(res, ord=2).sum()
        loss.backward()
        opt.step()
    for k in range(restarts):
        found.append(
            [(b[k].detach().numpy().copy(), a[k].detach().numpy().copy()) for b, a in zip(bs, as_, strict=True)]
        )
    found.append(
        [(rng.standard_normal((d, rank)) / np.sqrt(d), rng.standard_normal((rank, d)) / np.sqrt(d)) for _ in ws]
    )
    if warm is not None:
        found.append([(np.zeros((d, rank)), np.zeros((rank, d))) if ad is None else ad for ad in warm])
    found = [probe for probe in found if all(np.isfinite(m).all() for ad in probe for m in ad)]
    if not found:
        found.append([(np.zeros((d, rank)), np.zeros((rank, d))) for _ in ws])
    flat_b = tuple(RatMatrix.from_numpy(b) for probe in found for b, _ in probe)
    flat_a = tuple(RatMatrix.from_numpy(a) for probe in found for _, a in probe)
    return {"probe_B": flat_b, "probe_A": flat_a}
