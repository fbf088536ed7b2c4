"""The float tier measured on the device it runs on: CUDA when there is one, else the CPU (and it says so).

Records, with --json:
1. batched R-LIN construction + claims (`optimum-attained`, `exact-above-threshold`) at D = 64 in
   float64: instances per second, through the engine's float context (batched tensors, one host
   transfer per comparison; cuSOLVER's batched `gesvda` SVD on CUDA). Loading the exact instances
   onto the device is timed separately.
2. ReLU-network evaluation at D >= 1024 (the float context's `mm` and `relu`) as a fraction of the
   measured matmul peak, for float32 and bfloat16 (TF32 only with --tf32, on CUDA, and reported).
3. the float-stability table (R-LIN residual per dtype against certified values) on this device.

Usage: python benchmarks/bench_gpu.py [--batch 2048] [--dims 1024 4096] [--tf32] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from verifier import get_context, get_theorem


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _best(fn: Any, dev: torch.device, repeat: int) -> float:
    fn()  # warm-up: kernels, allocator, cuSOLVER handles
    _sync(dev)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        _sync(dev)
        best = min(best, time.perf_counter() - t0)
    return best


def rlin_batched(device: str, batch: int, d: int = 64, big_l: int = 4, r: int = 2, repeat: int = 3) -> dict[str, Any]:
    """Instances per second of R-LIN's construction and two claims, batched in float64."""
    thm = get_theorem("R-LIN")
    ctx = get_context("float", dtype="float64", device=device)
    rng = np.random.default_rng(0)
    base = [thm.generate(rng, index=0, params={"D": d, "L": big_l, "R": r}) for _ in range(min(batch, 64))]
    insts = [base[k % len(base)] for k in range(batch)]  # distinct exact instances, tiled to the batch
    claims = [thm.claim("optimum-attained"), thm.claim("exact-above-threshold")]
    with ctx.session():
        t0 = time.perf_counter()
        b = ctx.bind(insts)
        b.m("W"), b.m("Wbar")
        _sync(ctx.device)
        t_load = time.perf_counter() - t0

        def run() -> int:
            b._cache = {k: v for k, v in b._cache.items() if k in ("W", "Wbar")}
            cons = thm.construction(ctx, b)  # type: ignore[misc]
            decided = 0
            for c in claims:
                for cmp in c.evaluate(ctx, b, cons):
                    decided += len(ctx.decide(cmp))
            return decided

        secs = _best(run, ctx.device, repeat)
    return {"D": d, "L": big_l, "R": r, "batch": batch, "dtype": "float64", "seconds": secs,
            "instances_per_second": batch / secs, "load_seconds": t_load, "svd_driver": ctx.describe().get(
                "svd_driver", "default"), "device": ctx.describe()}


def matmul_peak(dev: torch.device, dtype: torch.dtype, n: int, repeat: int) -> float:
    a = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
    b = torch.randn(n, n, device=dev, dtype=torch.float32).to(dtype)
    secs = _best(lambda: torch.matmul(a, b), dev, repeat)
    return 2 * n**3 / secs


def network_fraction(device: str, dtype: str, d: int, depth: int, cols: int, tf32: bool,
                     repeat: int) -> dict[str, Any]:
    """A depth-`depth` ReLU network of width `d` on `cols` inputs through the float context, vs the matmul peak."""
    ctx = get_context("float", dtype=dtype, device=device, tf32=tf32)
    dev = ctx.device
    with ctx.session():
        ws = [torch.randn(1, d, d, device=dev, dtype=torch.float32).div(d**0.5).to(ctx.dtype) for _ in range(depth)]
        x = torch.randn(1, d, cols, device=dev, dtype=torch.float32).to(ctx.dtype)

        def net() -> Any:
            h = x
            for w in ws:
                h = ctx.relu(ctx.mm(w, h))
            return h

        secs = _best(net, dev, repeat)
        peak = matmul_peak(dev, ctx.dtype, max(d, cols), repeat)
    flops = 2 * d * d * cols * depth / secs
    return {"dtype": dtype, "tf32": tf32, "D": d, "depth": depth, "inputs": cols, "seconds": secs,
            "tflops": flops / 1e12, "peak_tflops": peak / 1e12, "fraction_of_peak": flops / peak}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=None, help="R-LIN instances per batch (default 2048 CUDA, 64 CPU)")
    ap.add_argument("--dims", type=int, nargs="+", default=None, help="network widths (default 4096 CUDA, 1024 CPU)")
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--tf32", action="store_true", help="also measure float32 with TF32 products (CUDA only)")
    ap.add_argument("--no-stability", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", dest="json_path")
    a = ap.parse_args(argv)
    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    name = torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} torch threads)"
    if not cuda:
        print("no CUDA device here: every figure below is measured on the CPU (run this on a GPU machine for the "
              "GPU tier)")
    print(f"device: {name}; torch {torch.__version__}")
    doc: dict[str, Any] = {"benchmark": "gpu", "device": device, "device_name": name, "cuda": cuda,
                           "torch": torch.__version__, "load_average": __import__("os").getloadavg()}
    batch = a.batch or (2048 if cuda else 64)
    rl = rlin_batched(device, batch, repeat=a.repeat)
    doc["rlin"] = rl
    print(f"R-LIN D=64 L=4 float64, batch {batch}: {rl['instances_per_second']:,.0f} instances/s "
          f"(construction + 2 claims; load {rl['load_seconds']:.2f} s apart; SVD driver {rl['svd_driver']})")
    dims = a.dims or ([4096] if cuda else [1024])
    nets = []
    for d in dims:
        for dtype, tf32 in [("float32", False), ("bfloat16", False)] + ([("float32", True)] if a.tf32 and cuda else []):
            row = network_fraction(device, dtype, d, a.depth, d, tf32, a.repeat)
            nets.append(row)
            print(f"ReLU net D={d} depth {a.depth}, {dtype}{' TF32' if tf32 else ''}: {row['tflops']:.3f} TFLOP/s = "
                  f"{100 * row['fraction_of_peak']:.0f}% of the measured matmul peak {row['peak_tflops']:.3f} TFLOP/s")
    if a.tf32 and not cuda:
        print("TF32: not measured (it exists only on CUDA)")
    doc["network"] = nets
    if not a.no_stability:
        from theorems.zeng_lee.reproduce._settings import StabilitySettings
        from theorems.zeng_lee.reproduce._stability import run_stability

        dtypes = ("float64", "float32", "bfloat16", "float16") + (("tf32",) if cuda and a.tf32 else ())
        s = StabilitySettings(widths=(16, 64), depths=(2, 4), seeds=(0, 1), certified_seeds=(0,), dtypes=dtypes,
                              device=device, progress=False)
        st = run_stability(s)
        doc["stability"] = st["rows"]
        print("float stability (median |float residual - certified s_{RL+1}(E)| / ||E||_2):")
        for row in st["rows"]:
            err = row.get("rel_error")
            print(f"  D={row['D']:>3} L={row['L']} R={row['R']:>2} {row['dtype']:<9} "
                  f"{'-' if err is None else f'{err:.2e}':>9}  {row.get('reason', '')}")
    if a.json_path:
        Path(a.json_path).write_text(json.dumps(doc, indent=1, default=str))


if __name__ == "__main__":
    main()
