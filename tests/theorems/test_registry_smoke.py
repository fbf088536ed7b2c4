"""One smoke test per registered spec: a small check runs, and every verdict claims no more than
its evidence (violated only with a certified/exact counterexample; inconclusive says why)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier import CheckSettings, all_theorems, check_theorem, get_theorem, record_findings

IDS = [t.id for t in all_theorems()]


@pytest.mark.parametrize("theorem_id", IDS)
def test_spec_checks_and_verdicts_are_truthful(theorem_id: str, tmp_path: Path) -> None:
    thm = get_theorem(theorem_id)
    v = record_findings(check_theorem(thm, CheckSettings(examples=2, seed=0)), tmp_path)
    assert v.status in ("holds", "violated", "inconclusive", "not-applicable"), (v.status, v.errors)
    assert {c.id for c in v.claims} == {c.id for c in thm.claims} | {i.id for i in thm.identities}
    for c in v.claims:
        if c.status == "violated":
            assert c.evidence in ("certified", "exact"), c
            assert c.counterexample is not None and Path(c.counterexample.file).is_file()
            assert c.counterexample.replay and c.counterexample.replay.startswith("verifier check ")
        elif c.status == "holds":
            assert c.evidence is not None
            assert c.instances > 0 or c.kind == "symbolic"
            assert c.counts["violated"] == 0
        else:
            assert c.status in ("inconclusive", "not-applicable"), (c.id, c.status, c.notes)
            assert c.notes, f"{theorem_id}/{c.id} is {c.status} without saying why"


def test_registry_has_unique_ids_and_known_dependencies() -> None:
    ids = [t.id for t in all_theorems()]
    assert len(ids) == len(set(ids))
    for t in all_theorems():
        for dep in t.depends_on:
            assert dep in ids, f"{t.id} depends on unknown result {dep}"
