"""One panel of a figure, run at the protocol: models per seed, pretraining, the constructions at every
rank, and every gradient-descent run of the panel (methods x frozen kinds x sizes x seeds x grid
points) trained as one batched program, then the selection by validation loss and the test MSE.

A panel is the unit of work (one model shape, so one tensor program); `verifier reproduce --jobs 2`
runs panels in two processes. Its result is JSON-ready except `models`, which the certified
evaluation reads in the same process.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch

from theorems.zeng_lee.reproduce import _construct as cons
from theorems.zeng_lee.reproduce import _models as mdl
from theorems.zeng_lee.reproduce._programs import TFN_LORA, FnnProgram, TfnProgram
from theorems.zeng_lee.reproduce._settings import ReproduceSettings
from theorems.zeng_lee.reproduce._train import Stream, lora_init, pretrain, train, with_rank

Family = Literal["linear", "fnn", "tfn"]
F64 = torch.float64


@dataclass(frozen=True, slots=True)
class Method:
    """What a group of runs tunes: LoRA (sizes = ranks) or the last k layers (sizes = k), and on which data.

    Args:
        pool: train on a fixed set of this many samples per seed (G.7) instead of fresh ones.
    """

    name: str
    sizes: tuple[int, ...]
    frozen: tuple[str, ...] = ("random",)
    tune_bias: bool = True
    final_layers: bool = False
    pool: int | None = None


@dataclass(frozen=True, slots=True)
class Panel:
    """One model shape of a figure and what runs on it."""

    id: str
    family: Family
    target_depth: int
    depth: int
    methods: tuple[Method, ...]
    construction_frozen: tuple[str, ...]
    construction_ranks: tuple[int, ...]
    salt: int


def mix(seed: int, salt: int, purpose: int) -> int:
    """A generator seed for (seed, panel, purpose): distinct streams that never collide in practice."""
    return (seed * 1_000_003 + salt * 7_919 + purpose * 104_729 + 12_345) % (2**62)


def _stack(models: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {k: torch.cat([m[k] for m in models]) for k in models[0]}


def _take(params: dict[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    return {k: v[idx] for k, v in params.items()}


def fin(v: float) -> float | None:
    """A JSON number, or None for a non-finite value (an overflowed construction or a diverged run)."""
    return v if math.isfinite(v) else None


def series(label: str, panel: str, method: str, frozen: str, x: Sequence[int], per_x: Sequence[Sequence[float]],
           seeds: Sequence[int]) -> dict[str, Any]:
    """A plotted curve: the median (and min/max) over seeds per x, with every seed's value.

    A non-finite value is stored as null and counts as +inf in the median (a diverged seed is worse
    than any finite one, and JSON has no inf).
    """
    up = lambda v: [x if math.isfinite(x) else math.inf for x in v]  # noqa: E731
    return {"label": label, "panel": panel, "method": method, "frozen": frozen, "x": list(x),
            "median": [fin(statistics.median(up(v))) for v in per_x], "min": [fin(min(up(v))) for v in per_x],
            "max": [fin(max(up(v))) for v in per_x], "values": [[fin(x) for x in v] for v in per_x],
            "seeds": list(seeds)}


# -- the models of a panel -------------------------------------------------------------------


@dataclass
class Models:
    """Per seed (leading dimension S): targets, frozen models by kind, and the evaluation inputs (float64)."""

    target: dict[str, torch.Tensor]
    frozen: dict[str, dict[str, torch.Tensor]]
    test_x: torch.Tensor
    val_x: torch.Tensor
    test_y: torch.Tensor | None  # (S, n, ...) target outputs on test_x (None for the linear model: exact MSE)


def _forward(family: Family) -> Callable[..., torch.Tensor]:
    return {"linear": mdl.linear_forward, "fnn": mdl.fnn_forward, "tfn": mdl.tfn_forward}[family]


def _shape(p: Panel, s: ReproduceSettings) -> tuple[int, ...]:
    return (s.tokens, s.D) if p.family == "tfn" else (s.D,)


def build_models(p: Panel, s: ReproduceSettings, need_pretrained: bool) -> tuple[Models, dict[str, Any]]:
    """Draw the targets and random frozen models, pretrain if asked, draw validation and test inputs."""
    d = s.D
    targets, frozen = [], []
    for seed in s.seeds:
        g = torch.Generator().manual_seed(mix(seed, p.salt, 1))
        if p.family == "tfn":
            targets.append(mdl.init_tfn(g, p.target_depth, s.heads, d, s.init))
            frozen.append(mdl.init_tfn(g, p.depth, s.heads, d, s.init))
        else:
            targets.append(mdl.init_fnn(g, p.target_depth, d, bias=p.family == "fnn", init=s.init))
            frozen.append(mdl.init_fnn(g, p.depth, d, bias=p.family == "fnn", init=s.init))
    target, rand = _stack(targets), _stack(frozen)
    kinds = {"random": rand}
    info: dict[str, Any] = {}
    if need_pretrained:
        stream = Stream([mix(seed, p.salt, 2) for seed in s.seeds], _shape(p, s),
                        s.tfn_batch if p.family == "tfn" else s.batch, _dtype(s), s.device)
        t0 = time.perf_counter()
        pre = pretrain(_forward(p.family), rand, target, stream, s.pretrain_lr, s.pretrain_max_steps, s.pretrain_stop,
                       _dtype(s), s.device)
        kinds["pretrained"] = pre.params
        info = {"steps": pre.steps, "start_loss": pre.start, "end_loss": pre.end, "reached": pre.reached,
                "seconds": round(time.perf_counter() - t0, 2)}
    g = torch.Generator().manual_seed(mix(0, p.salt, 3))
    n_test = s.tfn_test_samples if p.family == "tfn" else s.test_samples
    test_x = torch.randn(n_test, *_shape(p, s), generator=g, dtype=F64)
    val_x = torch.stack([torch.randn(s.val_samples, *_shape(p, s), generator=torch.Generator().manual_seed(
        mix(seed, p.salt, 4)), dtype=F64) for seed in s.seeds])
    test_y = None
    if p.family != "linear":
        test_y = torch.cat([_forward(p.family)(_take(target, torch.tensor([i])), test_x) for i in range(len(s.seeds))])
    return Models(target, kinds, test_x, val_x, test_y), info


def _dtype(s: ReproduceSettings) -> torch.dtype:
    return torch.float32 if s.dtype == "float32" else F64


# -- test error ---------------------------------------------------------------------------------


def test_mse(p: Panel, m: Models, params: dict[str, torch.Tensor], seed_idx: torch.Tensor) -> torch.Tensor:
    """Float64 test MSE per run: the exact expectation for the linear model, the test set otherwise."""
    if p.family == "linear":
        e = cons_product(params["W"]) - m.target["W"][:, 0][seed_idx]
        return e.square().sum(dim=(1, 2)) / e.shape[-1]
    assert m.test_y is not None
    return mdl.evaluate(_forward(p.family), params, m.test_x, m.test_y[seed_idx], chunk=500)


def cons_product(w: torch.Tensor) -> torch.Tensor:
    acc = w[:, 0]
    for k in range(1, w.shape[1]):
        acc = w[:, k] @ acc
    return acc


# -- constructions -----------------------------------------------------------------------------


def construct(p: Panel, fz: dict[str, torch.Tensor], tg: dict[str, torch.Tensor], rank: int,
              x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The panel's construction at `rank` in float64, batched over the S seeds (torch parameters)."""
    from verifier import get_context

    ctx = get_context("float", dtype="float64")
    with ctx.session():
        if p.family == "tfn":
            return cons.tfn_to_params(cons.tfn_construction(ctx, cons.tfn_from_params(fz), cons.tfn_from_params(tg),
                                                            rank))
        ws = [fz["W"][:, k] for k in range(p.depth)]
        if p.family == "linear":
            return {"W": torch.stack(cons.linear_adapted(ctx, ws, tg["W"][:, 0], rank), dim=1)}
        tws = [tg["W"][:, k] for k in range(p.target_depth)]
        tbs = [tg["b"][:, k].unsqueeze(-1) for k in range(p.target_depth)]
        adapted = cons.fnn_adapted(ctx, ws, tws, rank)
        shifts = cons.fnn_shifts(ctx, adapted, tbs, x.T.unsqueeze(0))
        bs = cons.fnn_biases(ctx, adapted, tbs, shifts)
        return {"W": torch.stack(adapted, dim=1), "b": torch.stack([b.squeeze(-1) for b in bs], dim=1)}


