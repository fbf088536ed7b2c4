"""Search quality: planted false claims are refuted (certified) and shrunk within a fixed example
budget; the true R-LIN is never refuted; findings survive interruption and are replayed first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.quality.planted import (
    R_LIN_COND,
    R_LIN_GAP,
    R_LIN_NEEDS_W_NONSINGULAR,
    R_LIN_THRESHOLD_MINUS_ONE,
    R_LIN_WRONG_OPT,
)
from verifier import check_theorem, get_theorem, load_instance
from verifier._search import SearchSettings, drop_all, search_json, search_theorem
from verifier._verdicts import CheckSettings

# Generous time, fixed examples: the example budget is what these tests hold the search to.
TIME = 60.0


def _settings(tmp_path: Path, **kw: object) -> SearchSettings:
    return SearchSettings(database=None, seed=0, time_budget=TIME, **kw)  # type: ignore[arg-type]


def _certified_again(thm, finding, drop: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """The stored instance file is a certified counterexample for the plain checker too."""
    inst = load_instance(thm, finding.instance_file)
    v = check_theorem(thm, CheckSettings(level="exact", drop=drop),
                      [inst], [finding.claim])
    assert v.claims[0].status == "violated"
    assert v.claims[0].evidence in ("certified", "exact")


def test_threshold_off_by_one_is_refuted_and_shrunk(tmp_path: Path) -> None:
    res = search_theorem(R_LIN_THRESHOLD_MINUS_ONE,
                         _settings(tmp_path, max_examples=30, claims=("exact-above-threshold",)))
    assert res.status == "violated"
    (f,) = res.violations
    assert f.claim == "exact-above-threshold" and f.evidence == "exact"
    assert f.parameters["D"] <= 3 and f.parameters["L"] == 1  # the smallest possible is D = 2, L = 1, R = 1
    _certified_again(R_LIN_THRESHOLD_MINUS_ONE, f)


def test_wrong_optimum_is_refuted_and_shrunk(tmp_path: Path) -> None:
    res = search_theorem(R_LIN_WRONG_OPT, _settings(tmp_path, max_examples=15, claims=("no-better-adapters",)))
    (f,) = res.violations
    assert f.evidence in ("certified", "exact")
    assert sum(f.parameters.values()) <= 4, f.parameters
    _certified_again(R_LIN_WRONG_OPT, f)


def test_ill_conditioning_is_found(tmp_path: Path) -> None:
    res = search_theorem(R_LIN_COND, _settings(tmp_path, max_examples=150))
    (f,) = res.violations
    assert f.claim == "product-conditioned" and f.evidence in ("certified", "exact")
    # Shrinking by structure: from a deep Gaussian product down to one near-singular 2 x 2 layer.
    assert f.parameters["D"] == 2 and f.parameters["L"] == 1, f.parameters
    _certified_again(R_LIN_COND, f)


def test_a_spectral_tie_is_found_and_shrunk(tmp_path: Path) -> None:
    # Ties are rare structure: uniform sampling of the same strategies needs a median of about 90
    # examples to meet one (benchmarks/bench_search.py). Margin descent from the best early
    # candidates crosses the gap's zero in a few Newton steps, well within this budget.
    res = search_theorem(R_LIN_GAP, _settings(tmp_path, max_examples=40))
    (f,) = res.violations
    assert f.claim == "spectral-gap" and f.evidence in ("certified", "exact")
    assert f.parameters["D"] == 2 and f.parameters["L"] == 1, f.parameters
    _certified_again(R_LIN_GAP, f)


def test_dropping_a_needed_assumption_is_shown_necessary(tmp_path: Path) -> None:
    res = drop_all(R_LIN_NEEDS_W_NONSINGULAR, _settings(tmp_path, max_examples=30))
    (row,) = res.drop
    assert row.assumption == "W-nonsingular" and row.result == "necessary"
    assert row.counterexample is not None and row.counterexample.parameters["D"] == 1
    assert "--drop W-nonsingular" in row.counterexample.replay
    assert not res.violations  # with the assumption the claim holds
    _certified_again(R_LIN_NEEDS_W_NONSINGULAR, row.counterexample, drop=("W-nonsingular",))
    doc = search_json(res)
    assert doc["drop"][0]["result"] == "necessary" and doc["drop"][0]["counterexample"]["evidence"] == "exact"


def test_r_lin_threshold_is_tight(tmp_path: Path) -> None:
    thm = get_theorem("R-LIN")
    below = search_theorem(thm, _settings(tmp_path, max_examples=30, threshold_offset=-1))
    (row,) = below.threshold
    assert row.result == "refuted" and row.counterexample is not None
    assert row.counterexample.parameters["D"] <= 3
    assert "--threshold-offset -1" in row.counterexample.replay
    assert not below.violations  # refuting the shifted claim says nothing against R-LIN itself


def test_findings_are_replayed_first(tmp_path: Path) -> None:
    s = _settings(tmp_path, max_examples=30, claims=("exact-above-threshold",))
    first = search_theorem(R_LIN_THRESHOLD_MINUS_ONE, s)
    again = search_theorem(R_LIN_THRESHOLD_MINUS_ONE, replace(s, seed=1))
    assert again.violations[0].origin == "replayed"
    assert again.violations[0].instance_file == first.violations[0].instance_file
    assert again.examples <= first.examples


def test_an_interrupted_search_keeps_its_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier._search import _engine

    real = _engine._Search.evaluate
    calls = {"n": 0}

    def interrupting(self, insts, claims):  # type: ignore[no-untyped-def]
        if self.out.best:  # something certified is already kept: now press Ctrl-C
            calls["n"] += 1
            raise KeyboardInterrupt
        return real(self, insts, claims)

    monkeypatch.setattr(_engine._Search, "evaluate", interrupting)
    res = search_theorem(R_LIN_THRESHOLD_MINUS_ONE,
                         _settings(tmp_path, max_examples=30, claims=("exact-above-threshold",)))
    assert calls["n"] >= 1 and res.interrupted
    assert res.violations and Path(res.violations[0].instance_file).is_file()


STATEMENT = ("adapter-rank", "optimum-attained", "no-better-adapters", "optimal-product-form", "exact-above-threshold")


@pytest.mark.slow
def test_true_r_lin_is_never_refuted(tmp_path: Path) -> None:
    # the statement's claims (the printed proof steps have gaps: tests/theorems/test_linear_family.py)
    res = search_theorem(get_theorem("R-LIN"), replace(_settings(tmp_path, max_examples=400), time_budget=45.0,
                                                       claims=STATEMENT))
    assert res.status == "not refuted", [f.detail for f in res.violations]
    assert res.examples >= 50
    assert not [n for n in res.notes if "raised" in n], res.notes


@pytest.mark.slow
def test_r_lin_drop_table(tmp_path: Path) -> None:
    res = drop_all(get_theorem("R-LIN"), replace(_settings(tmp_path, max_examples=200), time_budget=30.0,
                                                 claims=STATEMENT))
    rows = {r.assumption: r for r in res.drop}
    assert set(rows) == {"W-nonsingular", "corrections-nonsingular"}
    # Without non-singularity the construction is undefined, which leaves existential claims
    # unresolved, never refuted; and the r = 0 case of corrections-nonsingular implies W-nonsingular.
    assert all(r.result == "not shown necessary" for r in rows.values())
    assert rows["W-nonsingular"].violating == 0
    assert not res.violations
