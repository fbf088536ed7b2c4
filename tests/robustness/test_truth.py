"""Tests that guard truthfulness at its boundaries: each kills a class of mutants of the decision,
escalation, enclosure, tolerance, combination, assumption and refutation code (see tools/mutate.py).

- a comparison exactly undecided (a ball straddling the bound at every precision) is inconclusive,
  never holds and never violated;
- ball comparisons use the whole enclosure, not the midpoint;
- certified singular values enclose every matrix in the input balls (the defect bound in full);
- the witness tolerance is 2^-(prec/2) (1 + |scale|): half of it holds, twice it fails;
- float slack follows the stated error model: a claim false by 5% (or by 1e-9 in float64) is
  never HOLDS at any dtype or level; low-precision screens are re-decided;
- failures only mp sees are escalated, never violations by themselves;
- statuses combine violated > error > inconclusive > holds, not-applicable neutral;
- instances that miss an assumption are never checked;
- an existential claim whose witness misses is violated only with a refutation;
- R-LIN's exact-rank refutation fires above R*L only, never at rank(E) = R*L.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.robustness import specs
from verifier import CheckSettings, Comparison, Instance, RatMatrix, check_theorem, get_context, get_theorem
from verifier._verdicts import combine

DTYPES = ("float64", "float32", "bfloat16", "float16")


@pytest.mark.parametrize("thm", [specs.FIVE_PERCENT, specs.FIVE_PERCENT_TINY, specs.FIVE_PERCENT_HUGE],
                         ids=lambda t: t.id)
def test_a_claim_false_by_5_percent_is_never_holds(thm) -> None:  # type: ignore[no-untyped-def]
    runs = [CheckSettings(level="float", dtypes=(dt,), examples=2) for dt in DTYPES]
    runs += [CheckSettings(level=lv, examples=2, dps=15) for lv in ("mp", "certified", "exact")]
    for s in runs:
        v = check_theorem(thm, s)
        assert v.status == "violated", (s.level, s.dtypes, v.status)
        assert v.claims[0].evidence in ("certified", "exact")  # float and mp failures were escalated


@pytest.mark.parametrize("dtype", DTYPES)
def test_float_only_claim_false_by_5_percent_is_never_holds(dtype: str) -> None:
    v = check_theorem(specs.FIVE_PERCENT_FLOAT_ONLY, CheckSettings(level="float", dtypes=(dtype,)))
    assert v.claims[0].status == "inconclusive", v.claims[0]
    if dtype in ("bfloat16", "float16"):  # the low-precision pass is a screen: re-decided in float64
        assert any("re-decided in float64" in n for n in v.claims[0].notes)


def _bound(ctx, n: int = 3):  # type: ignore[no-untyped-def]
    inst = Instance("T", {"n": n}, {"A": RatMatrix.identity(n)})
    return ctx.bind([inst])


@pytest.mark.parametrize(("dtype", "rel"), [("float64", 1e-9), ("float32", 1e-3)])
def test_float_slack_never_covers_more_than_rounding(dtype: str, rel: float) -> None:
    ctx = get_context("float", dtype=dtype)
    _bound(ctx)
    x = 1.0 + rel
    assert ctx.decide(Comparison("false by rel", x, "<=", 1.0))[0].status == "fails"
    assert ctx.decide(Comparison("true", 1.0, "<=", x))[0].status == "holds"
    # rounding of the computation, relative to the declared scale, is covered
    u = ctx.unit_roundoff
    assert ctx.decide(Comparison("rounding", 1.0 + 2 * u, "<=", 1.0))[0].status == "holds"
    assert ctx.decide(Comparison("tiny false", 1.05e-30, "<=", 1e-30))[0].status == "fails"  # no absolute slack
    # a result cancelled from O(1) quantities (the declared scale) is within rounding, or not
    within = 10 * u  # below gamma_7 = 7u / (1 - 7u) times the scale? no: 10 u is above it
    assert ctx.decide(Comparison("cancelled", 5 * u, "<=", 0.0, scale=1.0))[0].status == "holds"
    assert ctx.decide(Comparison("not cancelled", within, "<=", 0.0, scale=1.0))[0].status == "fails"


def test_low_precision_contexts_are_screens_only() -> None:
    assert get_context("float", dtype="bfloat16").screen_only
    assert get_context("float", dtype="float16").screen_only
    assert not get_context("float", dtype="float64").screen_only
    ctx = get_context("float", dtype="bfloat16")
    _bound(ctx)  # n = 7: gamma_7 at u = 2^-8 is 2.8%: a 5% screen error is within what bfloat16 explains
    assert ctx.decide(Comparison("5%", 1.05, "<=", 1.0, scale=1.0))[0].status == "holds"


def test_mp_level_keeps_no_absolute_slack() -> None:
    ctx = get_context("mp", dps=15)
    with ctx.session():
        _bound(ctx)
        assert ctx.decide(Comparison("tiny false", Fraction(105, 10**32), "<=", Fraction(1, 10**30)))[0].status \
            == "fails"
        assert ctx.decide(Comparison("1e-12 false", 1 + Fraction(1, 10**12), "<=", 1))[0].status == "fails"


def test_failures_only_mp_sees_are_escalated_not_violations() -> None:
    v = check_theorem(specs.MP_ONLY_FAILURE, CheckSettings(level="mp", dps=15))
    c = v.claims[0]
    assert c.status == "holds" and c.evidence == "exact", c
    v = check_theorem(specs.FIVE_PERCENT, CheckSettings(level="mp", dps=15, examples=2))
    assert v.status == "violated" and v.claims[0].evidence in ("certified", "exact")


def test_an_undecided_ball_comparison_is_inconclusive() -> None:
    v = check_theorem(specs.UNDECIDED, CheckSettings(level="certified", prec=53, max_prec=106))
    c = v.claims[0]
    assert c.status == "inconclusive" and v.status == "inconclusive", c
    assert c.worst is not None and c.worst.status == "unknown"
    assert "undecided" in " ".join(c.notes)


def test_ball_comparisons_use_the_whole_enclosure() -> None:
    from flint import arb, fmpq

    ctx = get_context("certified", prec=64)
    straddles = arb(fmpq(1), fmpq(1, 1000))  # [0.999, 1.001] (the radius rounded up)
    for rel in ("<=", ">=", "=="):
        assert ctx.decide(Comparison("straddles", straddles, rel, 1))[0].status == "unknown"  # type: ignore[arg-type]
    assert ctx.decide(Comparison("below", straddles, "<=", Fraction(1002, 1000)))[0].status == "holds"
    assert ctx.decide(Comparison("above", straddles, ">=", Fraction(1002, 1000)))[0].status == "fails"


def test_certified_singular_values_enclose_every_matrix_in_the_balls() -> None:
    from flint import arb, arb_mat, fmpq

    from verifier.linalg import singular_value_enclosures

    r = fmpq(1, 100)
    a = arb_mat([[arb(fmpq(3), r), 0], [0, arb(fmpq(1), r)]])
    enc = singular_value_enclosures(a, 128)
    for e, s in zip(enc, (3, 1), strict=True):
        lo, hi = s - r, s + r  # diag(3 - r, 1 - r) and diag(3 + r, 1 + r) lie in the balls
        assert e.contains(arb(lo)) and e.contains(arb(hi)), (e, lo, hi)
        assert e.rad() < 4 * arb(r)  # containment with a sane width


def test_the_witness_tolerance_is_what_it_says() -> None:
    v = check_theorem(specs.WITNESS_TOL, CheckSettings(level="certified", prec=170))
    status = {c.id: c.status for c in v.claims}
    assert status == {"inside": "holds", "outside": "violated"}, status


def test_ties_are_settled_by_the_exact_shadow() -> None:
    v = check_theorem(specs.EXACT_TIE, CheckSettings(level="certified"))
    c = v.claims[0]
    assert c.status == "holds" and c.evidence == "exact", c


def test_status_combination_order() -> None:
    assert combine(["holds", "inconclusive", "violated"]) == "violated"
    assert combine(["inconclusive", "violated"]) == "violated"
    assert combine(["error", "violated"]) == "violated"
    assert combine(["inconclusive", "error"]) == "error"
    assert combine(["holds", "inconclusive"]) == "inconclusive"
    assert combine(["holds", "not-applicable"]) == "holds"
    assert combine(["not-applicable"]) == "not-applicable"
    assert combine([]) == "not-applicable"


def test_a_violated_claim_outranks_an_inconclusive_one_in_a_check(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    thm = dataclasses.replace(specs.UNDECIDED, id="PLANTED-UNDECIDED-AND-FALSE",
                              claims=specs.UNDECIDED.claims + specs.FIVE_PERCENT.claims)
    v = check_theorem(thm, CheckSettings(level="certified", prec=53, max_prec=106, examples=1))
    assert {c.id: c.status for c in v.claims} == {"sums-to-one": "inconclusive", "five-percent": "violated"}
    assert v.status == "violated"


def test_instances_missing_an_assumption_are_not_checked() -> None:
    def inst(a11: int) -> Instance:
        return Instance("PLANTED-NEEDS-ASSUMPTION", {"n": 1}, {"A": RatMatrix(1, 1, (Fraction(a11),))})

    v = check_theorem(specs.NEEDS_ASSUMPTION, CheckSettings(), [inst(-1), inst(2)])
    assert v.status == "holds" and v.eligible == 1 and v.claims[0].instances == 1
    assert v.assumptions["a11-nonneg"]["violated"] == 1
    v = check_theorem(specs.NEEDS_ASSUMPTION, CheckSettings(drop=("a11-nonneg",)), [inst(-1), inst(2)])
    assert v.status == "violated"  # dropped: the assumption is needed


def test_an_existential_claim_is_violated_only_with_a_refutation() -> None:
    v = check_theorem(specs.EXISTS_MISSES, CheckSettings())
    assert v.claims[0].status == "inconclusive" and v.claims[0].counts["violated"] == 0
    assert any("not refuted" in n for n in v.claims[0].notes)
    v = check_theorem(specs.EXISTS_REFUTED, CheckSettings())
    assert v.claims[0].status == "violated"
    assert "refuted" in (v.claims[0].counterexample.detail if v.claims[0].counterexample else "")


def _lin(rank_e: int, big_r: int) -> Instance:
    d = 3
    eye = RatMatrix.identity(d)
    e = RatMatrix(d, d, tuple(Fraction(int(i == j and i < rank_e)) for i in range(d) for j in range(d)))
    return Instance("R-LIN", {"D": d, "L": 1, "R": big_r}, {"W": (eye,), "Wbar": eye + e})


def test_exact_rank_refutation_fires_only_above_r_times_l() -> None:
    claim = get_theorem("R-LIN").claim("exact-above-threshold")
    assert claim.refute is not None
    assert claim.refute(_lin(rank_e=2, big_r=2)) is None  # rank(E) = R L: exact adapters exist
    assert claim.refute(_lin(rank_e=3, big_r=3)) is None
    ref = claim.refute(_lin(rank_e=3, big_r=2))  # rank(E) = R L + 1
    assert ref is not None and ref.evidence == "exact"


def test_r_lin_at_rank_e_equal_to_r_l_holds() -> None:
    v = check_theorem(get_theorem("R-LIN"), CheckSettings(), [_lin(rank_e=2, big_r=2)],
                      claims=["exact-above-threshold"])
    assert v.claims[0].status == "holds" and v.claims[0].evidence == "exact", v.claims[0]


def test_holds_claims_the_weakest_level_among_its_instances() -> None:
    v = check_theorem(specs.MP_MIXED, CheckSettings(level="mp", dps=15))
    c = v.claims[0]
    assert c.status == "holds" and {o.evidence for o in c.outcomes} == {"mp", "exact"}
    assert c.evidence == "mp"


def test_an_undecided_comparison_is_retried_at_higher_precision() -> None:
    v = check_theorem(specs.PRECISION_RETRY, CheckSettings(level="certified", prec=53, max_prec=212))
    assert v.claims[0].status == "holds" and v.claims[0].evidence == "certified", v.claims[0]
    v = check_theorem(specs.PRECISION_RETRY, CheckSettings(level="certified", prec=53, max_prec=53))
    assert v.claims[0].status == "inconclusive"  # at the ceiling it stays undecided: never a verdict


def test_errors_outside_claims_make_the_theorem_an_error() -> None:
    v = check_theorem(specs.PROBES_RAISE, CheckSettings())
    assert v.status == "error" and "planted probe bug" in " ".join(v.errors)


def test_a_refutation_that_crashes_is_an_error() -> None:
    v = check_theorem(specs.EXISTS_REFUTE_RAISES, CheckSettings())
    assert v.claims[0].status == "error" and v.status == "error"


def test_a_float_screen_that_overflows_decides_nothing() -> None:
    ctx = get_context("float", dtype="float64")
    _bound(ctx)
    for lhs in (float("nan"), float("inf")):
        assert ctx.decide(Comparison("overflow", lhs, "<=", 1.0))[0].status == "unknown"
    assert ctx.decide(Comparison("huge int", 10**400, "<=", 1.0))[0].status == "unknown"


def test_float_level_errors_are_errors() -> None:
    v = check_theorem(specs.RAISES, CheckSettings(level="float"))
    assert v.status == "error" and v.claims[0].counts["error"] == v.claims[0].instances > 0
