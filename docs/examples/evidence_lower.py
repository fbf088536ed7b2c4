"""Example spec: refuting an existential error bound with a certified lower bound (docs/evidence.md).

Data x_1..x_N in R^D, targets y_j = ReLU(Wt x_j + 20): a network ReLU((W0 + Delta) x + b) with a
rank-D adapter fits them exactly (witness: Delta = Wt - W0, b = 20); "a rank-1 adapter fits them
exactly" is false, and the construction's failure alone would leave it unresolved: the refutation is
a certified lower bound on the error of EVERY rank-1 adapter and bias (a case split over activation
patterns with Eckart-Young and exact least squares).
    verifier check --spec docs/examples/evidence_lower.py:THEOREM
    verifier check --spec docs/examples/evidence_lower.py:PLANTED
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verifier import Claim, Comparison, Instance, Parameter, RatMatrix, Source, Theorem
from verifier.evidence import FiniteLaw, relu_layer_lower_bound

D = Parameter("D", low=2, high=2, description="input and output dimension")
N = Parameter("N", low=4, high=6, description="data points")
BIAS = Fraction(20)


def _targets(inst: Instance) -> RatMatrix:
    X, Wt = inst.matrices["X"], inst.matrices["Wt"]
    pre = Wt @ X
    return RatMatrix(pre.nrows, pre.ncols, tuple(max(v + BIAS, Fraction(0)) for v in pre.entries))


@dataclass(frozen=True)
class Adapted:
    """The construction: the adapted weight W0 + Delta (as a matrix of ctx) and the bias."""

    weight: Any
    bias: Any


def full_rank_witness(ctx: Any, b: Any) -> Adapted:
    d = b.params["D"]
    return Adapted(b.m("Wt"), ctx.scale(ctx.ones(d, 1), int(BIAS)))  # Delta = Wt - W0 has rank <= D


def zero_adapter(ctx: Any, b: Any) -> Adapted:
    d = b.params["D"]
    return Adapted(b.m("W0"), ctx.scale(ctx.ones(d, 1), int(BIAS)))  # Delta = 0: a rank-1 candidate that misses


def _error(ctx: Any, b: Any, c: Adapted) -> Any:
    law = FiniteLaw.from_bound(b, "X")
    d = b.params["D"]
    target = ((b.m("Wt"), ctx.scale(ctx.ones(d, 1), int(BIAS))),)
    return law.expect_error(ctx, (((c.weight, c.bias),), True), (target, True), p=2)


def exact_fit(ctx: Any, b: Any, c: Adapted) -> list[Comparison]:
    return [Comparison("E||f(x) - y||^2 (x uniform on the data) vs 0", _error(ctx, b, c), "<=", 0)]


def refute_rank(rank: int) -> Any:
    def refute(inst: Instance) -> Any:
        lb = relu_layer_lower_bound(inst.matrices["W0"], inst.matrices["X"], _targets(inst), rank)
        return None if lb is None else lb.refutation(0, f"an exact fit by a rank-{rank} adapter")
    return refute


SOURCE = Source(citation="Eckart-Young on data; least squares per activation pattern", kind="folklore")
SHAPES = {"X": ("D", "N"), "W0": ("D", "D"), "Wt": ("D", "D")}

THEOREM = Theorem(
    id="EVIDENCE-FIT", title="A rank-D adapter fits ReLU targets exactly",
    statement=r"There are $\Delta$ with $\mathrm{rank}\,\Delta \le D$ and $b$ with "
              r"$\mathrm{ReLU}((W_0+\Delta)x_j + b) = y_j$ for all j.",
    source=SOURCE, parameters=(D, N), shapes=SHAPES, construction=full_rank_witness, default_examples=3,
    construction_summary="Delta = Wt - W0, b = 20",
    claims=(Claim("rank-D-fit", statement=r"$\exists \Delta, b$: error $= 0$", evaluate=exact_fit,
                  quantifier="exists", refute=refute_rank(2)),),
)

PLANTED = Theorem(
    id="EVIDENCE-FIT-PLANTED", title="Planted false existential claim: a rank-1 adapter fits exactly",
    statement=r"There are $\Delta$ with $\mathrm{rank}\,\Delta \le 1$ and $b$ with "
              r"$\mathrm{ReLU}((W_0+\Delta)x_j + b) = y_j$ for all j (false for generic data).",
    source=Source(citation="planted false claim (docs example)", kind="user"), parameters=(D, N), shapes=SHAPES,
    construction=zero_adapter, default_examples=3, construction_summary="Delta = 0 (a candidate that misses)",
    claims=(Claim("rank-1-fit", statement=r"$\exists \Delta$ of rank $\le 1$, $b$: error $= 0$",
                  evaluate=exact_fit, quantifier="exists", refute=refute_rank(1)),),
)
