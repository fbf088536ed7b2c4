"""Benchmark: certified singular values of E = Wbar - W2 W1 with python-flint vs mpmath vs float64.

Usage: python benchmarks/bench_certified.py --dims 16 32 64 --digits 50
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
from flint import arb, ctx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from verifier._backends.linalg import _svd as cl


def _instance(D: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(rng.standard_normal((D, D)) / math.sqrt(D) for _ in range(3))  # Wbar, W1, W2


def run_flint(wbar: np.ndarray, w1: np.ndarray, w2: np.ndarray, prec: int) -> list[arb]:
    old = ctx.prec
    ctx.prec = prec
    try:
        E = cl.arb_mat_from_numpy(wbar) - cl.arb_mat_from_numpy(w2) * cl.arb_mat_from_numpy(w1)
    finally:
        ctx.prec = old
    return cl.singular_value_enclosures(E, prec)


def run_mpmath(wbar: np.ndarray, w1: np.ndarray, w2: np.ndarray, digits: int, uv: bool = True) -> list[mpmath.mpf]:
    with mpmath.workdps(digits):
        E = mpmath.matrix(wbar.tolist()) - mpmath.matrix(w2.tolist()) * mpmath.matrix(w1.tolist())
        S = mpmath.svd_r(E, compute_uv=uv)
        S = S[1] if uv else S
        return sorted((S[i] for i in range(len(S))), reverse=True)


def run_float(wbar: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    return np.linalg.svd(wbar - w2 @ w1, compute_uv=False)


def _timed(repeat: int, fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--digits", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="best of this many timings per method")
    ap.add_argument("--mp-values-only", action="store_true",
                    help="mpmath computes singular values only (default: U, V too, like mp.svd_r and flint)")
    args = ap.parse_args(argv)
    prec = math.ceil(args.digits * 3.33)
    rng = np.random.default_rng(args.seed)
    print(f"digits={args.digits} prec={prec} bits, seed={args.seed}, best of {args.repeat}, "
          f"mpmath computes U,V: {not args.mp_values_only}")
    warm = _instance(4, np.random.default_rng(1))  # first calls pay one-off import / BLAS start-up costs
    run_flint(*warm, prec)
    run_mpmath(*warm, args.digits)
    run_float(*warm)
    hdr = (f"{'D':>4} {'flint s':>9} {'mpmath s':>9} {'float64 s':>10} {'mp/flint':>9} {'flint/f64':>10}"
           f" {'max rad':>9} {'|mid-mp|':>9} {'|f64-mid|':>9}")
    print(hdr)
    print("-" * len(hdr))
    for D in args.dims:
        wbar, w1, w2 = _instance(D, rng)
        tf, enc = _timed(args.repeat, run_flint, wbar, w1, w2, prec)
        tm, mp_sv = _timed(args.repeat, run_mpmath, wbar, w1, w2, args.digits, not args.mp_values_only)
        t64, f_sv = _timed(args.repeat, run_float, wbar, w1, w2)
        with mpmath.workdps(args.digits):
            agree = max(abs(mpmath.mpf(e.mid().str(args.digits + 10, radius=False)) - x)
                        for e, x in zip(enc, mp_sv, strict=True))
        rad = max(float(e.rad()) for e in enc)
        fdiff = max(abs(float(e.mid()) - x) for e, x in zip(enc, f_sv, strict=True))
        print(f"{D:>4} {tf:>9.4f} {tm:>9.3f} {t64:>10.6f} {tm / tf:>9.1f} {tf / t64:>10.0f}"
              f" {rad:>9.2e} {float(agree):>9.2e} {fdiff:>9.2e}")


if __name__ == "__main__":
    main()
