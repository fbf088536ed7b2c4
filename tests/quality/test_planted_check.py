"""Planted false claims come back violated from a plain check, with a certificate and a replay
command that reproduces the violation; the true spec is never violated on the same instances."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from verifier import CheckSettings, check_theorem, get_theorem, record_findings

PLANTED = str(Path(__file__).with_name("planted.py"))


def _planted(name: str):  # type: ignore[no-untyped-def]
    from verifier import load_spec_file

    return load_spec_file(f"{PLANTED}:{name}")[0]


@pytest.mark.parametrize(
    ("name", "claim", "evidence"),
    [
        ("R_LIN_WRONG_OPT", "no-better-adapters", "certified"),
        ("R_LIN_THRESHOLD_MINUS_ONE", "exact-above-threshold", "exact"),
    ],
)
def test_planted_claim_is_refuted_with_replayable_certificate(
    tmp_path: Path, name: str, claim: str, evidence: str
) -> None:
    thm = _planted(name)
    settings = CheckSettings(examples=12, seed=1)
    v = record_findings(check_theorem(thm, settings, claims=[claim]), tmp_path, [f"{PLANTED}:{name}"])
    c = v.claims[0]
    assert c.status == "violated" and v.status == "violated"
    assert c.evidence == evidence
    cx = c.counterexample
    assert cx is not None and cx.file is not None and Path(cx.file).is_file()
    # the replay command reproduces the violation (exit code 1) from the instance file alone
    words = shlex.split(cx.replay or "")
    assert words[:2] == ["verifier", "check"]
    r = subprocess.run([sys.executable, "-m", *words, "--quiet"], capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr


def test_true_spec_is_not_violated_on_the_same_instances(tmp_path: Path) -> None:
    v = check_theorem(
        get_theorem("R-LIN"),
        CheckSettings(examples=12, seed=1),
        claims=["no-better-adapters", "exact-above-threshold"],
    )
    assert all(c.status == "holds" for c in v.claims)
    assert all(c.counts["violated"] == 0 for c in v.claims)
