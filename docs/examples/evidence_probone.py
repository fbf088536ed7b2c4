"""Example spec: probability-one claims (docs/evidence.md, "Probability one").

"Almost surely over w, w1^2 + w2^2 >= 2 w1 w2" holds everywhere; the planted "almost surely,
w1 w2 >= 0" is refuted on an open box of weights (positive probability under any law with a density).
    verifier check --spec docs/examples/evidence_probone.py:THEOREM
    verifier check --spec docs/examples/evidence_probone.py:PLANTED
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verifier import Claim, Comparison, Parameter, Source, Theorem
from verifier.evidence import almost_surely

D = Parameter("D", low=2, high=2, description="number of weights")


def am_gm(ctx: Any, b: Any, c: Any, w: dict[str, Any]) -> list[Comparison]:
    w1, w2 = ctx.entry(w["w"], 0, 0), ctx.entry(w["w"], 0, 1)
    return [Comparison("w1^2 + w2^2 >= 2 w1 w2", w1 * w1 + w2 * w2, ">=", 2 * w1 * w2)]


def same_sign(ctx: Any, b: Any, c: Any, w: dict[str, Any]) -> list[Comparison]:
    w1, w2 = ctx.entry(w["w"], 0, 0), ctx.entry(w["w"], 0, 1)
    return [Comparison("w1 w2 >= 0", w1 * w2, ">=", 0)]


LEVELS = ("float", "mp", "certified")  # decided on open boxes of weights: never at a single exact point
THEOREM = Theorem(
    id="EVIDENCE-AS", title="An almost-sure inequality of random weights",
    statement=r"For $w$ with any density on $\mathbb{R}^2$: almost surely $w_1^2 + w_2^2 \ge 2 w_1 w_2$.",
    source=Source(citation="(w1 - w2)^2 >= 0", kind="folklore"), parameters=(D,), shapes={"w": (1, "D")},
    default_examples=4, generic_instances=True,
    claims=(Claim("am-gm", statement=r"a.s. $w_1^2 + w_2^2 \ge 2w_1w_2$", levels=LEVELS,
                  evaluate=almost_surely(am_gm, ["w"], Fraction(1, 2**20))),),
)

PLANTED = Theorem(
    id="EVIDENCE-AS-PLANTED", title="Planted false almost-sure claim",
    statement=r"Almost surely $w_1 w_2 \ge 0$ (false: it fails with positive probability).",
    source=Source(citation="planted false claim (docs example)", kind="user"), parameters=(D,),
    shapes={"w": (1, "D")}, default_examples=8, generic_instances=True,
    claims=(Claim("same-sign", statement=r"a.s. $w_1 w_2 \ge 0$", levels=LEVELS,
                  evaluate=almost_surely(same_sign, ["w"], Fraction(1, 2**20))),),
)
