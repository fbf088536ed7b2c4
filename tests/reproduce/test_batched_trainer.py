"""The batched training programs agree with one-run-at-a-time training (torch.optim.Adam + autograd).

Each test trains a small grid (seeds x ranks x lr x weight decay x methods) once as a batch and once
run by run on the same seeds, and compares every recorded minibatch loss and the final validation
loss. float64 throughout, so a slip (a wrong index, a missing gradient term, Adam off by a step)
shows up far above the rounding level.
"""

from __future__ import annotations

import pytest
import torch

from theorems.zeng_lee.reproduce import _models as mdl
from theorems.zeng_lee.reproduce._programs import TFN_LORA, FnnProgram, TfnProgram
from theorems.zeng_lee.reproduce._reference import OneRun, train_one
from theorems.zeng_lee.reproduce._train import Stream, lora_init, train, with_rank

F64 = torch.float64
D, S, STEPS, EVERY, BATCH = 5, 2, 25, 5, 16
SEEDS = [101, 202]


def _models(family: str, depth: int, tdepth: int) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(7)
    if family == "tfn":
        tg = [mdl.init_tfn(g, tdepth, 2, D) for _ in range(S)]
        fz = [mdl.init_tfn(g, depth, 2, D) for _ in range(S)]
    else:
        tg = [mdl.init_fnn(g, tdepth, D, bias=family == "fnn") for _ in range(S)]
        fz = [mdl.init_fnn(g, depth, D, bias=family == "fnn") for _ in range(S)]
    cat = lambda ms: {k: torch.cat([m[k] for m in ms]) for k in ms[0]}  # noqa: E731
    return cat(tg), cat(fz)


def _close(batched: torch.Tensor, single: torch.Tensor) -> None:
    # float64: batched and single matmuls sum in different orders, and Adam's m / sqrt(v) magnifies
    # the last bits where a gradient is near zero; measured differences stay below 1e-8 relative,
    # while a wrong index or gradient term moves losses by percents
    torch.testing.assert_close(batched, single, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("family", ["fnn", "linear"])
def test_fnn_and_linear_batches_match_single_runs(family: str) -> None:
    depth = 3
    tgt, frz = _models(family, depth, 1)
    # runs: (seed, rank, lr, wd, final layers, tune bias, stream); rank 0 = final-layer tuning
    runs = [(s, r, lr, wd, (), family == "fnn", s) for s in range(S) for r in (1, 3) for lr in (1e-2, 1e-3)
            for wd in (0.0, 1e-2)]
    if family == "fnn":
        runs += [(s, 0, 1e-2, wd, (1, 2), True, s) for s in range(S) for wd in (0.0, 1e-3)]  # last two layers
        runs += [(s, 2, 1e-2, 0.0, (), False, s) for s in range(S)]  # frozen biases
        runs += [(s, 2, 1e-2, 0.0, (), True, S + s) for s in range(S)]  # a finite training set
    streams = Stream([*SEEDS, 303, 404], (D,), BATCH, dtype=F64, pools=[None, None, 40, 40])
    val_x = torch.randn(S, 32, D, generator=torch.Generator().manual_seed(9), dtype=F64)
    b_init = lora_init(torch.Generator().manual_seed(5), (S, depth), D, 3, 0.25)
    seed = torch.tensor([r[0] for r in runs])
    stream_idx = torch.tensor([r[6] for r in runs])
    ranks = torch.tensor([r[1] for r in runs])
    full = torch.tensor([[float(k in r[4]) for k in range(depth)] for r in runs])
    bias = torch.tensor([[float(r[5] if not r[4] else k in r[4]) for k in range(depth)] for r in runs])
    per_stream = torch.tensor([0, 1, 0, 1])
    prog = FnnProgram({k: v[seed] for k, v in frz.items()}, {k: v[per_stream] for k, v in tgt.items()}, stream_idx,
                      with_rank(b_init[seed], ranks), val_x[per_stream], full_layers=full if family == "fnn" else None,
                      bias_layers=bias if family == "fnn" else None, relu=family == "fnn", dtype=F64)
    res = train(prog, streams, STEPS, torch.tensor([r[2] for r in runs]), torch.tensor([r[3] for r in runs]), EVERY)
    for i, (s, r, lr, wd, layers, tune_bias, st) in enumerate(runs):
        one = OneRun(family, {k: v[s:s + 1] for k, v in frz.items()}, {k: v[s:s + 1] for k, v in tgt.items()},
                     b_init[s:s + 1, :, :, :r], r, lr, wd, full_layers=layers, tune_bias=tune_bias and not layers)
        curve, val = train_one(one, streams.subset(st), STEPS, val_x[s:s + 1], EVERY, dtype=F64)
        _close(res.curve[i], curve)
        _close(res.val[i], torch.tensor(val, dtype=F64))


def test_tfn_batch_matches_single_runs() -> None:
    depth = 2
    tgt, frz = _models("tfn", depth, depth)
    runs = [(s, r, lr) for s in range(S) for r in (1, 2) for lr in (1e-2,)]
    streams = Stream(SEEDS, (3, D), 4, dtype=F64)
    val_x = torch.randn(S, 6, 3, D, generator=torch.Generator().manual_seed(9), dtype=F64)
    gens = torch.Generator().manual_seed(5)
    init = {k: lora_init(gens, (S, depth, 2) if k in "QKVO" else (S,), D, 2, 0.25) for k in TFN_LORA}
    seed = torch.tensor([r[0] for r in runs])
    ranks = torch.tensor([r[1] for r in runs])
    prog = TfnProgram({k: v[seed] for k, v in frz.items()}, tgt, seed, {k: with_rank(v[seed], ranks) for k, v in
                                                                     init.items()}, val_x, dtype=F64)
    res = train(prog, streams, 6, torch.tensor([r[2] for r in runs]), torch.zeros(len(runs)), 2)
    for i, (s, r, lr) in enumerate(runs):
        one = OneRun("tfn", {k: v[s:s + 1] for k, v in frz.items()}, {k: v[s:s + 1] for k, v in tgt.items()},
                     {k: v[s:s + 1, ..., :r] for k, v in init.items()}, r, lr, 0.0, tune_bias=True)
        curve, val = train_one(one, streams.subset(s), 6, val_x[s:s + 1], 2, dtype=F64)
        _close(res.curve[i], curve)
        _close(res.val[i], torch.tensor(val, dtype=F64))


def test_the_linear_second_moment_loss_is_the_per_sample_loss() -> None:
    tgt, frz = _models("linear", 2, 1)
    x = torch.randn(S, 64, D, generator=torch.Generator().manual_seed(3), dtype=F64)
    b0 = lora_init(torch.Generator().manual_seed(4), (S, 2), D, 2, 0.25)
    prog = FnnProgram(frz, tgt, torch.arange(S), b0, x, relu=False, dtype=F64)
    state = prog.init_state()
    state["A"] = torch.randn_like(state["A"]) * 0.1
    loss, _ = prog.loss_grads(state, x)
    direct = mdl.mse(mdl.linear_forward(prog.adapted(state), x), mdl.linear_forward(tgt, x))
    _close(loss, direct)


def test_a_seed_sees_the_same_inputs_alone_and_in_the_batch() -> None:
    both = Stream([1, 2], (3,), 8, dtype=F64, pools=[None, 20])
    alone = [both.subset(0), both.subset(1)]
    for _ in range(3):
        x = both.next()
        torch.testing.assert_close(x[0], alone[0].next()[0], rtol=0, atol=0)
        torch.testing.assert_close(x[1], alone[1].next()[0], rtol=0, atol=0)
