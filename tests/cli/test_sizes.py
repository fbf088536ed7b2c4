"""`verifier check --sizes`: instances at the sizes asked for, through the spec's own generator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from verifier import get_context

ROOT = Path(__file__).resolve().parents[2]


def test_check_at_the_papers_width_and_depth(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-m", "verifier", "check", "R-LIN", "--sizes", "D=16,L=4", "--sizes",
                        "D=24,L=2,R=3", "--claim", "optimum-attained", "--level", "certified", "--no-probes",
                        "--json", "out.json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads((tmp_path / "out.json").read_text())
    (thm,) = doc["theorems"]
    claim = next(c for c in thm["claims"] if c["id"] == "optimum-attained")
    assert claim["status"] == "holds" and claim["evidence"] == "certified"
    assert thm["instances"] == 2


def test_float_decisions_are_batched_on_the_device() -> None:
    from verifier import Comparison

    ctx = get_context("float")
    lhs = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    decs = ctx.decide(Comparison("x", lhs, "<=", torch.tensor(2.0, dtype=torch.float64)))
    assert [d.status for d in decs] == ["holds", "holds", "fails"]
    assert [d.lhs_value for d in decs] == [1.0, 2.0, 3.0] and decs[2].margin == -1.0


def test_sizes_get_the_checks_an_instance_file_gets(tmp_path: Path) -> None:
    """--sizes is validated like an instance file's parameters: memory first (one line, exit 2, at
    once), and the spec's own constraints."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VERIFIER_MEMORY_GIB": "1"}
    r = subprocess.run([sys.executable, "-m", "verifier", "check", "R-LIN", "--sizes", "D=2048,L=4"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert r.returncode == 2 and "GiB" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
