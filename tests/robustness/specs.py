"""Small planted specs for the robustness suite: each isolates one piece of the truth-critical code.

Loaded by the tests directly and by the CLI (`--spec tests/robustness/specs.py:NAME`). Every spec has
its own id, so none clashes with the registry.

- `FIVE_PERCENT`: sum(A∘A) * 1.05 <= ||A||_F^2 (false by 5% on every non-zero instance), with
  entries of any size (`scale` parameter: 2^-40 or 2^40).
- `RAISES`: a claim whose code raises (a spec bug): an error, never a verdict.
- `MP_ONLY_FAILURE`: (1 + 2^-200) - 1 >= 2^-201 computed in mpmath at 15 digits is 0 (fails), but
  holds exactly: only escalation finds it true.
- `NEEDS_ASSUMPTION`: "a_11 >= 0" under the assumption "a_11 >= 0": false only on instances that
  miss the assumption.
- `EXISTS_MISSES`: an existential claim whose witness always misses, with or without a refutation.
- `UNDECIDED`: sqrt(2)^2 == 2 with a construction that only certified arithmetic can attempt (and
  never settles without its exact shadow).
- `VACUOUS`: a claim whose precondition no instance meets.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    Parameter,
    RatMatrix,
    Refutation,
    Source,
    Theorem,
)

SOURCE = Source(citation="planted by the robustness suite", kind="user")


def _matrix_instance(tid: str, n: int, entries: list[Fraction], seed: int = 0) -> Instance:
    return Instance(tid, {"n": n}, {"A": RatMatrix(n, n, tuple(entries))}, seed=seed)


def _scaled_generator(tid: str, scale: Fraction) -> Any:
    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        n = int(params["n"]) if params else int(rng.integers(1, 4))
        vals = [Fraction(int(rng.integers(-64, 65)) or 1, 16) * scale for _ in range(n * n)]
        return _matrix_instance(tid, n, vals, index)

    return generate


def _five_percent(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    a = b.m("A")
    s = ctx.sum_entries(ctx.hadamard(a, a))
    return [Comparison("1.05 sum(A∘A) <= ||A||_F^2", s * ctx.const(Fraction(21, 20)), "<=", ctx.frobenius_sq(a),
                       scale=s)]


def five_percent(scale: Fraction, tid: str) -> Theorem:
    return Theorem(
        id=tid, title="planted: false by 5%", statement="1.05 sum(A∘A) <= ||A||_F^2 (false)", source=SOURCE,
        parameters=(Parameter("n", low=1, high=3),),
        claims=(Claim("five-percent", statement="false by 5% on every non-zero A", evaluate=_five_percent),),
        shapes={"A": ("n", "n")}, generate=_scaled_generator(tid, scale), default_examples=3)


FIVE_PERCENT = five_percent(Fraction(1), "PLANTED-5PCT")
FIVE_PERCENT_TINY = five_percent(Fraction(1, 2**40), "PLANTED-5PCT-TINY")
FIVE_PERCENT_HUGE = five_percent(Fraction(2**40), "PLANTED-5PCT-HUGE")


def _raises(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    raise KeyError("planted spec bug")


RAISES = Theorem(
    id="PLANTED-RAISES", title="planted: a claim whose code raises", statement="(spec bug)", source=SOURCE,
    parameters=(Parameter("n", low=1, high=2),),
    claims=(Claim("raises", statement="raises KeyError", evaluate=_raises),),
    shapes={"A": ("n", "n")}, default_examples=2)


def _mp_only(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    one = ctx.const(1)
    tiny = ctx.const(Fraction(1, 2**200))
    lhs = (one + tiny) - one
    return [Comparison("(1 + 2^-200) - 1 >= 2^-201", lhs, ">=", ctx.const(Fraction(1, 2**201)))]


MP_ONLY_FAILURE = Theorem(
    id="PLANTED-MP-ONLY", title="planted: a true claim mp at 15 digits gets wrong", statement="true", source=SOURCE,
    parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("cancellation", statement="(1 + 2^-200) - 1 >= 2^-201", evaluate=_mp_only,
                  levels=("mp", "certified", "exact")),),
    shapes={"A": ("n", "n")}, default_examples=1)


def _entry_nonneg(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    return [Comparison("a_11 >= 0", ctx.entry(b.m("A"), 0, 0), ">=", 0)]


def _a11_assumption(inst: Instance) -> AssumptionResult:
    a = inst.matrices["A"]
    assert isinstance(a, RatMatrix)
    ok = a.entries[0] >= 0
    return AssumptionResult("holds" if ok else "violated", "exact", f"a_11 = {a.entries[0]}")


NEEDS_ASSUMPTION = Theorem(
    id="PLANTED-NEEDS-ASSUMPTION", title="planted: true only under its assumption", statement="a_11 >= 0",
    source=SOURCE, parameters=(Parameter("n", low=1, high=2),),
    assumptions=(Assumption("a11-nonneg", statement="a_11 >= 0", check=_a11_assumption),),
    claims=(Claim("a11", statement="a_11 >= 0", evaluate=_entry_nonneg),),
    shapes={"A": ("n", "n")}, default_examples=4)


def _witness_misses(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    return [Comparison("witness residual == 0", ctx.const(1), "==", 0)]


def exists_misses(refutes: bool, tid: str) -> Theorem:
    def refute(inst: Instance) -> Refutation | None:
        return Refutation("exact", "planted impossibility certificate") if refutes else None

    return Theorem(
        id=tid, title="planted: a witness that always misses", statement="exists X", source=SOURCE,
        parameters=(Parameter("n", low=1, high=2),),
        claims=(Claim("exists", statement="there is a witness", evaluate=_witness_misses, quantifier="exists",
                      refute=refute),),
        shapes={"A": ("n", "n")}, default_examples=2)


EXISTS_MISSES = exists_misses(False, "PLANTED-EXISTS-MISSES")
EXISTS_REFUTED = exists_misses(True, "PLANTED-EXISTS-REFUTED")


def _applies_never(inst: Instance) -> bool:
    return False


VACUOUS = Theorem(
    id="PLANTED-VACUOUS", title="planted: a claim that never applies", statement="(vacuous)", source=SOURCE,
    parameters=(Parameter("n", low=1, high=2),),
    claims=(Claim("always", statement="a_11 == a_11", evaluate=lambda ctx, b, c: [
                Comparison("a_11 == a_11", ctx.entry(b.m("A"), 0, 0), "==", ctx.entry(b.m("A"), 0, 0))]),
            Claim("never", statement="applies to nothing", evaluate=_witness_misses, applies=_applies_never)),
    shapes={"A": ("n", "n")}, default_examples=2)


def _undecided(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    # softmax columns sum to 1 exactly, but a ball sum of exponentials never has radius 0 and has
    # no exact shadow: the comparison stays undecided at every precision
    s = ctx.softmax_cols(b.m("A"))
    return [Comparison("softmax column sum == 1", ctx.sum_entries(ctx.cols(s, 0, 1)), "==", 1)]


UNDECIDED = Theorem(
    id="PLANTED-UNDECIDED", title="planted: a ball comparison that never decides", statement="(true)",
    source=SOURCE, parameters=(Parameter("n", low=2, high=2),),
    claims=(Claim("sums-to-one", statement="softmax columns sum to 1", evaluate=_undecided,
                  levels=("certified",)),),
    shapes={"A": ("n", "n")}, default_examples=1)


def _witness(factor: Fraction) -> Any:
    def evaluate(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
        # the residual is fixed (at the default 170 bits the tolerance is 2^-85); only the
        # tolerance comes from the context, so a wider tolerance lets "outside" hold
        residual = ctx.const(factor * Fraction(1, 2**85))
        return [Comparison(f"residual {factor} x 2^-85 <= 0 within the tolerance", residual, "<=", 0,
                           tol=ctx.witness_tol(0))]

    return evaluate


WITNESS_TOL = Theorem(
    id="PLANTED-WITNESS-TOL", title="planted: residuals just inside and just outside the witness tolerance",
    statement="(the tolerance is 2^-(prec/2) (1 + |scale|), no more)", source=SOURCE,
    parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("inside", statement="half the tolerance", evaluate=_witness(Fraction(1, 2)), levels=("certified",)),
            Claim("outside", statement="twice the tolerance", evaluate=_witness(Fraction(2)), levels=("certified",))),
    shapes={"A": ("n", "n")}, default_examples=1)


def _tie(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    # s_1 of the all-ones 2 x 2 matrix is exactly 2; its ball has a radius, its exact shadow decides
    j = ctx.load([RatMatrix(2, 2, (Fraction(1),) * 4)])
    s1 = ctx.sv(j, 1)
    return [Comparison("s_1(J) <= 2", s1, "<=", 2), Comparison("s_1(J) >= 2", s1, ">=", 2)]


EXACT_TIE = Theorem(
    id="PLANTED-EXACT-TIE", title="planted: a tie only the exact shadow settles", statement="(true)", source=SOURCE,
    parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("tie", statement="s_1(J) = 2", evaluate=_tie, levels=("certified",)),),
    shapes={"A": ("n", "n")}, default_examples=1)


FIVE_PERCENT_FLOAT_ONLY = Theorem(
    id="PLANTED-5PCT-FLOAT", title="planted: false by 5%, float evidence only", statement="(false)", source=SOURCE,
    parameters=(Parameter("n", low=3, high=3),),
    claims=(Claim("five-percent", statement="false by 5%", evaluate=_five_percent, levels=("float",)),),
    shapes={"A": ("n", "n")}, generate=_scaled_generator("PLANTED-5PCT-FLOAT", Fraction(1)), default_examples=3)

MIXED = Theorem(
    id="PLANTED-MIXED", title="planted: one false claim (found at once) and one true one (searched on)",
    statement="(mixed)", source=SOURCE, parameters=(Parameter("n", low=1, high=3),),
    claims=(Claim("five-percent", statement="false by 5%", evaluate=_five_percent),
            Claim("true", statement="a_11 == a_11", evaluate=lambda ctx, b, c: [
                Comparison("a_11 == a_11", ctx.entry(b.m("A"), 0, 0), "==", ctx.entry(b.m("A"), 0, 0))])),
    shapes={"A": ("n", "n")}, default_examples=2)


def _mp_mixed_generator(rng: np.random.Generator, index: int = 0,
                        params: Mapping[str, int] | None = None) -> Instance:
    return _matrix_instance("PLANTED-MP-MIXED", 1, [Fraction(index % 2)], index)


def _mp_mixed(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    a = ctx.entry(b.m("A"), 0, 0)
    one = ctx.const(1)
    lhs = (one + a * ctx.const(Fraction(1, 2**200))) - one
    return [Comparison("(1 + a 2^-200) - 1 >= a 2^-201", lhs, ">=", a * ctx.const(Fraction(1, 2**201)))]


MP_MIXED = Theorem(
    id="PLANTED-MP-MIXED", title="planted: mp decides one instance, exact arithmetic the other",
    statement="(true)", source=SOURCE, parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("cancellation", statement="(1 + a 2^-200) - 1 >= a 2^-201", evaluate=_mp_mixed,
                  levels=("mp", "certified", "exact")),),
    shapes={"A": ("n", "n")}, generate=_mp_mixed_generator, default_examples=2)


def _probes_raise(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    raise ValueError("planted probe bug")


PROBES_RAISE = Theorem(
    id="PLANTED-PROBES-RAISE", title="planted: the spec's probes raise", statement="(spec bug)", source=SOURCE,
    parameters=(Parameter("n", low=1, high=1),), probes=_probes_raise,
    claims=(Claim("probed", statement="a_11 == a_11", uses_probes=True, evaluate=lambda ctx, b, c: [
        Comparison("a_11 == a_11", ctx.entry(b.m("A"), 0, 0), "==", ctx.entry(b.m("A"), 0, 0))]),),
    shapes={"A": ("n", "n")}, default_examples=1)


def _refute_raises(inst: Instance) -> Refutation | None:
    raise ArithmeticError("planted refutation bug")


EXISTS_REFUTE_RAISES = Theorem(
    id="PLANTED-REFUTE-RAISES", title="planted: a refutation that crashes", statement="exists X", source=SOURCE,
    parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("exists", statement="there is a witness", evaluate=_witness_misses, quantifier="exists",
                  refute=_refute_raises),),
    shapes={"A": ("n", "n")}, default_examples=1)


def _retry(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    # softmax([2^-60, 0])_1 = 1/2 + 2^-62 - ...: above 1/2 + 2^-63, which 53-bit balls cannot tell
    p = ctx.entry(ctx.softmax_cols(b.m("A")), 0, 0)
    return [Comparison("softmax_1 >= 1/2 + 2^-63", p, ">=", ctx.const(Fraction(1, 2) + Fraction(1, 2**63)))]


PRECISION_RETRY = Theorem(
    id="PLANTED-PRECISION-RETRY", title="planted: decided only after a precision increase", statement="(true)",
    source=SOURCE, parameters=(Parameter("n", low=1, high=1),),
    claims=(Claim("needs-bits", statement="softmax_1 >= 1/2 + 2^-63", evaluate=_retry, levels=("certified",)),),
    shapes={"A": (2, "n")},
    generate=lambda rng, index=0, params=None: Instance(
        "PLANTED-PRECISION-RETRY", {"n": 1}, {"A": RatMatrix(2, 1, (Fraction(1, 2**60), Fraction(0)))}),
    default_examples=1)
