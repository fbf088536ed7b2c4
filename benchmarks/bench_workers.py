"""Search throughput on 1 and 2 (or more) dask workers: examples per second, and the speed-up.

Each worker count runs the same campaign (`verifier search ID --workers N --time-budget T`): one
seeded shard per worker, every shard with the whole budget, findings in one SQLite store. The
rate is the examples of all shards over the campaign's wall time (the cluster's start-up is not
counted; each worker count gets a fresh output folder, so nothing is replayed). One run each.

Usage: python benchmarks/bench_workers.py [--theorem R-LIN] [--workers 1 2] [--time-budget 30] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from verifier import get_theorem
from verifier._campaign import ClusterSpec, search_campaign
from verifier._search import SearchSettings


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theorem", default="R-LIN")
    ap.add_argument("--claim", action="append", default=[], help="only these claims (default: all)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--time-budget", type=float, default=30.0, help="seconds per shard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", dest="json_path", help="write the figures here")
    a = ap.parse_args(argv)
    thm = get_theorem(a.theorem)
    rows = []
    print(f"search throughput, {a.theorem}, {a.time_budget:g} s per shard, one shard per worker; one run each")
    print(f"{'workers':>7} {'examples':>9} {'seconds':>8} {'examples/s':>11} {'speed-up':>9} {'findings':>9}")
    base = None
    for w in a.workers:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
            s = SearchSettings(time_budget=a.time_budget, max_examples=10_000_000, seed=a.seed,
                               claims=tuple(a.claim), out_dir=str(Path(tmp) / "out"), database=str(Path(tmp) / "hyp"))
            t0 = time.monotonic()
            ((_t, res),) = search_campaign([thm], s, ClusterSpec(workers=w), quiet=True)
            wall = time.monotonic() - t0
        rate = res.examples / res.seconds if res.seconds > 0 else 0.0
        base = base or rate
        rows.append({"workers": w, "examples": res.examples, "seconds": res.seconds, "wall_with_startup": wall,
                     "examples_per_second": rate, "speedup": rate / base if base else None,
                     "findings": len(res.violations)})
        print(f"{w:>7} {res.examples:>9} {res.seconds:>8.1f} {rate:>11.2f} {rate / base:>8.2f}x "
              f"{len(res.violations):>9}", flush=True)
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"benchmark": "workers", "theorem": a.theorem,
                                                 "time_budget": a.time_budget, "rows": rows,
                                                 "load_average": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
