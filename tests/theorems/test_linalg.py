"""The classical lemmas (`theorems.linalg`): each holds on its default check at the level it claims,
its generator reaches the extremal (tied, exactly low-rank) cases, and planted false variants
built on the same generators are refuted with exact or certified counterexamples."""

from __future__ import annotations

from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest

from theorems.linalg import PACKAGE
from verifier import CheckSettings, Theorem, check_theorem, forall, get_package

#: The level each lemma is decided at (exact: rational and exact algebraic arithmetic).
EVIDENCE = {
    "RANK-SUBADD": "exact", "RANK-PRODUCT": "exact", "SYLVESTER": "exact", "TRACE-CYCLIC": "exact",
    "QUAD-FORM": "exact", "FRO-TRACE": "exact", "OPNORM": "exact", "SUBMULT-2": "certified", "SUBMULT-F": "exact",
    "SUBMULT-2F": "exact", "FRO-SV": "exact", "WEYL-SV": "certified", "MIRSKY-2": "certified",
    "MIRSKY-F": "certified", "EYM-2": "exact", "EYM-F": "exact",
}
THEOREMS = {t.id: t for t in PACKAGE.theorems}


def test_the_package_is_registered_under_its_entry_point_in_dependency_order() -> None:
    (ep,) = [e for e in metadata.entry_points(group="verifier.specs") if e.name == "linalg"]
    assert ep.load() is PACKAGE
    assert [t.id for t in get_package("linalg").theorems] == [t.id for t in PACKAGE.theorems]
    ids = [t.id for t in PACKAGE.theorems]
    assert set(ids) == set(EVIDENCE)
    for k, t in enumerate(PACKAGE.theorems):
        assert all(d in ids[:k] for d in t.depends_on), f"{t.id} depends on a later or unknown result"


@pytest.mark.parametrize("theorem_id", list(EVIDENCE))
def test_default_check_holds_at_its_level(theorem_id: str) -> None:
    thm = THEOREMS[theorem_id]
    v = check_theorem(thm, CheckSettings())
    assert v.status == "holds", (v.errors, [(c.id, c.status, c.notes[:2]) for c in v.claims])
    assert v.instances == thm.default_examples
    statement = [c for c in v.claims if c.quantifier == "forall"]
    assert statement and all(c.evidence == EVIDENCE[theorem_id] for c in statement), \
        [(c.id, c.evidence) for c in statement]
    for c in v.claims:
        if c.quantifier == "exists":  # a truncated-SVD witness: certified, within the stated tolerance
            assert c.evidence == "certified" and c.tolerance


@pytest.mark.parametrize("theorem_id", ["EYM-2", "EYM-F", "WEYL-SV", "MIRSKY-2", "MIRSKY-F", "SUBMULT-2", "OPNORM",
                                        "SUBMULT-2F", "SYLVESTER", "RANK-SUBADD"])
def test_generators_reach_equality_cases_decided_exactly(theorem_id: str) -> None:
    v = check_theorem(THEOREMS[theorem_id], CheckSettings())
    c = next(c for c in v.claims if c.quantifier == "forall")
    ties = [o for o in c.outcomes if o.decision is not None and o.decision.exact and o.decision.margin == 0]
    assert ties, f"{theorem_id}: no instance where the bound is attained"


def test_sources_cite_books_and_papers_with_the_c_mat_facts_marked() -> None:
    for t in PACKAGE.theorems:
        assert t.source.kind in ("book", "paper", "folklore")
    assert THEOREMS["EYM-2"].source.number == "Theorem 2.4.8"
    assert THEOREMS["WEYL-SV"].source.number == "Theorem 3.3.16"
    c_mat = {t.id for t in PACKAGE.theorems if "Appendix C.1" in t.source.note}
    assert c_mat == {"RANK-PRODUCT", "TRACE-CYCLIC", "QUAD-FORM", "FRO-TRACE", "OPNORM", "FRO-SV"}


# -- planted false variants on the lemmas' own generators -------------------------------------

@forall("too-strong", r"$\|A - XY\|_2 \ge \sigma_k(A)$")
def eym_too_strong(x):
    return x.norm2(x.A - x.X @ x.Y) >= x.sv(x.A, max(x.k, 1))