def construction_series(p: Panel, s: ReproduceSettings, m: Models) -> list[dict[str, Any]]:
    """The construction's test MSE per rank and seed, per frozen kind."""
    out = []
    seeds = torch.arange(len(s.seeds))
    for kind in p.construction_frozen:
        per = []
        for r in p.construction_ranks:
            with torch.no_grad():
                adapted = construct(p, m.frozen[kind], m.target, r, m.test_x)
                per.append(test_mse(p, m, adapted, seeds).tolist())
        out.append(series(f"construction, {kind} frozen", p.id, "construction", kind, p.construction_ranks, per,
                          s.seeds))
    return out


# -- gradient descent --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    method: int
    frozen: str
    size: int
    seed: int  # index into settings.seeds
    lr: float
    wd: float
    stream: int


def run_table(p: Panel, s: ReproduceSettings) -> tuple[list[Run], list[tuple[int, int | None]]]:
    """Every run of the panel and the input streams (seed index, pool size) they draw from."""
    tfn = p.family == "tfn"
    streams: list[tuple[int, int | None]] = [(i, None) for i in range(len(s.seeds))]
    runs = []
    for mi, meth in enumerate(p.methods):
        base = 0
        if meth.pool is not None:
            base = len(streams)
            streams += [(i, meth.pool) for i in range(len(s.seeds))]
        for kind in meth.frozen:
            for size in meth.sizes:
                for si in range(len(s.seeds)):
                    grid = s.grid(si, tfn)
                    runs += [Run(mi, kind, size, si, lr, wd, base + si) for lr, wd in grid]
    return runs, streams


