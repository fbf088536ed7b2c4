"""The command line: exit codes, one-line errors on bad input, reports written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verifier._cli import main


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, cwd=cwd)


def _instance(tmp_path: Path, data: object, name: str = "inst.json") -> str:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(p)


GOOD = {"theorem": "R-LIN", "parameters": {"D": 3, "L": 2, "R": 1},
        "matrices": {"W": [[[1, 0, 0], [0, 2, 0], [0, 0, 1]], [[1, 1, 0], [0, 1, 0], [0, 0, "1/2"]]],
                     "Wbar": [[2, 1, 0], [0, 2, 0], [1, 0, "-3/7"]]}}


def test_list_names_r_lin() -> None:
    r = _run("list")
    assert r.returncode == 0 and "R-LIN" in r.stdout


def test_check_user_instance_holds_and_writes_reports(tmp_path: Path) -> None:
    path = _instance(tmp_path, GOOD)
    out = tmp_path / "rep"
    r = _run("check", "R-LIN", "--instance", path, "--report", str(out), "--json", str(tmp_path / "r.json"))
    doc = json.loads((out / "report.json").read_text())
    thm = doc["theorems"][0]
    # the statement holds; the printed step L9 (Q_1 = I_{1:R,D}, without V) is a proof gap: exit 1
    assert r.returncode == 1 and "proof gaps: L9" in r.stdout and "statement HOLDS" in r.stdout, r.stdout + r.stderr
    assert doc["schema"] == "verifier-report/2" and doc["status"] == "violated"
    assert thm["statement_status"] == "holds" and thm["proof_gaps"] == ["L9"]
    claims = {c["id"]: c for c in thm["claims"]}
    assert claims["optimum-attained"]["evidence"] == "certified"
    assert claims["adapter-rank"]["evidence"] == "exact"
    assert (out / "report.md").read_text().startswith("# Verification report")
    assert json.loads((tmp_path / "r.json").read_text())["theorems"][0]["statement_status"] == "holds"


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ({"theorem": "R-LIN", "parameters": {"D": 3, "L": 2, "R": 1}, "matrices": {"W": [], "Wbar": [[1]]}},
     "list of 2 matrices"),
    ({**GOOD, "matrices": {**GOOD["matrices"], "Wbar": [[1, 2], [3, 4]]}}, "expected shape 3x3"),
    ({**GOOD, "matrices": {**GOOD["matrices"], "Wbar": [[1, 2, 3], [3, 4], [1, 1, 1]]}}, "ragged"),
    ({**GOOD, "matrices": {**GOOD["matrices"], "Wbar": [[1, 2, "1/0"], [3, 4, 5], [1, 1, 1]]}}, "cannot read"),
    ({**GOOD, "matrices": {**GOOD["matrices"], "W": [[[1, 0, 0], [0, 0, 0], [0, 0, 1]], GOOD["matrices"]["W"][1]]}},
     "does not meet assumption W-nonsingular"),
])
def test_bad_instances_exit_2_with_one_line(tmp_path: Path, content: object, message: str) -> None:
    r = _run("check", "R-LIN", "--instance", _instance(tmp_path, content))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["check", "R-LIN", "--instance", "/no/such/file.json"], "instance file not found"),
    (["check", "NOPE"], "unknown theorem"),
    (["check", "R-LIN", "--level", "bogus"], "invalid choice"),
    (["check", "R-LIN", "--examples", "0"], "--examples: must be in 1..100000"),
    (["check", "R-LIN", "--claim", "nope", "--examples", "1"], "unknown claim"),
    (["check", "R-LIN", "--drop", "nope", "--examples", "1"], "unknown assumption"),
    (["check", "R-LIN", "--dtype", "float8", "--examples", "1"], "--dtype: expected a comma-separated subset"),
    (["check", "R-LIN", "--prec", "10", "--examples", "1"], "--prec: must be in 53..65536"),
    (["check", "R-LIN", "--prec", "400", "--max-prec", "200", "--examples", "1"], "--max-prec (200) must be >= --prec"),
    (["check", "R-LIN", "--seed", "-1"], "--seed: must be in 0.."),
    (["check", "--spec", "/no/such/spec.py"], "spec file not found"),
    (["report", "--package", "nope"], "unknown spec package"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_usage_exits_2_with_one_line(args: list[str], message: str) -> None:
    r = _run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_cuda_request_without_gpu_is_a_clean_error_or_runs() -> None:
    import torch

    code = main(["check", "R-LIN", "--level", "float", "--device", "cuda", "--examples", "2", "--no-probes",
                 "--claim", "optimum-attained", "--quiet"])
    assert code == (0 if torch.cuda.is_available() else 2)


@pytest.mark.cuda
@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="no CUDA device here")
def test_cuda_float_level_runs_on_gpu() -> None:
    from verifier import CheckSettings, check_theorem, get_theorem

    v = check_theorem(get_theorem("R-LIN"), CheckSettings(level="float", device="cuda", examples=4),
                      claims=["optimum-attained"])
    assert v.claims[0].status == "holds"
    assert any(c.get("device", "").startswith("cuda") for c in v.contexts)


def test_a_closed_stdout_stops_quietly() -> None:
    """`verifier check ... | head`: the reader goes away; exit 141 (128 + SIGPIPE), no internal error."""
    import os

    r_fd, w_fd = os.pipe()
    os.close(r_fd)
    try:
        r = subprocess.run([sys.executable, "-m", "verifier", "list"], stdout=w_fd, stderr=subprocess.PIPE,
                           text=True, timeout=120)
    finally:
        os.close(w_fd)
    assert r.returncode == 141 and "error" not in r.stderr.lower(), r.stderr
