"""Rank sweep of the R-UNI construction: where does exactness on the whole domain start, against the
stated threshold ceil(max_i rank(E_i) / M)?

For each random instance and every LoRA rank R = 1..D the uniform construction is run in exact
rational arithmetic and certified on the whole box X = [-1, 1]^D (every inner ReLU proved active by
exact enclosures, the block affine maps compared exactly). Each row also says whether the
all-active certificate proves that no rank-R adapters can be exact (valid for ReLU networks; it
can only fire when rank(prod Wbar - prod W) > R L). The first exact R is compared with the
threshold; the float64 sampled error of the same construction is shown for contrast.

    python benchmarks/sweep_runi.py                         # D, L, Lbar in {(4,2,1), (6,4,2), (8,6,3), (16,8,4)}
    python benchmarks/sweep_runi.py --sizes 16,8,4 --targets lowrank --seeds 3 --json sweep.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from theorems.zeng_lee.models.fnn import build as build_construction
from theorems.zeng_lee.models.fnn import (
    first_exact,
    random_fnn,
    sampled_comparisons,
    sweep_uniform,
    uni_threshold_of,
    uniform_block_ranks,
    uniform_blocks,
    uniform_ranks,
)
from verifier import Instance, get_context


def instance(d: int, big_l: int, lbar: int, seed: int, targets: str) -> Instance:
    rng = np.random.default_rng([seed, d, big_l, lbar])
    ranks = [int(rng.integers(1, d + 1)) for _ in range(lbar)] if targets == "lowrank" else None
    mats = random_fnn(rng, d, big_l, lbar, error_ranks=ranks)
    return Instance("R-UNI", {"D": d, "L": big_l, "Lbar": lbar, "R": 1}, mats, seed=seed)


def float_error(inst: Instance, r: int) -> float:
    """max |f(x) - fbar(x)| of the float64 construction on 512 uniform inputs of the box."""
    ctx = get_context("float")
    b = ctx.bind([inst])
    built = build_construction(ctx, b, uniform_blocks(inst.parameters), uniform_ranks(inst.parameters, r))
    return float(sampled_comparisons(ctx, b, built.adapted.net)[0].lhs[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["4,2,1", "6,4,2", "8,6,3", "16,8,4"], help="D,L,Lbar triples")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--targets", choices=["random", "lowrank"], default="random",
                    help="random targets (rank(E_i) = D) or targets with exact low-rank block errors")
    ap.add_argument("--json", dest="json_path", help="also write every row here")
    a = ap.parse_args()
    report, ok = [], True
    for size in a.sizes:
        d, big_l, lbar = (int(x) for x in size.split(","))
        for seed in range(a.seeds):
            inst = instance(d, big_l, lbar, seed, a.targets)
            thr = uni_threshold_of(inst)
            t0 = time.perf_counter()
            rows = sweep_uniform(inst, r_max=d)
            secs = time.perf_counter() - t0
            for row in rows:
                row["float_max_err"] = float_error(inst, row["R"])
            first = first_exact(rows)
            match = first == thr and all(r["exact_on_X"] for r in rows if r["R"] >= thr)
            ok &= match
            print(f"\nD={d} L={big_l} Lbar={lbar} M={big_l // lbar} seed={seed}: rank(E_i)={uniform_block_ranks(inst)} "
                  f"threshold={thr} first exact R={first} {'MATCH' if match else 'MISMATCH'} ({secs:.1f} s exact)")
            print("   R  exact on X (certified)  impossible (certificate)  float64 sampled max err")
            for row in rows:
                status = "yes" if row["exact_on_X"] else "no"
                print(f"  {row['R']:>2}  {status:<22}  {'yes' if row['impossible'] else '-':<25} "
                      f"{row['float_max_err']:.3g}")
            report.append({"D": d, "L": big_l, "Lbar": lbar, "seed": seed, "threshold": thr, "first_exact": first,
                           "match": match, "exact_seconds": secs, "rows": rows})
    if a.json_path:
        Path(a.json_path).write_text(json.dumps(report, indent=1))
    print("\nall first exact ranks match the threshold" if ok else "\nMISMATCH found")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
