"""Certified lower bounds: hand-computed values, validity against sampled members, planted refutations."""

from __future__ import annotations

from fractions import Fraction as Q

import numpy as np
import pytest

from verifier import Refutation, UsageError
from verifier.evidence import case_split, least_squares_min, lowrank_min, relu_layer_lower_bound


def test_least_squares_and_eckart_young_by_hand() -> None:
    assert least_squares_min([[1], [1]], [1, 3]) == 1  # mean 2: (1 + 1) / 2
    c = lowrank_min([[1, 0], [0, 1]], [[3, 0], [0, 1]], 1)  # singular values 3/sqrt2, 1/sqrt2: drop the smaller
    assert c.bound == Q(1, 2) and c.evidence == "certified"
    assert lowrank_min([[1, 0], [0, 1]], [[3, 0], [0, 1]], 2).bound == 0
    with pytest.raises(UsageError):
        case_split("nothing", "error", "no cases", [])


def _instance(seed: int, n: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.integers(-3, 4, size=(2, n))
    Wt = rng.integers(-3, 4, size=(2, 2))
    W0 = rng.integers(-3, 4, size=(2, 2))
    Y = np.maximum(Wt @ X + 20, 0)  # positive targets: the units must stay active to fit them
    return X, Wt, W0, Y


def _member_error(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    return float(((np.maximum(W @ X + b, 0) - Y) ** 2).sum(axis=0).mean())


@pytest.mark.parametrize("seed", range(4))
def test_the_bound_never_exceeds_the_error_of_a_member(seed: int) -> None:
    X, _Wt, W0, Y = _instance(seed)
    lb = relu_layer_lower_bound(W0.tolist(), X.tolist(), Y.tolist(), 1)
    assert lb is not None
    rng = np.random.default_rng(seed + 100)
    for _ in range(300):
        u, v = rng.standard_normal((2, 1)), rng.standard_normal((1, 2))
        W = W0 + 4 * u @ v
        b = rng.standard_normal((2, 1)) * 20
        assert float(lb.value) <= _member_error(W, b, X, Y) + 1e-9
    # the true optimum over rank-2 members is 0 (Delta = Wt - W0), so a rank-2 bound is never positive
    full = relu_layer_lower_bound(W0.tolist(), X.tolist(), Y.tolist(), 2)
    assert full is not None and full.value <= 0 and full.refutation(0) is None


def test_a_planted_false_bound_is_refuted_and_a_true_one_is_not() -> None:
    X, _Wt, W0, Y = _instance(0)
    lb = relu_layer_lower_bound(W0.tolist(), X.tolist(), Y.tolist(), 1)
    assert lb is not None and lb.value > 0
    ref = lb.refutation(lb.value / 2)
    assert isinstance(ref, Refutation) and ref.evidence in ("certified", "exact")
    cert = ref.certificate
    assert cert["kind"] == "lower-bound" and cert["refutes"] and len(cert["cases"]) == 2
    # a true bound: the error of an actual member (Delta = 0, b = 20) is never refuted
    true_bound = Q(_member_error(W0, np.full((2, 1), 20), X, Y))
    assert lb.refutation(true_bound) is None


def test_affine_family_is_exact_eckart_young() -> None:
    X, Wt, W0, _Y = _instance(1)
    lb = relu_layer_lower_bound(W0.tolist(), X.tolist(), (Wt @ X).tolist(), 1, output_relu=False)
    assert lb is not None and len(lb.cases) == 1
    # the rank-1 optimum is attained: no member does better, a member gets within the bound's width
    T = (Wt - W0) @ (X - X.mean(axis=1, keepdims=True))
    s = np.linalg.svd(T / np.sqrt(X.shape[1]), compute_uv=False)
    assert float(lb.value) == pytest.approx(float(s[1] ** 2), rel=1e-9, abs=1e-12)
