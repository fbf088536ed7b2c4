"""Benchmark: the batched training program vs one run at a time, on the same small grid, in one run.

Both train the same runs (seeds x ranks x learning rates x weight decays of LoRA on an FNN, the
paper's D = 16, 256 fresh samples per step) from the same initialisations and input streams; the
one-at-a-time trainer is `torch.optim.Adam` with autograd (`_reference.train_one`). Prints both wall
times, their ratio and the largest relative disagreement of the validation losses (the same
numbers up to float32 rounding). Also prints the wall time of `verifier reproduce --quick`.

Usage: python benchmarks/bench_reproduce.py [--family fnn|linear|tfn] [--steps 200] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import torch

from theorems.zeng_lee.reproduce import _models as mdl
from theorems.zeng_lee.reproduce._programs import TFN_LORA, FnnProgram, TfnProgram
from theorems.zeng_lee.reproduce._reference import OneRun, train_one
from theorems.zeng_lee.reproduce._train import Stream, lora_init, train, with_rank


def grid(args: argparse.Namespace) -> list[tuple[int, int, float, float]]:
    return [(s, r, lr, wd) for s in range(args.seeds) for r in args.ranks for lr in args.lrs for wd in args.wds]


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(1)
    d, fam, depth = 16, args.family, args.depth
    g = torch.Generator().manual_seed(0)
    if fam == "tfn":
        tg = [mdl.init_tfn(g, depth, 2, d) for _ in range(args.seeds)]
        fz = [mdl.init_tfn(g, depth, 2, d) for _ in range(args.seeds)]
        shape, batch = (10, d), args.batch // 4
    else:
        tg = [mdl.init_fnn(g, 1, d, bias=fam == "fnn") for _ in range(args.seeds)]
        fz = [mdl.init_fnn(g, depth, d, bias=fam == "fnn") for _ in range(args.seeds)]
        shape, batch = (d,), args.batch
    tgt = {k: torch.cat([m[k] for m in tg]) for k in tg[0]}
    frz = {k: torch.cat([m[k] for m in fz]) for k in fz[0]}
    runs = grid(args)
    seeds = list(range(1000, 1000 + args.seeds))
    val_x = torch.randn(args.seeds, 256, *shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    rmax = max(args.ranks)
    seed = torch.tensor([r[0] for r in runs])
    ranks = torch.tensor([r[1] for r in runs])
    lr = torch.tensor([r[2] for r in runs])
    wd = torch.tensor([r[3] for r in runs])
    if fam == "tfn":
        init = {k: lora_init(torch.Generator().manual_seed(2), (args.seeds, depth, 2) if k in "QKVO"
                             else (args.seeds,), d, rmax, 0.25) for k in TFN_LORA}
        prog: Any = TfnProgram({k: v[seed] for k, v in frz.items()}, tgt, seed,
                               {k: with_rank(v[seed], ranks) for k, v in init.items()}, val_x)
    else:
        init = lora_init(torch.Generator().manual_seed(2), (args.seeds, depth), d, rmax, 0.25)
        prog = FnnProgram({k: v[seed] for k, v in frz.items()}, tgt, seed, with_rank(init[seed], ranks), val_x,
                          bias_layers=torch.ones(len(runs), depth) if fam == "fnn" else None, relu=fam == "fnn")
    t0 = time.perf_counter()
    res = train(prog, Stream(seeds, shape, batch), args.steps, lr, wd, every=args.steps)
    batched = time.perf_counter() - t0
    t0 = time.perf_counter()
    worst = 0.0
    for i, (s, r, lr_i, wd_i) in enumerate(runs):
        b0 = {k: v[s:s + 1, ..., :r] for k, v in init.items()} if fam == "tfn" else init[s:s + 1, :, :, :r]
        one = OneRun(fam, {k: v[s:s + 1] for k, v in frz.items()}, {k: v[s:s + 1] for k, v in tgt.items()}, b0, r,
                     lr_i, wd_i, tune_bias=fam != "linear")
        _, val = train_one(one, Stream([seeds[s]], shape, batch), args.steps, val_x[s:s + 1], args.steps)
        worst = max(worst, abs(val - float(res.val[i])) / max(abs(val), 1e-30))
    single = time.perf_counter() - t0
    return {"family": fam, "depth": depth, "runs": len(runs), "steps": args.steps, "batch": batch,
            "batched_s": round(batched, 3), "one_at_a_time_s": round(single, 3), "ratio": round(single / batched, 2),
            "max_rel_val_diff": worst, "torch": torch.__version__, "threads": 1}


def quick_reproduce() -> float:
    """Wall time of `verifier reproduce --quick` (a fresh process: imports included)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "verifier", "reproduce", "--quick", "--quiet", "--no-stability",
                        "--out", tmp], check=True, cwd=Path(__file__).resolve().parents[1])
        return round(time.perf_counter() - t0, 2)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--family", choices=["fnn", "linear", "tfn"], default="fnn")
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--ranks", type=int, nargs="+", default=[1, 4, 8, 16])
    p.add_argument("--lrs", type=float, nargs="+", default=[1e-2, 1e-3, 1e-4])
    p.add_argument("--wds", type=float, nargs="+", default=[0.0, 1e-3])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--no-quick", action="store_true", help="skip timing `verifier reproduce --quick`")
    p.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = p.parse_args(argv)
    out = run(args)
    print(f"{out['family']} L = {out['depth']}: {out['runs']} runs x {out['steps']} steps of {out['batch']} samples")
    print(f"  one at a time (torch.optim.Adam, autograd): {out['one_at_a_time_s']:.2f} s")
    print(f"  batched program:                            {out['batched_s']:.2f} s")
    print(f"  speed-up: {out['ratio']:.1f}x   (largest relative difference of the validation losses: "
          f"{out['max_rel_val_diff']:.1e})")
    if out["family"] == "tfn":
        print("  (TFN training with Gaussian attention weights is chaotic: softmax saturates, and losses that agree to "
              "1e-9 after one step drift apart within ~10 steps, in float64 too; the agreement of the two programs is "
              "tested on small TFNs in tests/reproduce)")
    if not args.no_quick:
        out["reproduce_quick_s"] = quick_reproduce()
        print(f"  verifier reproduce --quick: {out['reproduce_quick_s']:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
