"""Certified R-LIN at the paper's scale and beyond: seconds, decided or not, and mpmath at equal digits.

For each (D, L) one instance of R-LIN's own generator (random target, R = 2) with its probes. The
certified check is what `verifier check --level certified` runs for `optimum-attained` and the
probes of `no-better-adapters`: the construction (its witness computed in python-flint midpoint
arithmetic and certified a posteriori, `verifier.witness`) and every comparison, through the
checker's escalation ladder. "decided" means every comparison came out holds/fails (no unknown,
no precision exhausted). The mpmath check runs the same claims in pure mpmath at the same number
of digits (no rigour); the ratio is mpmath seconds / certified seconds, from one run. Certified
seconds are the best of --repeat runs, each with fresh contexts and caches (wall clock; the CPU
seconds of the same runs are printed too, since a shared machine's load inflates wall time);
probes and assumptions are timed separately (they are not part of the claims' check). The load
average is recorded in the JSON.

Usage: python benchmarks/bench_certified_scale.py [--sizes 16x4 64x4 256x4] [--mp-max-dim 64] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from verifier import CheckSettings, get_theorem
from verifier._check import with_probes
from verifier._evaluate import Runner

CLAIMS = ("optimum-attained", "no-better-adapters")


def _clear_caches() -> None:
    """Forget conversions and certificates remembered across checks, so each repeat starts cold."""
    from verifier._backends import _ballkit
    from verifier._backends.linalg import _posteriori, _svd

    _ballkit._FMPQ.clear()
    _posteriori._DEPARTURES.clear()
    _svd._CERTIFICATES.clear()


def check(thm: Any, inst: Any, level: str, prec: int, dps: int) -> tuple[float, bool, list[str], float]:
    """Wall seconds, decided, statuses of the two claims' comparisons at `level`, CPU seconds."""
    _clear_caches()
    runner = Runner(thm, CheckSettings(level=level, prec=prec, max_prec=8 * prec, dps=dps))
    t0, c0 = time.perf_counter(), time.process_time()
    statuses: list[str] = []
    decided = True
    for cid in CLAIMS:
        decs, why = runner.decisive(thm.claim(cid), inst, 0, level)  # type: ignore[arg-type]
        if decs is None:
            decided = False
            statuses.append(f"{cid}: {why[:60]}")
            continue
        decided &= all(d.status in ("holds", "fails") for d in decs)
        statuses.append(f"{cid}: " + ",".join(sorted({d.status for d in decs})))
    return time.perf_counter() - t0, decided, statuses, time.process_time() - c0


def _size(text: str) -> tuple[int, int]:
    d, _, big_l = text.lower().partition("x")
    return int(d), int(big_l)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=_size, nargs="+", default=[(16, 4), (32, 4), (64, 4), (128, 4), (256, 4)],
                    help="DxL pairs (default 16x4 32x4 64x4 128x4 256x4)")
    ap.add_argument("--R", type=int, default=2)
    ap.add_argument("--prec", type=int, default=170, help="certified bits (mpmath digits match it)")
    ap.add_argument("--mp-max-dim", type=int, default=64, help="run the mpmath check up to this D (it is slow)")
    ap.add_argument("--repeat", type=int, default=3, help="certified seconds: best of this many runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--assumptions", action="store_true",
                    help="also time the assumption checks (certified low-rank corrections: slow at large D)")
    ap.add_argument("--json", dest="json_path", help="write the figures here")
    a = ap.parse_args(argv)
    dps = math.ceil(a.prec * math.log10(2))
    thm = get_theorem("R-LIN")
    warm = thm.generate(np.random.default_rng(1), index=0, params={"D": 4, "L": 2, "R": 1})
    warm = with_probes(thm, [warm], 0, list(CLAIMS))[0]
    check(thm, warm, "certified", a.prec, dps)
    check(thm, warm, "mp", a.prec, dps)  # imports and first-call set-up are not what we measure
    print(f"R-LIN certified at scale: claims {', '.join(CLAIMS)}; R={a.R}, {a.prec} bits = {dps} digits; "
          f"certified: best of {a.repeat}; one run of each")
    print(f"{'D':>4} {'L':>2} {'certified s':>11} {'cpu s':>7} {'decided':>7} {'mpmath s':>9} {'mp/cert':>8} "
          f"{'probes s':>8} {'assume s':>8}  statuses")
    rows = []
    for d, big_l in a.sizes:
        inst = thm.generate(np.random.default_rng([a.seed, d, big_l]), index=0, params={"D": d, "L": big_l, "R": a.R})
        t0 = time.perf_counter()
        inst = with_probes(thm, [inst], a.seed, list(CLAIMS))[0]
        t_probes = time.perf_counter() - t0
        t0 = time.perf_counter()
        assumptions = {x.name: x.check(inst).status for x in thm.assumptions} if a.assumptions else {}
        t_assume = time.perf_counter() - t0 if a.assumptions else None
        runs = [check(thm, inst, "certified", a.prec, dps) for _ in range(max(1, a.repeat))]
        secs = min(r[0] for r in runs)
        cpu = min(r[3] for r in runs)
        decided = all(r[1] for r in runs)
        mp_secs: float | None = None
        mp_status: list[str] = []
        if d <= a.mp_max_dim:
            mp_secs, _mp_decided, mp_status, _mp_cpu = check(thm, inst, "mp", a.prec, dps)
        ratio = mp_secs / secs if mp_secs is not None else None
        rows.append({"D": d, "L": big_l, "R": a.R, "prec_bits": a.prec, "digits": dps, "seconds": secs,
                     "seconds_runs": [r[0] for r in runs], "cpu_seconds": cpu, "decided": decided,
                     "statuses": runs[0][2],
                     "mpmath_seconds": mp_secs, "mpmath_statuses": mp_status, "ratio": ratio,
                     "probe_seconds": t_probes, "assumption_seconds": t_assume, "assumptions": assumptions})
        print(f"{d:>4} {big_l:>2} {secs:>11.3f} {cpu:>7.3f} {'yes' if decided else 'no':>7} "
              f"{'-' if mp_secs is None else f'{mp_secs:.2f}':>9} {'-' if ratio is None else f'{ratio:.0f}x':>8} "
              f"{t_probes:>8.2f} {'-' if t_assume is None else f'{t_assume:.2f}':>8}  {'; '.join(runs[0][2])}",
              flush=True)
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"benchmark": "certified_scale", "theorem": "R-LIN",
                                                 "claims": list(CLAIMS), "rows": rows,
                                                 "load_average": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
