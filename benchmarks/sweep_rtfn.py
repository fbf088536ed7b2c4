"""Rank sweep of the R-TFN construction: where does exactness start, against max_i ceil(G_i / 2)?

For each random instance and every LoRA-rank R = 1..D the construction is run twice:
- in exact rational arithmetic (exact rank factorisations), reporting whether every parameter
  identity that makes f = fbar holds exactly;
- in float64, reporting the relative output error max|f(X) - fbar(X)| / max|fbar(X)| on standard
  normal inputs (the paper's measurement, as a maximum instead of an MSE).
The first exact R is compared with the stated threshold max_i ceil(G_i / 2).

    python benchmarks/sweep_rtfn.py                       # D=16, H=2, N=10, L in {1, 2}, seeds 0-4
    python benchmarks/sweep_rtfn.py --D 7 --L 3 --targets lowgap --seeds 3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee.models.tfn import construct, exact_analysis, forward_many, load_tfn, sample_inputs
from verifier import get_context, get_theorem


def exact_ok(inst, r: int) -> bool:
    """Whether the exact construction at rank r satisfies every parameter identity exactly."""
    ctx = get_context("exact")
    b = ctx.bind([inst])
    c = construct(ctx, load_tfn(b), load_tfn(b, target=True), r)
    return all(ctx.maxabs(ctx.sub(lhs, rhs)) == 0 for _label, lhs, rhs in c.identities)


def float_error(inst, r: int, inputs: int) -> float:
    """Relative float64 output error of the construction at rank r on standard normal inputs."""
    ctx = get_context("float")
    b = ctx.bind([inst])
    target = load_tfn(b, target=True)
    c = construct(ctx, load_tfn(b), target, r)
    xs = [ctx.load([x]) for x in sample_inputs(inst, inputs)]
    err = scale = 0.0
    for fx, fb in zip(forward_many(ctx, c.adapted, xs), forward_many(ctx, target, xs), strict=True):
        err = max(err, float(ctx.maxabs(ctx.sub(fx, fb))[0]))
        scale = max(scale, float(ctx.maxabs(fb)[0]))
    return err / scale


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--D", type=int, default=16)
    ap.add_argument("--H", type=int, default=2)
    ap.add_argument("--N", type=int, default=10)
    ap.add_argument("--L", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--inputs", type=int, default=8, help="float inputs per instance and rank")
    ap.add_argument("--targets", choices=["random", "lowgap"], default="random",
                    help="random targets (every G_i = D) or targets with random pair gaps <= 2 max(1, D // 4)")
    a = ap.parse_args()
    thm = get_theorem("R-TFN")
    index = 0 if a.targets == "random" else 1  # generate(): index % 3 == 0 random, 1 chosen gaps
    agree = total = 0
    for big_l in a.L:
        print(f"\n## D={a.D} H={a.H} N={a.N} L={big_l} targets={a.targets}")
        print("seed  gaps G_1..G_{L+1}         threshold  first exact R  float rel. error by R = 1..D")
        for seed in range(a.seeds):
            t0 = time.perf_counter()
            # generate() caps the chosen gaps at 2R; the sweep itself runs every rank 1..D
            cap = a.D if a.targets == "random" else max(1, a.D // 4)
            params = {"D": a.D, "H": a.H, "L": big_l, "N": a.N, "R": cap}
            inst = thm.generate(np.random.default_rng(seed), index=index, params=params)
            gaps, thr = exact_analysis(inst).gaps, exact_analysis(inst).threshold
            exact = [exact_ok(inst, r) for r in range(1, a.D + 1)]
            first = next((r for r, ok in zip(range(1, a.D + 1), exact, strict=True) if ok), None)
            errs = [float_error(inst, r, a.inputs) for r in range(1, a.D + 1)]
            monotone = all(exact[r - 1] == (r >= thr) for r in range(1, a.D + 1))
            agree += int(first == thr and monotone)
            total += 1
            print(f"{seed:>4}  {gaps!s:<26} {thr:>9}  {first!s:>13}  " + " ".join(f"{e:.0e}" for e in errs)
                  + f"   ({time.perf_counter() - t0:.1f} s)")
    print(f"\nfirst exact R == max_i ceil(G_i/2) (and exact exactly from there on) on {agree}/{total} instances")
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