@forall("too-strong", r"$\sigma_1(A+B) \le \sigma_1(A) + \sigma_2(B)$", levels=("float", "certified"))
def weyl_too_strong(x):
    return x.sv(x.A + x.B, 1) <= x.sv(x.A, 1) + x.sv(x.B, 2)


@forall("too-strong", r"$\mathrm{rank}\,A + \mathrm{rank}\,B - p + 1 \le \mathrm{rank}(AB)$")
def sylvester_too_strong(x):
    return x.rank(x.A) + x.rank(x.B) - x.p + 1 <= x.rank(x.A @ x.B)


@forall("too-strong", r"$\|AB\|_2 \le \|A\|_2 \|B\|_2 - \|A\|_2 \|B\|_2 / 1024$", levels=("float", "certified"))
def submult_too_strong(x):
    return x.norm2(x.A @ x.B) * 1024 <= x.norm2(x.A) * x.norm2(x.B) * 1023


PLANTED = [("EYM-2", eym_too_strong, "exact"), ("WEYL-SV", weyl_too_strong, "certified"),
           ("SYLVESTER", sylvester_too_strong, "exact"), ("SUBMULT-2", submult_too_strong, "exact")]


@pytest.mark.parametrize(("theorem_id", "claim", "evidence"), PLANTED, ids=[p[0] for p in PLANTED])
def test_planted_false_variants_are_refuted(theorem_id: str, claim: object, evidence: str, tmp_path: Path) -> None:
    thm: Theorem = replace(THEOREMS[theorem_id], id=f"{theorem_id}-PLANTED", claims=(claim,))  # type: ignore[arg-type]
    v = check_theorem(thm, CheckSettings())
    (c,) = v.claims
    assert c.status == "violated" and c.counterexample is not None, c.notes
    assert c.evidence in ("certified", "exact")
    assert any(o.evidence == evidence for o in c.outcomes if o.status == "violated")


def test_a_short_search_refutes_a_planted_rank_bound_and_shrinks_it(tmp_path: Path) -> None:
    from verifier._search import SearchSettings, search_theorem

    @forall("max", r"$\mathrm{rank}(A + B) \le \max(\mathrm{rank}\,A, \mathrm{rank}\,B)$")
    def rank_max(x):
        return x.rank(x.A + x.B) <= x.max(x.rank(x.A), x.rank(x.B))

    thm = replace(THEOREMS["RANK-SUBADD"], id="RANK-MAX", claims=(rank_max,))
    r = search_theorem(thm, SearchSettings(time_budget=5, max_examples=300, database=None,
                                           out_dir=str(tmp_path)))
    assert r.status == "violated"
    f = r.violations[0]
    # 2 x 2 is the smallest counterexample (a 1 x n or m x 1 matrix has rank <= 1)
    assert (f.evidence, f.parameters) == ("exact", {"m": 2, "n": 2}), f


# -- exactly singular rational matrices ---------------------------------------------------------

SINGULAR_SPEC = '''
from verifier import Parameter, Source, Theorem, forall


@forall("s2-zero", r"$\\sigma_2(A) = 0$")
def s2_zero(x):
    return [x.sv(x.A, 2) == 0, x.sv(x.A, 2) <= 0, x.rank(x.A) <= 1]


S2 = Theorem(id="S2", title="s_2 of a rank-one matrix", statement=r"$\\sigma_2(A) = 0$ for rank-one $A$",
             source=Source(citation="test", kind="user"), parameters=(Parameter("n", low=2, high=2),),
             shapes={"A": ("n", "n")}, claims=(s2_zero,))
'''


@pytest.mark.parametrize("level", ["certified", "exact"])
def test_s2_of_an_exactly_singular_rational_matrix_is_decided_zero_with_exact_evidence(
        level: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from verifier._cli import main

    spec = tmp_path / "s2.py"
    spec.write_text(SINGULAR_SPEC)
    inst = tmp_path / "a.json"
    inst.write_text('{"theorem": "S2", "parameters": {"n": 2}, "matrices": {"A": [[1, 2], [2, 4]]}}')
    code = main(["check", "S2", "--spec", str(spec), "--instance", str(inst), "--level", level])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "s2-zero" in out and "holds" in out and "evidence=exact" in out, out
    assert "lhs=0 " in out, out
