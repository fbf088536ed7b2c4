"""Benchmark: the exact R^D equality decision for ReLU networks against input dimension D and depth L.

For each (D, L), f is a random integer ReLU network R^D -> R^D with L hidden layers of width
W = D (or the widths given), and two partners are decided against it on all of R^D:
"equal" (f with its hidden units permuted: the full region enumeration, the hard case) and
"perturbed" (one output weight changed: usually a witness ends the search; it stays equal
when the changed weight multiplies a unit that is zero on all of R^D). Each decision runs under a
wall-clock budget; a case that runs out is "inconclusive" and every larger case of the same
depth (or dimension) is skipped as beyond the budget. One run prints a table and where the
decision stops being practical; --json PATH writes the figures.

Usage: python benchmarks/bench_pwl_equality.py --dims 2 4 8 16 --depths 1 2 3 4 --seconds 30 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from verifier.evidence import Budget, ReLUNet, decide_equal


def random_net(D: int, width: int, L: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    ws, bs, inp = [], [], D
    for _ in range(L):
        ws.append(rng.integers(-4, 5, size=(width, inp)))
        bs.append(rng.integers(-3, 4, size=width))
        inp = width
    ws.append(rng.integers(-4, 5, size=(D, inp)))
    bs.append(np.zeros(D, dtype=int))
    return ws, bs


def permuted(ws: list[np.ndarray], bs: list[np.ndarray], rng: np.random.Generator) -> tuple[list, list]:
    ws, bs = [w.copy() for w in ws], [b.copy() for b in bs]
    for k in range(len(ws) - 1):
        p = rng.permutation(ws[k].shape[0])
        ws[k], bs[k], ws[k + 1] = ws[k][p], bs[k][p], ws[k + 1][:, p]
    return ws, bs


def build(ws: list[np.ndarray], bs: list[np.ndarray]) -> ReLUNet:
    return ReLUNet.build([w.tolist() for w in ws], [b.tolist() for b in bs])


def run_case(D: int, width: int, L: int, seconds: float, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng([seed, D, width, L])
    ws, bs = random_net(D, width, L, rng)
    f = build(ws, bs)
    g_eq = build(*permuted(ws, bs, rng))
    ws2 = [w.copy() for w in ws]
    ws2[-1][0, 0] += 1
    g_ne = build(ws2, bs)
    out: dict[str, Any] = {"D": D, "width": width, "L": L, "hyperplanes": f.neurons() * 2}
    budget = Budget(max_regions=10**7, max_programs=10**7, max_seconds=seconds)
    for kind, g in (("equal", g_eq), ("perturbed", g_ne)):
        t = time.perf_counter()
        d = decide_equal(f, g, budget=budget)
        secs = time.perf_counter() - t
        out[kind] = {"status": d.status, "seconds": round(secs, 3), "regions": d.stats.get("regions"),
                     "lp_calls": d.stats.get("lp_calls"), "reason": d.reason}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 4, 8, 16])
    ap.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--width", type=int, default=0, help="hidden width (default: D)")
    ap.add_argument("--seconds", type=float, default=30.0, help="budget per decision")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args(argv)
    if any(not 1 <= d <= 64 for d in a.dims) or any(not 1 <= L <= 8 for L in a.depths) or not 0 <= a.width <= 256 \
            or not a.seconds > 0:
        print("error: need 1 <= dims <= 64, 1 <= depths <= 8, 0 <= width <= 256, seconds > 0", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    practical: dict[int, int] = {}
    beyond: set[tuple[int, int]] = set()
    print(f"{'D':>3} {'W':>3} {'L':>2} {'hyp':>4} | {'equal':>12} {'s':>8} {'regions':>8} {'LPs':>7} | "
          f"{'perturbed':>12} {'s':>7}")
    for L in sorted(a.depths):
        for D in sorted(a.dims):
            width = a.width or D
            if any(d0 <= D and l0 <= L for d0, l0 in beyond):
                rows.append({"D": D, "width": width, "L": L, "skipped": "beyond the budget (a smaller case ran out)"})
                print(f"{D:>3} {width:>3} {L:>2}      | skipped: beyond the budget")
                continue
            r = run_case(D, width, L, a.seconds, a.seed)
            rows.append(r)
            e, n = r["equal"], r["perturbed"]
            print(f"{D:>3} {width:>3} {L:>2} {r['hyperplanes']:>4} | {e['status']:>12} {e['seconds']:>8.2f} "
                  f"{e['regions'] or 0:>8} {e['lp_calls'] or 0:>7} | {n['status']:>12} {n['seconds']:>7.2f}",
                  flush=True)
            if e["status"] == "inconclusive":
                beyond.add((D, L))
            else:
                practical[L] = max(practical.get(L, 0), D)
    print()
    for L in sorted(a.depths):
        if L in practical:
            print(f"L = {L}: equality decided on R^D up to D = W = {practical[L]} within {a.seconds:g} s")
        else:
            print(f"L = {L}: no dimension decided within {a.seconds:g} s")
    print("Beyond that the number of activation regions (and one exact-checked LP per region side) grows "
          "like the arrangement bound; a perturbed partner is usually told apart at the first probe or region.")
    if a.json:
        a.json.write_text(json.dumps({"benchmark": "pwl_equality", "seconds_budget": a.seconds, "seed": a.seed,
                                      "machine": platform.platform(), "python": platform.python_version(),
                                      "rows": rows, "practical_max_D_by_L": practical}, indent=2))
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
