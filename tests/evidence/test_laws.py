"""Laws of random inputs: exact values where they are rational, enclosures that contain closed forms."""

from __future__ import annotations

from fractions import Fraction as Q
from math import asinh, gamma, sqrt

import pytest
from flint import arb

from verifier import PrecisionExhausted, get_context
from verifier.evidence import BallLaw, BoxLaw, Enclosure, FiniteLaw, GaussianLaw, ReLUNet, Resolution, exact_scalar

EX, CE, MP, FL = (get_context(n) for n in ("exact", "certified", "mp", "float"))
POINTS = [[1, 2], [3, -1], [0, Q(1, 2)]]
SIGMA = [[Q(10, 3), Q(-1, 3)], [Q(-1, 3), Q(7, 4)]]  # (1/3) sum_j x_j x_j^T, by hand


def _q(x: object) -> Q:
    return Q(int(x.p), int(x.q))  # type: ignore[attr-defined]


def test_finite_law_expectations_are_exact_rationals() -> None:
    law = FiniteLaw.of_points(POINTS)
    S = law.second_moment(EX)
    assert [[_q(S[i, j]) for j in range(2)] for i in range(2)] == SIGMA
    assert _q(law.expect_sq_norm(EX)) == Q(61, 12)
    assert _q(law.mean(EX)[0, 0]) == Q(4, 3)
    f = ReLUNet.build([[[1, 0], [0, 1]]], [[0, -1]], output_relu=True)
    g = ReLUNet.build([[[1, 0], [0, 1]]])
    # f - g = (-min(x1, 0), -min(x2 - 1, 0) - 1): squared norms 1, 1 + 1, 0 + 1/4 ... by hand: 3/4
    assert _q(law.expect_error(EX, f, g, 2)) == Q(3, 4)
    weighted = FiniteLaw.of_points(POINTS, [Q(1, 2), Q(1, 4), Q(1, 4)])
    assert _q(weighted.expect_sq_norm(EX)) == Q(1, 2) * 5 + Q(1, 4) * 10 + Q(1, 4) * Q(1, 4)


def test_finite_law_in_every_arithmetic_agrees() -> None:
    law = FiniteLaw.of_points(POINTS)
    exact = sqrt(5) / 3 + sqrt(10) / 3 + Q(1, 2) / 3
    assert float(law.expect_norm(EX)) == pytest.approx(float(exact), rel=1e-12)
    c = law.expect_norm(CE)
    assert c.contains(arb(float(exact))) or abs(float(c.mid()) - float(exact)) < 1e-12
    assert float(law.expect_norm(MP)) == pytest.approx(float(exact), rel=1e-12)
    assert float(law.expect_norm(FL)) == pytest.approx(float(exact), rel=1e-12)
    from verifier import Comparison

    tr = CE.trace(law.second_moment(CE))  # certified, with the exact value kept: the tie is decided exactly
    assert CE.decide(Comparison("tr Sigma", tr, "==", exact_scalar(CE, Q(61, 12))))[0].status == "holds"


def test_box_law_exact_moments_and_polynomials() -> None:
    law = BoxLaw.of([-1, 0], [1, 3])
    assert law.sigma_exact().rows() == [[Q(1, 3), 0], [0, 3]]
    assert _q(law.expect_sq_norm(EX)) == Q(10, 3)
    assert _q(law.expect_poly(EX, {(2, 1): 6, (0, 0): 1})) == 6 * Q(1, 3) * Q(3, 2) + 1


def test_box_enclosure_contains_the_closed_form_and_is_narrow() -> None:
    law = BoxLaw.of([-1, -1], [1, 1], Resolution(max_boxes=3000))
    e = law.norm_enclosure(1)
    closed = (sqrt(2) + asinh(1)) / 3  # E||x|| on [-1, 1]^2
    assert float(e.lo) <= closed <= float(e.hi) and e.hi - e.lo < Q(1, 500)
    assert law.norm_enclosure(2) == Enclosure(Q(2, 3), Q(2, 3), law.norm_enclosure(2).method)


def test_box_pwl_error_exact_when_kinks_align_and_enclosed_otherwise() -> None:
    relu, zero = ReLUNet.build([[[1]]], output_relu=True), ReLUNet.build([[[0]]])
    e = BoxLaw.of([-1], [1]).error_enclosure(relu, zero, 2)
    assert e.exact and e.lo == Q(1, 6)  # (1/2) int_0^1 x^2
    e1 = BoxLaw.of([-1], [1]).error_enclosure(relu, zero, 1)
    assert e1.lo <= Q(1, 4) <= e1.hi
    e = BoxLaw.of([-1], [2]).error_enclosure(relu, zero, 2)  # kink at 0 never a dyadic split point of [-1, 2]
    assert e.lo <= Q(8, 9) <= e.hi and e.hi - e.lo < Q(1, 1000)
    assert e.to_ctx(CE).contains(arb(8) / 9)
    with pytest.raises(PrecisionExhausted):
        e.to_ctx(EX)


def test_ball_law() -> None:
    law = BallLaw.of([0, 0, 0], Q(3, 2))
    assert law.norm_enclosure(1).lo == Q(3, 2) * Q(3, 4)  # r D / (D + 1)
    assert law.sigma_exact().rows()[0][0] == Q(9, 4) / 5
    off = BallLaw.of([1, 0], 1, Resolution(max_boxes=3000))
    e = off.norm_enclosure(2)
    exact = 1 + Q(1, 2)  # ||c||^2 + r^2 D / (D + 2)
    assert e.lo <= exact <= e.hi and e.hi - e.lo < Q(1, 5)


def test_gaussian_closed_forms_and_labelled_monte_carlo() -> None:
    law = GaussianLaw.standard(3)
    e = law.norm_enclosure(1)
    closed = sqrt(2) * gamma(2) / gamma(1.5)
    assert float(e.lo) <= closed <= float(e.hi)
    assert law.norm_enclosure(2).lo == 3
    M = EX.load([BoxLaw.of([0], [1]).sigma_exact().__class__(1, 3, (Q(1), Q(2), Q(3)))])
    assert _q(law.expect_affine_sq_norm(EX, M)) == 14  # ||M||_F^2
    f, g = ReLUNet.build([[[1, 0, 0]]], output_relu=True), ReLUNet.build([[[0, 0, 0]]])
    est = law.error_estimate(f, g, 2)
    assert est.to_json()["evidence"] == "float" and abs(est.value - 0.5) < 5 * est.stderr + 1e-9
    with pytest.raises(PrecisionExhausted):
        law.expect_error(CE, f, g, 2)


def test_exact_scalar_keeps_ties_decidable_in_certified_arithmetic() -> None:
    from verifier import Comparison

    third = exact_scalar(CE, Q(1, 3))
    assert CE.decide(Comparison("tie", third, "==", exact_scalar(CE, Q(2, 6))))[0].status == "holds"
