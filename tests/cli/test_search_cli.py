"""`verifier search`: bad options exit 2 with one line; a search runs end to end and replays."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLANTED = str(ROOT / "tests" / "quality" / "planted.py")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # run from a temporary directory, import this checkout
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.mark.parametrize(("args", "needle"), [
    (["R-LIN", "--time-budget", "0"], "--time-budget"),
    (["R-LIN", "--time-budget", "soon"], "--time-budget"),
    (["R-LIN", "--max-examples", "0"], "--max-examples"),
    (["R-LIN", "--param", "D=3:x"], "--param"),
    (["R-LIN", "--param", "D=5:2"], "low 5 > high 2"),
    (["R-LIN", "--param", "Q=1:2"], "no parameter 'Q'"),
    (["R-LIN", "--drop", "nope"], "unknown assumption"),
    (["R-LIN", "--claim", "nope"], "unknown claim"),
    (["R-LIN", "--claim", "telescoping-L2-svd"], "symbolic identities"),
    (["R-LIN", "--sampler", "clever"], "--sampler"),
    (["NOPE"], "unknown theorem"),
    (["R-LIN-NEEDS-W-NONSINGULAR", "--spec", PLANTED, "--threshold-offset", "-1"], "declares no claim threshold"),
    (["R-LIN", "--replay", "missing.json"], "not found"),
    (["--spec", "missing_spec.py"], "spec file not found"),
])
def test_bad_options_exit_2_with_one_line(tmp_path: Path, args: list[str], needle: str) -> None:
    r = _run("search", *args, "--no-database", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verifier: error:"), r.stderr
    assert needle in lines[0]


def test_search_end_to_end_with_replay_and_report(tmp_path: Path) -> None:
    spec = f"{PLANTED}:R_LIN_THRESHOLD_MINUS_ONE"
    r = _run("search", "R-LIN-THRESHOLD-MINUS-ONE", "--spec", spec, "--claim", "exact-above-threshold",
             "--max-examples", "30", "--time-budget", "60", "--json", "out.json", "--report", "rep", cwd=tmp_path)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "VIOLATED" in r.stdout and "replay: verifier check" in r.stdout
    doc = json.loads((tmp_path / "out.json").read_text())
    (v,) = doc["results"][0]["violations"]
    assert v["evidence"] == "exact" and v["parameters"]["D"] <= 3
    assert "--spec" in v["replay"]
    # The replay command reproduces the certified counterexample with the plain checker.
    replay = shlex.split(v["replay"])
    assert replay[:2] == ["verifier", "check"]
    r2 = _run(*replay[1:], cwd=tmp_path)
    assert r2.returncode == 1 and "violated" in r2.stdout, (r2.stdout, r2.stderr)
    # The report holds the search under the theorem's entry.
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    entry = next(t for t in rep["theorems"] if t["id"] == "R-LIN-THRESHOLD-MINUS-ONE")
    assert entry["search"]["violations"][0]["claim"] == "exact-above-threshold"
    assert (tmp_path / "rep" / "report.md").is_file()
    # A rerun replays the stored counterexample first.
    r3 = _run("search", "R-LIN-THRESHOLD-MINUS-ONE", "--spec", spec, "--claim", "exact-above-threshold",
              "--max-examples", "5", "--report", "rep", "--json", "again.json", cwd=tmp_path)
    assert r3.returncode == 1
    again = json.loads((tmp_path / "again.json").read_text())["results"][0]["violations"][0]
    assert again["origin"] == "replayed"


def test_threshold_offset_and_drop_all(tmp_path: Path) -> None:
    statement = [w for c in ("adapter-rank", "optimum-attained", "exact-above-threshold") for w in ("--claim", c)]
    r = _run("search", "R-LIN", *statement, "--threshold-offset", "-1", "--drop", "all", "--time-budget", "20",
             "--max-examples", "40", "--no-database", "--json", "out.json", cwd=tmp_path)
    assert r.returncode == 0, (r.stdout, r.stderr)
    res = json.loads((tmp_path / "out.json").read_text())["results"][0]
    assert [d["assumption"] for d in res["drop"]] == ["W-nonsingular", "corrections-nonsingular"]
    assert all(d["result"] in ("necessary", "not shown necessary") for d in res["drop"])
    (t,) = res["threshold"]
    assert t["result"] == "refuted" and t["offset"] == -1
    r2 = _run(*shlex.split(t["counterexample"]["replay"])[1:], cwd=tmp_path)
    assert r2.returncode == 1 and "violated (threshold)" in r2.stdout, (r2.stdout, r2.stderr)
