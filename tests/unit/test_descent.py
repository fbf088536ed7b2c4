"""Margin descent: gradients of float claim margins, Newton steps across zero, and where it does not apply."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from tests.quality.planted import R_LIN_COND, R_LIN_GAP
from verifier import Instance, RatMatrix, check_theorem, get_theorem
from verifier._search._descent import descent_claims, gradient, stepped
from verifier._verdicts import CheckSettings


def _diag(*d: float) -> RatMatrix:
    n = len(d)
    return RatMatrix(n, n, tuple(Fraction(d[i]) if i == j else Fraction(0) for i in range(n) for j in range(n)))


def _gap_rel(inst: Instance) -> float:
    e = inst.matrices["Wbar"].to_numpy() - inst.matrices["W"][0].to_numpy()  # type: ignore[union-attr]
    s = np.linalg.svd(e, compute_uv=False)
    return float(s[0] - s[1] - s[0] / 1000)


def test_newton_steps_on_the_margin_reach_a_tie() -> None:
    # E = Wbar - W = diag(2, 1/2): far from a tie. The gap's margin is linear in E near here, so a
    # few Newton steps make s_1 = s_2 to within the planted claim's 1/1000; the checker certifies it.
    inst = Instance("R-LIN-GAP", {"D": 2, "L": 1, "R": 1}, {"W": (_diag(1, 1),), "Wbar": _diag(3, 1.5)})
    claims = descent_claims(R_LIN_GAP, R_LIN_GAP.claims)
    assert [c.id for c in claims] == ["spectral-gap"]
    for _ in range(6):
        g = gradient(R_LIN_GAP, inst, claims)
        assert g is not None and g.claim == "spectral-gap" and g.relation == ">="
        assert g.rel > 0 and set(g.grads) == {"W[0]", "Wbar"}
        inst = min(stepped(inst, g), key=_gap_rel)
        if _gap_rel(inst) < 0:
            break
    assert _gap_rel(inst) < 0
    v = check_theorem(R_LIN_GAP, CheckSettings(level="exact"), [inst], ["spectral-gap"])
    assert v.claims[0].status == "violated" and v.claims[0].evidence in ("certified", "exact")


def test_the_gradient_is_the_margins() -> None:
    # Condition-number claim at W = diag(1, 1/2): the margin is s_2 - s_1/10^6 = 1/2 - 10^-6, whose
    # gradient with respect to W is e_2 e_2^T - 10^-6 e_1 e_1^T.
    inst = Instance("R-LIN-COND", {"D": 2, "L": 1, "R": 1}, {"W": (_diag(1, 0.5),), "Wbar": _diag(1, 1)})
    g = gradient(R_LIN_COND, inst, R_LIN_COND.claims)
    assert g is not None
    assert abs(g.margin - (0.5 - 1e-6)) < 1e-12
    np.testing.assert_allclose(g.grads["W[0]"], [[-1e-6, 0], [0, 1]], atol=1e-12)
    assert not np.any(g.grads.get("Wbar", 0))


def test_descent_follows_only_forall_claims_that_run_in_float() -> None:
    r_lin = get_theorem("R-LIN")
    # exists claims: a missed construction is not a refutation, so their margins are not followed.
    assert {c.id for c in descent_claims(r_lin, r_lin.claims)} == {"adapter-rank", "no-better-adapters"}
    # Probability-one statements: a point reached by descent need not be a generic instance.
    a_uni = get_theorem("A-UNI")
    assert a_uni.generic_instances and descent_claims(a_uni, a_uni.claims) == []


def test_no_gradient_where_the_margin_is_not_differentiable() -> None:
    # adapter-rank compares ranks (integers from the shapes): nothing to follow.
    r_lin = get_theorem("R-LIN")
    inst = r_lin.generate(np.random.default_rng(0), params={"D": 3, "L": 2, "R": 1})
    assert gradient(r_lin, inst, [r_lin.claim("adapter-rank")]) is None


def test_equality_steps_grow_the_difference_in_the_direction_it_has() -> None:
    from verifier._search._descent import Gradient

    inst = Instance("R-LIN-COND", {"D": 2, "L": 1, "R": 1}, {"W": (_diag(1, 1),), "Wbar": _diag(1, 1)})
    up = np.ones((2, 2))
    for direction in (1.0, -1.0):
        g = Gradient(-0.1, -0.1, "==", "c", {"W[0]": up}, direction)
        moved = [s.matrices["W"][0].to_numpy() - np.eye(2) for s in stepped(inst, g)]  # type: ignore[union-attr]
        assert len(moved) == 4 and all(np.all(np.sign(d) == direction) for d in moved)
        assert all(s.matrices["Wbar"] == inst.matrices["Wbar"] for s in stepped(inst, g))
