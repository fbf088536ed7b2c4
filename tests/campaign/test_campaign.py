"""Campaigns: a 2-worker LocalCluster search that loses a worker mid-run loses no finding."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from verifier import load_spec_file  # noqa: E402
from verifier._campaign import ClusterSpec, search_campaign  # noqa: E402
from verifier._search import SearchSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANTED = str(ROOT / "tests" / "quality" / "planted.py")


def _digests(db: Path) -> set[str]:
    if not db.is_file():
        return set()
    try:
        with sqlite3.connect(db, timeout=30) as c:
            return {r[0] for r in c.execute("SELECT digest FROM findings")}
    except sqlite3.Error:  # created but no table yet
        return set()


def _dead(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_killed_worker_loses_no_finding(tmp_path: Path) -> None:
    (thm,) = load_spec_file(f"{PLANTED}:R_LIN_THRESHOLD_MINUS_ONE")
    db = tmp_path / "out" / "findings.sqlite"
    s = SearchSettings(time_budget=15.0, max_examples=100_000, seed=3, out_dir=str(tmp_path / "out"),
                       database=str(tmp_path / "hyp"), spec_files=(f"{PLANTED}:R_LIN_THRESHOLD_MINUS_ONE",))
    seen: dict[str, object] = {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        def killer() -> None:
            try:
                kill()
            except BaseException as e:  # surfaced by the assertions below
                seen["error"] = repr(e)

        def kill() -> None:
            t0 = time.monotonic()
            while time.monotonic() - t0 < 60 and not _digests(db):
                time.sleep(0.2)
            seen["before"] = _digests(db)
            pids = client.run(os.getpid)  # worker address -> pid
            victim = sorted(pids.values())[0]
            seen["victim"] = victim
            os.kill(victim, signal.SIGKILL)  # mid-run: the shards are still searching (15 s budget)

        t = threading.Thread(target=killer, daemon=True)
        t.start()
        ((_thm, res),) = search_campaign([thm], s, ClusterSpec(workers=2, scheduler=cluster.scheduler_address),
                                         quiet=True)
        t.join(timeout=5)
    assert seen.get("before"), (f"no finding was stored before the worker was killed: {seen}; "
                                 f"{res.status} after {res.examples} examples, {res.notes}")
    assert _dead(int(seen["victim"]))  # the worker really died
    assert seen["before"] <= _digests(db)  # every finding stored before the kill is still there
    assert res.status == "violated"
    assert "exact-above-threshold" in {f.claim for f in res.violations}
    f = next(f for f in res.violations if f.claim == "exact-above-threshold")
    assert Path(f.instance_file).is_file()


def test_search_campaign_cli_runs_two_workers(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "verifier", "search", "R-LIN-THRESHOLD-MINUS-ONE", "--spec", PLANTED,
                        "--workers", "2", "--time-budget", "20", "--no-shrink", "--claim", "exact-above-threshold",
                        "--json", "out.json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 1, r.stderr[-2000:]
    res = json.loads((tmp_path / "out.json").read_text())["results"][0]
    assert res["violations"] and "2 shard(s)" in " ".join(res["notes"])
    assert "shards done" in r.stderr  # progress was shown
    # the next run replays the stored finding first
    r2 = subprocess.run([sys.executable, "-m", "verifier", "search", "R-LIN-THRESHOLD-MINUS-ONE", "--spec", PLANTED,
                         "--time-budget", "3", "--max-examples", "1", "--no-shrink", "--claim", "exact-above-threshold",
                         "--json", "again.json"],
                        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    again = json.loads((tmp_path / "again.json").read_text())["results"][0]["violations"]
    assert r2.returncode == 1 and any(v["origin"] == "replayed" for v in again)


@pytest.mark.parametrize(("args", "needle"), [
    (["search", "R-LIN", "--workers", "0"], "--workers"),
    (["search", "R-LIN", "--workers", "two"], "--workers"),
    (["check", "R-LIN", "--workers", "-1"], "--workers"),
    (["search", "R-LIN", "--scheduler", "nowhere"], "--scheduler"),
    (["check", "R-LIN", "--sizes", "D=x"], "--sizes"),
    (["check", "R-LIN", "--sizes", "D=100000"], "--sizes"),
    (["check", "R-LIN", "--sizes", "Q=3"], "no selected theorem"),
])
def test_bad_campaign_options_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=tmp_path,
                       env=env, timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr
