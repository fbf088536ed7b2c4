"""Probability-one refutations: open sets certified in ball arithmetic, symbolic every-draw witnesses."""

from __future__ import annotations

from fractions import Fraction as Q
from typing import Any

import sympy as sp

from verifier import Comparison, RatMatrix
from verifier.evidence import certify_every_draw, certify_open_set


def same_sign(ctx: Any, w: dict[str, Any]) -> list[Comparison]:
    v = ctx.entry(w["w"], 0, 0) * ctx.entry(w["w"], 0, 1)
    return [Comparison("w1 w2 >= 0", v, ">=", 0)]


def test_open_set_where_the_claim_fails_everywhere() -> None:
    ref = certify_open_set(same_sign, {"w": RatMatrix(1, 2, (Q(1), Q(-1)))}, 4)
    assert ref is not None and 0 < ref.radius < 1
    cert = ref.to_refutation().certificate
    assert cert["form"] == "open-set" and cert["evidence"] == "certified"
    # every point of the box indeed fails (spot-check the corners exactly)
    for s1 in (-1, 1):
        for s2 in (-1, 1):
            assert (1 + s1 * ref.radius) * (-1 + s2 * ref.radius) < 0


def test_no_open_set_where_the_claim_holds_or_only_fails_on_a_null_set() -> None:
    assert certify_open_set(same_sign, {"w": RatMatrix(1, 2, (Q(1), Q(1)))}, 4) is None
    # w1 w2 >= 0 fails nowhere near (1, 0) on a whole box... it fails on half of every box: no certificate
    assert certify_open_set(same_sign, {"w": RatMatrix(1, 2, (Q(1), Q(0)))}, 4, halvings=6) is None


def test_every_draw_refutation_is_symbolic() -> None:
    x = sp.symbols("x0:2", real=True)

    def tuned_output_is_constant(d: dict[str, Any]) -> Any:
        hidden = (d["W1"] * sp.Matrix(x)).applyfunc(lambda t: sp.Max(0, t))
        out = sp.Max(0, (sp.zeros(1, 2) * hidden)[0, 0] - 1)  # tuned layer 2: weight 0, bias -1
        return sp.Eq(out, 0)                                  # equals the target ReLU(0 x - 1) = 0

    ref = certify_every_draw({"target": "ReLU(0 x - 1)"}, {"W2": 0, "b2": -1}, {"W1": (2, 2)},
                             tuned_output_is_constant)
    assert ref is not None and ref.to_refutation().evidence == "exact"
    assert ref.certificate()["form"] == "every-draw"

    def depends_on_draw(d: dict[str, Any]) -> Any:
        return sp.Eq(d["W1"][0, 0], 0)

    assert certify_every_draw({}, {}, {"W1": (2, 2)}, depends_on_draw) is None
