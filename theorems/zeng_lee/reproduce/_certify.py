"""The construction's error in float64 and at the certified level, on the same numbers.

Every float64 weight and input is an exact dyadic rational, so the certified context can take the
very instance the float run saw. The construction (`_construct`, written once against `Context`)
runs in the float context and in python-flint ball arithmetic; the certified MSE is an enclosure
of the error of the construction computed exactly up to the approximate SVD's rounding at the
working precision (raised until the enclosure is tight). A float64 error far above the certified
one is then rounding, not the theory: at L = 8 the adapted layers' products amplify it by ~1e20.

Linear model: for standard-normal x, E||(M - Wbar) x||^2 / D = ||M - Wbar||_F^2 / D exactly, so
that closed form is the (population) MSE that is certified. FNN and TFN: the MSE on the first
inputs of the test set (the theory's bounded domain X is the test set; the shifts of the FNN's
intermediate biases are chosen once in float64 on these inputs and used, exactly, by both).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from theorems.zeng_lee.reproduce import _construct as cons
from theorems.zeng_lee.reproduce._panels import Models
from verifier import InstanceError, PrecisionExhausted, RatMatrix, get_context


def _loader(ctx: Any) -> Callable[[torch.Tensor], Any]:
    """float64 tensor (m, n) -> a matrix of `ctx` holding exactly those numbers."""
    if ctx.name == "float":
        return lambda t: t.to(torch.float64).unsqueeze(0)
    return lambda t: ctx.load([RatMatrix.from_numpy(np.asarray(t.to(torch.float64).numpy()))])


def _mse_in(ctx: Any, family: str, m: Models, kind: str, seed: int, rank: int, depth: int, tdepth: int,
            x: torch.Tensor) -> Any:
    """The construction's MSE (a `ctx` scalar) on inputs x ((n, D) or (n, N, D), float64)."""
    load = _loader(ctx)
    fz = {k: v[seed] for k, v in m.frozen[kind].items()}
    tg = {k: v[seed] for k, v in m.target.items()}
    if family == "tfn":
        fzm = _tfn(fz, load)
        tgm = _tfn(tg, load)
        ad = cons.tfn_construction(ctx, fzm, tgm, rank)
        total = ctx.const(0)
        for xi in x:
            xs = load(xi.T)
            total = total + ctx.frobenius_sq(ctx.sub(cons.tfn_forward(ctx, ad, xs), cons.tfn_forward(ctx, tgm, xs)))
        return total / (x.shape[0] * x.shape[1] * x.shape[2])
    ws = [load(fz["W"][k]) for k in range(depth)]
    tws = [load(tg["W"][k]) for k in range(tdepth)]
    if family == "linear":
        e = ctx.sub(ctx.prod(cons.linear_adapted(ctx, ws, tws[0], rank), ctx.shape(ws[0])[0]), tws[0])
        return ctx.frobenius_sq(e) / ctx.shape(e)[0]
    tbs = [load(tg["b"][k].unsqueeze(-1)) for k in range(tdepth)]
    xs = load(x.T)
    adapted = cons.fnn_adapted(ctx, ws, tws, rank)
    bs = cons.fnn_biases(ctx, adapted, tbs, cons.fnn_shifts(ctx, adapted, tbs, xs))
    out = cons.fnn_forward(ctx, adapted, bs, xs)
    ref = cons.fnn_forward(ctx, tws, tbs, xs)
    return ctx.frobenius_sq(ctx.sub(out, ref)) / (x.shape[0] * x.shape[1])


def _tfn(p: dict[str, torch.Tensor], load: Callable[[torch.Tensor], Any]) -> cons.Tfn:
    depth, heads = p["Q"].shape[0], p["Q"].shape[1]
    per = lambda key: [[load(p[key][li, h]) for h in range(heads)] for li in range(depth)]  # noqa: E731
    return cons.Tfn(per("Q"), per("K"), per("V"), per("O"), [load(p["W1"][li]) for li in range(depth)],
                    [load(p["W2"][li]) for li in range(depth)],
                    [load(p["b1"][li].unsqueeze(-1)) for li in range(depth)],
                    [load(p["b2"][li].unsqueeze(-1)) for li in range(depth)], load(p["Wo"]))


def certify(family: str, m: Models, kind: str, seed: int, rank: int, depth: int, tdepth: int, n_inputs: int,
            prec: int, max_prec: int) -> dict[str, Any]:
    """One row: the construction's MSE in float64 and its certified enclosure, on the same inputs."""
    t0 = time.perf_counter()
    x = m.test_x[:n_inputs]
    fctx = get_context("float", dtype="float64")
    with fctx.session(), torch.no_grad():
        try:
            f64 = float(_mse_in(fctx, family, m, kind, seed, rank, depth, tdepth, x).reshape(-1)[0])
        except (RuntimeError, InstanceError):  # a singular float inverse: the float construction breaks down
            f64 = math.nan
    row: dict[str, Any] = {"frozen": kind, "rank": rank, "seed_index": seed, "inputs": "exact expectation"
                           if family == "linear" else int(x.shape[0]), "float64": f64 if math.isfinite(f64) else None}
    bits = prec
    while True:
        ctx = get_context("certified", prec=bits, max_prec=max(bits, max_prec))
        try:
            with ctx.session():
                val = _mse_in(ctx, family, m, kind, seed, rank, depth, tdepth, x)
            mid, rad = float(val.mid()), float(val.rad())
            row.update(certified=mid, radius=rad, bits=bits, note=None)
            if rad <= 1e-6 * abs(mid) or rad <= 1e-30:
                break
        except (PrecisionExhausted, InstanceError, ZeroDivisionError) as exc:
            row.update(certified=None, radius=None, bits=bits, note=f"not certified at {bits} bits: {exc}"[:200])
        if bits * 2 > max_prec:
            break
        bits *= 2
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


__all__ = ["certify"]
