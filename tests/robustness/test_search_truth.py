"""A search tells what it did: errors are errors (exit 4), it counts what it could not decide,
keeps its files under its store, survives SIGTERM with summary, JSON and findings, and reports a
torn stored finding instead of skipping it in silence."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.robustness.conftest import SPECS, Run

REPO = Path(__file__).resolve().parents[2]


def _result(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())["results"][0]


def test_a_search_whose_claims_raise_reports_errors_and_exits_4(cli: Callable[..., Run], tmp_path: Path) -> None:
    r = cli("search", "--spec", f"{SPECS}:RAISES", "--time-budget", "5", "--max-examples", "5",
            "--json", tmp_path / "s.json")
    assert r.code == 4, (r.code, r.out, r.err)
    assert "PLANTED-RAISES: ERROR" in r.out and "NOT REFUTED" not in r.out
    assert "KeyError: 'planted spec bug'" in r.out
    res = _result(tmp_path / "s.json")
    assert res["status"] == "error" and res["counts"]["errored"] > 0 and res["counts"]["held"] == 0
    assert "planted spec bug" in res["error"]


def test_not_refuted_comes_with_its_counts(cli: Callable[..., Run], tmp_path: Path) -> None:
    r = cli("search", "--spec", f"{SPECS}:NEEDS_ASSUMPTION", "--time-budget", "5", "--max-examples", "20",
            "--json", tmp_path / "s.json")
    assert r.code == 0 and "NOT REFUTED" in r.out, (r.out, r.err)
    c = _result(tmp_path / "s.json")["counts"]
    assert c["held"] > 0 and c["violated"] == c["errored"] == 0
    assert "held" in r.out and "inconclusive" in r.out and "rejected" in r.out


def test_hypothesis_files_stay_under_the_store(cli: Callable[..., Run], tmp_path: Path) -> None:
    r = cli("search", "--spec", f"{SPECS}:MIXED", "--time-budget", "5", "--max-examples", "30")
    assert r.code == 1, (r.out, r.err)
    assert not (tmp_path / ".hypothesis").exists()
    assert (tmp_path / ".verifier" / "hypothesis").is_dir()


def test_a_torn_stored_finding_is_reported(cli: Callable[..., Run], tmp_path: Path) -> None:
    store = tmp_path / ".verifier" / "counterexamples" / "search" / "PLANTED-NEEDS-ASSUMPTION" / "plain"
    store.mkdir(parents=True)
    (store / "violation-a11.json").write_text('{"theorem": "PLANTED-NEEDS-ASSUMPTION", "parame')
    r = cli("search", "--spec", f"{SPECS}:NEEDS_ASSUMPTION", "--time-budget", "3", "--max-examples", "5",
            "--json", tmp_path / "s.json")
    assert r.code == 0
    notes = " ".join(_result(tmp_path / "s.json")["notes"])
    assert "stored finding skipped" in notes and "violation-a11.json" in notes


def test_replay_honours_json_and_exit_codes(cli: Callable[..., Run], tmp_path: Path) -> None:
    r = cli("search", "--spec", f"{SPECS}:FIVE_PERCENT", "--time-budget", "5", "--max-examples", "10",
            "--json", tmp_path / "search.json")
    assert r.code == 1
    found = Path(json.loads((tmp_path / "search.json").read_text())["results"][0]["violations"][0]["instance_file"])
    if not found.is_absolute():
        found = tmp_path / found
    r = cli("search", "--spec", f"{SPECS}:FIVE_PERCENT", "--replay", found, "--json", tmp_path / "replay.json",
            "--quiet")
    assert r.code == 1 and not r.out
    doc = json.loads((tmp_path / "replay.json").read_text())
    assert doc["status"] == "violated" and doc["replay"] == str(found)


def _spawn(args: list[str], cwd: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "verifier", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigterm_during_a_search_keeps_summary_json_and_findings(tmp_path: Path) -> None:
    # one claim is false (found at once), the other true: the search goes on until it is stopped
    p = _spawn(["search", "--spec", f"{SPECS}:MIXED", "--time-budget", "120", "--max-examples", "10000000",
                "--json", "s.json"], tmp_path)
    deadline = time.monotonic() + 60
    store = tmp_path / ".verifier" / "counterexamples"
    while time.monotonic() < deadline and not any(store.rglob("violation-*.json")):
        time.sleep(0.2)
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (p.returncode, out, err)  # a certified violation was found before the stop
    assert "Traceback" not in err
    assert "PLANTED-MIXED: VIOLATED" in out and "interrupted" in out
    res = _result(tmp_path / "s.json")
    assert res["interrupted"] and res["status"] == "violated"
    for f in res["violations"]:
        assert (tmp_path / f["instance_file"]).is_file()


def test_sigterm_before_any_finding_exits_130_with_summary_and_json(tmp_path: Path) -> None:
    p = _spawn(["search", "--spec", f"{SPECS}:NEEDS_ASSUMPTION", "--time-budget", "120", "--max-examples",
                "10000000", "--json", "s.json"], tmp_path)
    deadline = time.monotonic() + 60  # Hypothesis' folder appears once the search runs
    while time.monotonic() < deadline and not (tmp_path / ".verifier" / "hypothesis").exists():
        time.sleep(0.2)
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, (p.returncode, out, err)
    assert "Traceback" not in err and "interrupted" in out
    res = _result(tmp_path / "s.json")
    assert res["interrupted"] and res["status"] == "not refuted" and res["counts"]["held"] > 0
