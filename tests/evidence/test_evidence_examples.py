"""The example specs of docs/evidence.md, end to end through check_theorem (as CI runs them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from verifier import CheckSettings, check_theorem, load_spec_file

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
EXPECTED = {
    "EVIDENCE-PWL-SPLIT": "holds", "EVIDENCE-PWL-PLANTED": "violated",
    "EVIDENCE-LAWS": "holds",
    "EVIDENCE-FIT": "holds", "EVIDENCE-FIT-PLANTED": "violated",
    "EVIDENCE-AS": "holds", "EVIDENCE-AS-PLANTED": "violated",
}


@pytest.mark.parametrize("name", ["evidence_pwl", "evidence_laws", "evidence_lower", "evidence_probone"])
def test_example_spec(name: str) -> None:
    theorems = load_spec_file(str(EXAMPLES / f"{name}.py"))
    assert theorems
    for thm in theorems:
        v = check_theorem(thm, CheckSettings(examples=3, seed=1))
        assert v.status == EXPECTED[thm.id], (thm.id, v.status, [(c.id, c.status, c.notes) for c in v.claims])
        if v.status == "violated":
            c = next(c for c in v.claims if c.status == "violated")
            assert c.evidence in ("certified", "exact")


def test_planted_existential_is_refuted_by_a_certificate() -> None:
    thm = next(t for t in load_spec_file(str(EXAMPLES / "evidence_lower.py")) if t.id == "EVIDENCE-FIT-PLANTED")
    v = check_theorem(thm, CheckSettings(examples=2))
    outcome = v.claims[0].outcomes[0]
    assert outcome.status == "violated" and outcome.refutation is not None
    assert outcome.refutation["kind"] == "lower-bound" and outcome.refutation["refutes"]


def test_importing_the_facade_loads_nothing_heavy() -> None:
    code = ("import sys, verifier, verifier.evidence; "
            "print(sorted(m for m in ('torch', 'flint', 'scipy', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_facade_names_resolve() -> None:
    import verifier.evidence as ev

    for name in ev.__all__:
        assert getattr(ev, name) is not None