def gradient_descent(p: Panel, s: ReproduceSettings, m: Models,
                     tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """Train every run of the panel in one program, select by validation loss, evaluate on the test set."""
    runs, streams = run_table(p, s)
    if not runs:
        return {"series": [], "selection": [], "curves": [], "runs": 0}
    tfn = p.family == "tfn"
    seed_of = torch.tensor([si for si, _ in streams])
    stream = Stream([mix(s.seeds[si], p.salt, 10 + (0 if pool is None else pool)) for si, pool in streams],
                    _shape(p, s), s.tfn_batch if tfn else s.batch, _dtype(s), s.device,
                    pools=[pool for _, pool in streams])
    ridx = torch.tensor([r.stream for r in runs])
    sidx = torch.tensor([r.seed for r in runs])
    fz = {k: torch.stack([m.frozen[r.frozen][k][r.seed] for r in runs]) for k in m.target}
    tgt = _take(m.target, seed_of)
    val_x = m.val_x[seed_of]
    ranks = torch.tensor([0 if p.methods[r.method].final_layers else r.size for r in runs])
    rmax = max(1, int(ranks.max()))
    init_gen = [torch.Generator().manual_seed(mix(seed, p.salt, 5)) for seed in s.seeds]
    if tfn:
        b0 = {}
        for key in TFN_LORA:
            lead = (p.depth, s.heads) if key in "QKVO" else ()
            per_seed = torch.stack([lora_init(g, lead, s.D, rmax, s.lora_std) for g in init_gen])
            b0[key] = with_rank(per_seed[sidx], ranks)
        prog: Any = TfnProgram(fz, tgt, ridx, b0, val_x, tune_bias=True, dtype=_dtype(s), device=s.device)
    else:
        per_seed = torch.stack([lora_init(g, (p.depth,), s.D, rmax, s.lora_std) for g in init_gen])
        full = torch.zeros(len(runs), p.depth)
        bias = torch.zeros(len(runs), p.depth)
        for i, r in enumerate(runs):
            meth = p.methods[r.method]
            if meth.final_layers:
                full[i, p.depth - r.size:] = 1
                bias[i, p.depth - r.size:] = 1
            elif meth.tune_bias:
                bias[i] = 1
        fam_fnn = p.family == "fnn"
        prog = FnnProgram(fz, tgt, ridx, with_rank(per_seed[sidx], ranks), val_x,
                          full_layers=full if bool(full.any()) else None,
                          bias_layers=bias if fam_fnn and bool(bias.any()) else None, relu=fam_fnn,
                          dtype=_dtype(s), device=s.device)
    steps = s.tfn_steps if tfn else s.steps
    res = train(prog, stream, steps, torch.tensor([r.lr for r in runs]), torch.tensor([r.wd for r in runs]),
                every=s.record_every, tick=tick)
    return _select(p, s, m, runs, prog, res)


def _select(p: Panel, s: ReproduceSettings, m: Models, runs: list[Run], prog: Any, res: Any) -> dict[str, Any]:
    """Per (method, frozen, size, seed): the grid point with the lowest validation loss, and its test MSE."""
    val = torch.nan_to_num(res.val, nan=math.inf)
    best: dict[tuple[int, str, int, int], int] = {}
    for i, r in enumerate(runs):
        key = (r.method, r.frozen, r.size, r.seed)
        if key not in best or val[i] < val[best[key]]:
            best[key] = i
    # what the reduced grid of the later seeds costs: at the full-grid seeds, the best validation loss
    # among the reduced points over the best among all points (1 = the reduction lost nothing there)
    reduced = set(s.grid(len(s.seeds), p.family == "tfn")) if s.grid_seeds < len(s.seeds) else None
    best_reduced: dict[tuple[int, str, int, int], float] = {}
    if reduced is not None:
        for i, r in enumerate(runs):
            key = (r.method, r.frozen, r.size, r.seed)
            if r.seed < s.grid_seeds and (r.lr, r.wd) in reduced:
                best_reduced[key] = min(best_reduced.get(key, math.inf), float(val[i]))
    chosen = torch.tensor(sorted(best.values()))
    adapted = prog.adapted(res.state, chosen)
    test = test_mse(p, m, adapted, torch.tensor([runs[i].seed for i in chosen.tolist()])).tolist()
    test_of = dict(zip(chosen.tolist(), test, strict=True))
    out_series, selection, curves = [], [], []
    for mi, meth in enumerate(p.methods):
        for kind in meth.frozen:
            per = [[test_of[best[(mi, kind, size, si)]] for si in range(len(s.seeds))] for size in meth.sizes]
            label = {"lora": "gradient descent", "lora-no-bias": "gradient descent, frozen biases",
                     "final-layers": "final layers tuned", "finite": f"gradient descent, {meth.pool} samples"}
            out_series.append(series(f"{label.get(meth.name, meth.name)}, {kind} frozen", p.id, meth.name, kind,
                                     meth.sizes, per, s.seeds))
            for size in meth.sizes:
                idx = [best[(mi, kind, size, si)] for si in range(len(s.seeds))]
                ratios = [best_reduced[(mi, kind, size, si)] / float(val[idx[si]]) for si in range(s.grid_seeds)
                          if (mi, kind, size, si) in best_reduced and float(val[idx[si]]) > 0]
                selection.append({"method": meth.name, "frozen": kind, "size": size,
                                  "lr": [runs[i].lr for i in idx], "wd": [runs[i].wd for i in idx],
                                  "val": [fin(float(val[i])) for i in idx],
                                  "reduced_grid_val_ratio": [fin(x) for x in ratios]})
                if meth.name == "lora" and kind == "random" and size in s.curve_ranks:
                    c = res.curve[idx]
                    curves.append({"size": size, "step": _steps(c.shape[1], res.every),
                                   "median": [fin(float(v)) for v in c.median(dim=0).values]})
    return {"series": out_series, "selection": selection, "curves": curves, "runs": len(runs)}


def _steps(n: int, every: int) -> list[int]:
    return [1] + [every * k for k in range(1, n)]


def run_panel(p: Panel, s: ReproduceSettings, tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """Everything of one panel; the result holds `models` (tensors) for the certified evaluation."""
    t0 = time.perf_counter()
    need_pre = "pretrained" in p.construction_frozen or any("pretrained" in mt.frozen for mt in p.methods)
    models, pre_info = build_models(p, s, need_pre)
    t1 = time.perf_counter()
    cons_series = construction_series(p, s, models)
    t2 = time.perf_counter()
    gd = gradient_descent(p, s, models, tick)
    t3 = time.perf_counter()
    return {"id": p.id, "family": p.family, "target_depth": p.target_depth, "depth": p.depth,
            "threshold": cons.threshold(p.depth, p.target_depth, s.D) if p.family != "tfn" else -(-s.D // 2),
            "series": cons_series + gd["series"], "selection": gd["selection"], "curves": gd["curves"],
            "runs": gd["runs"], "pretraining": pre_info, "models": models,
            "seconds": {"models": round(t1 - t0, 2), "constructions": round(t2 - t1, 2),
                        "gradient_descent": round(t3 - t2, 2)}}


__all__ = ["Method", "Models", "Panel", "Run", "build_models", "construct", "fin", "gradient_descent", "mix",
           "run_panel", "run_table", "series", "test_mse"]
