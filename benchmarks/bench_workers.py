"""Search throughput on 1 and 2 (or more) dask workers: examples per second, and the speed-up.

Each worker count runs the same campaign (`verifier search ID --workers N --time-budget T`) on the
same shards: by default as many seeded shards as the largest worker count, every shard with the
whole budget, findings in one SQLite store. One worker runs the shards one after another, two run
them side by side, so the work (seeds, instances, findings to shrink) is the same and the ratio
measures the parallelism alone; `--shards 0` gives one shard per worker instead (then each worker
count searches different seeds, whose examples cost differently). The rate is the examples of all
shards over the campaign's wall time (the cluster's start-up is not counted; each worker count gets
a fresh output folder, so nothing is replayed). One run each.

Usage: python benchmarks/bench_workers.py [--theorem R-LIN] [--workers 1 2] [--time-budget 30] [--shards N]
       [--json PATH]
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


def _cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def main(argv: list[str] | None = None) -> None:
    import distributed

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theorem", default="R-LIN")
    ap.add_argument("--claim", action="append", default=[], help="only these claims (default: all)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--time-budget", type=float, default=30.0, help="seconds per shard")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shards", type=int, default=None,
                    help="shards for every worker count (default: the largest worker count; 0: one per worker)")
    ap.add_argument("--json", dest="json_path", help="write the figures here")
    a = ap.parse_args(argv)
    thm = get_theorem(a.theorem)
    rows = []
    shards = max(a.workers) if a.shards is None else a.shards
    what = f"{shards} shards for every worker count" if shards else "one shard per worker"
    print(f"search throughput, {a.theorem}, {a.time_budget:g} s per shard, {what}; one run each; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'workers':>7} {'examples':>9} {'seconds':>8} {'examples/s':>11} {'speed-up':>9} {'worker cpu s':>12} "
          f"{'cpu/wall/worker':>15} {'examples/cpu s':>14}")
    base = None
    for w in a.workers:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp, \
                distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None,
                                         silence_logs=50) as cluster, distributed.Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
            s = SearchSettings(time_budget=a.time_budget, max_examples=10_000_000, seed=a.seed,
                               claims=tuple(a.claim), out_dir=str(Path(tmp) / "out"), database=str(Path(tmp) / "hyp"))
            c0 = _cpu(pids)
            t0 = time.monotonic()
            ((_t, res),) = search_campaign([thm], s, ClusterSpec(workers=w, scheduler=cluster.scheduler_address),
                                           shards=shards or None, quiet=True)
            wall = time.monotonic() - t0
            cpu = _cpu(pids) - c0
        rate = res.examples / res.seconds if res.seconds > 0 else 0.0
        base = base or rate
        share = cpu / wall / w if wall > 0 else 0.0
        rows.append({"workers": w, "examples": res.examples, "seconds": res.seconds, "wall": wall,
                     "examples_per_second": rate, "speedup": rate / base if base else None, "worker_cpu_seconds": cpu,
                     "cpu_share_per_worker": share, "examples_per_cpu_second": res.examples / cpu if cpu else None,
                     "findings": len(res.violations)})
        print(f"{w:>7} {res.examples:>9} {res.seconds:>8.1f} {rate:>11.2f} {rate / base:>8.2f}x {cpu:>12.1f} "
              f"{share:>15.2f} {res.examples / cpu if cpu else 0:>14.2f}", flush=True)
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"benchmark": "workers", "theorem": a.theorem,
                                                 "time_budget": a.time_budget, "shards": shards or "per worker",
                                                 "rows": rows,
                                                 "load_average": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
