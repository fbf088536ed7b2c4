"""Time the whole R-LIN check (construction + the optimum claim) in each arithmetic, in one run.

Prints, per D, the seconds of the certified check (python-flint balls), a pure mpmath check at the
same precision, and float64 (torch), with the ratios mpmath/certified and certified/float64.
Usage: python benchmarks/bench_rlin_levels.py [--dims 16 32 64] [--L 2] [--R 2] [--digits 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from verifier import get_context, get_theorem


def _time_level(level: str, inst, **opts) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    thm = get_theorem("R-LIN")
    claim = thm.claim("optimum-attained")
    ctx = get_context(level, **opts)
    t0 = time.perf_counter()
    with ctx.session():
        b = ctx.bind([inst])
        cons = thm.construction(ctx, b)
        (cmp,) = claim.evaluate(ctx, b, cons)
        (dec,) = ctx.decide(cmp)
    return time.perf_counter() - t0, f"{dec.status} lhs={dec.lhs[:12]} rhs={dec.rhs[:12]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dims", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--L", type=int, default=2)
    ap.add_argument("--R", type=int, default=2)
    ap.add_argument("--digits", type=int, default=50)
    a = ap.parse_args()
    bits = int(a.digits * 3.33)
    thm = get_theorem("R-LIN")
    print(f"R-LIN check (construction + certified optimum claim), L={a.L}, R={a.R}, "
          f"{a.digits} digits = {bits} bits; one run, times in seconds")
    print(f"{'D':>4} {'certified':>10} {'mpmath':>10} {'float64':>10} {'mp/cert':>9} {'cert/f64':>9}  verdicts")
    warm = thm.generate(np.random.default_rng(0), index=0, params={"D": 4, "L": a.L, "R": 1})
    for level, opts in (("certified", {"prec": bits}), ("mp", {"dps": a.digits}), ("float", {})):
        _time_level(level, warm, **opts)  # imports and first-call set-up are not what we measure
    for d in a.dims:
        inst = thm.generate(np.random.default_rng(d), index=0, params={"D": d, "L": a.L, "R": a.R})
        tc, vc = _time_level("certified", inst, prec=bits)
        tm, vm = _time_level("mp", inst, dps=a.digits)
        tf, vf = _time_level("float", inst, dtype="float64")
        print(f"{d:>4} {tc:>10.3f} {tm:>10.3f} {tf:>10.4f} {tm / tc:>9.1f} {tc / tf:>9.1f}  "
              f"cert: {vc} | mp: {vm} | f64: {vf}")


if __name__ == "__main__":
    main()
