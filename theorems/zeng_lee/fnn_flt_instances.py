"""Instances of the final-layer results (Lemma 12, Lemma 4): random draws and the structured objects on which the
printed statements or steps fail, each with what makes it fail (tunings are carried as aux data)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn import random_fnn
from theorems.zeng_lee.models.fnn.flt import linear_set, nonempty_difference
from verifier import Instance, RatMatrix, exact_inv

GRID = 2**6


def _pos(rng: np.random.Generator, m: int, n: int) -> RatMatrix:
    """Entries uniform in [1/2, 2] on a 2^-6 grid (a positive matrix, non-singular almost surely)."""
    return RatMatrix.from_numpy(np.round(rng.uniform(0.5, 2.0, (m, n)) * GRID) / GRID)


def _col(d: int, v: Fraction) -> RatMatrix:
    return RatMatrix(d, 1, (v,) * d)


def _diag(vals: list[Fraction]) -> RatMatrix:
    d = len(vals)
    return RatMatrix(d, d, tuple(vals[i] if i == j else Fraction(0) for i in range(d) for j in range(d)))


def _hypothesis(mats: Mapping[str, Any], l: int) -> bool:
    sets = [linear_set(mats["Wbar"], mats["bbar"], i) for i in range(1, len(mats["Wbar"]) + 1)]
    return nonempty_difference(linear_set(mats["W"], mats["b"], l), sets) is not None


def injective_second_layer(theorem: str, rng: np.random.Generator, d: int, index: int) -> Instance:
    """Lemma 12 fails for l = 2 (L = 3, Lbar = 1): W_1 = S Wbar, b_1 = S bbar (S positive diagonal), so the frozen
    z_1 = S fbar(x); W_2 > 0 entrywise and b_2 > 0, so z_2 = W_2 z_1 + b_2 (all active, invertible); tuning layer 3
    to (W_2 S)^-1 (z - b_2) gives f = fbar on R^D. Yet I_2 = {W_2 S (Wbar x + bbar) + b_2 <= 0} holds points
    outside Ibar_1 (the ReLU-free I_2 ignores that z_1 >= 0)."""
    for _ in range(20):
        base = random_fnn(rng, d, 1, 1)
        wbar, bbar = base["Wbar"][0], base["bbar"][0]
        s = _diag([Fraction(int(v), 8) for v in rng.integers(4, 17, size=d)])
        w2 = _pos(rng, d, d)
        b2 = _col(d, Fraction(1, 8))
        mats = {"W": (s @ wbar, w2, random_fnn(rng, d, 1, 1)["W"][0]),
                "b": (s @ bbar, b2, random_fnn(rng, d, 1, 1)["b"][0]), "Wbar": (wbar,), "bbar": (bbar,)}
        if _hypothesis(mats, 2):
            inv = exact_inv(w2 @ s)
            tune_b = RatMatrix(d, 1, tuple(-v for v in (inv @ b2).entries))
            return Instance(theorem, {"D": d, "L": 3, "Lbar": 1, "l": 2}, mats,
                            aux={"tune_W": (inv,), "tune_b": (tune_b,)}, seed=index)
    raise AssertionError("no structured instance met the hypothesis in 20 draws")


def dead_second_target_layer(theorem: str, rng: np.random.Generator, d: int, index: int) -> Instance:
    """Lemma 12 fails for Lbar = 2: Wbar_2 = -P (P > 0 entrywise, non-singular) and bbar_2 <= 0 make fbar = 0 on
    all of R^D, so the last layer with weight 0 and bias 0 matches it; I = Ibar_1 u Ibar_2 misses mixed-sign
    points, so I_1 \\ I is non-empty for a generic frozen first layer."""
    for _ in range(20):
        mats = dict(random_fnn(rng, d, 2, 2))
        mats["Wbar"] = (mats["Wbar"][0], RatMatrix(d, d, tuple(-v for v in _pos(rng, d, d).entries)))
        mats["bbar"] = (mats["bbar"][0], _col(d, Fraction(-1, 8)))
        if _hypothesis(mats, 1):
            zero = RatMatrix(d, d, (Fraction(0),) * (d * d))
            return Instance(theorem, {"D": d, "L": 2, "Lbar": 2, "l": 1}, mats,
                            aux={"tune_W": (zero,), "tune_b": (_col(d, Fraction(0)),)}, seed=index)
    raise AssertionError("no structured instance met the hypothesis in 20 draws")


def flt0_instance(theorem: str, rng: np.random.Generator, index: int, params: Mapping[str, int] | None) -> Instance:
    """Instance 0/1: the two structured failures; 2: the paper's width D = 16 (L = 2, l = 1); then random draws
    (Gaussian weights) meeting the hypothesis (retried up to 20 times)."""
    if params is None and index == 0:
        return injective_second_layer(theorem, rng, 3, index)
    if params is None and index == 1:
        return dead_second_target_layer(theorem, rng, 3, index)
    if params is None:
        if index == 2:
            params = {"D": 16, "L": 2, "Lbar": 1, "l": 1}
        else:
            big_l = int(rng.integers(2, 5))
            params = {"D": int(rng.integers(2, 4)), "L": big_l, "Lbar": int(rng.integers(1, 3)),
                      "l": int(rng.integers(1, big_l))}
    d, big_l, lbar, l = params["D"], params["L"], params["Lbar"], params["l"]
    mats: dict[str, Any] = {}
    for _ in range(20):
        mats = dict(random_fnn(rng, d, big_l, lbar))
        if _hypothesis(mats, l):
            break
    return Instance(theorem, dict(params), mats, seed=index)


# -- Lemma 4 ---------------------------------------------------------------------------------------

def constant_target(theorem: str, rng: np.random.Generator, d: int, big_l: int, index: int) -> Instance:
    """An arbitrary one-layer target chosen before the draw: Wbar = 0, bbar = (1, -1, 0, ...), so fbar = ReLU(bbar)
    is constant; a random draw of the frozen weights."""
    mats = dict(random_fnn(rng, d, big_l, 1))
    mats["Wbar"] = (RatMatrix(d, d, (Fraction(0),) * (d * d)),)
    mats["bbar"] = (RatMatrix(d, 1, tuple(Fraction(1 if i == 0 else -1 if i == 1 else 0) for i in range(d))),)
    return Instance(theorem, {"D": d, "L": big_l}, mats, seed=index)


def covered_first_layer(theorem: str, rng: np.random.Generator, d: int, big_l: int, index: int) -> Instance:
    """A draw with I_1 inside Ibar_1 although W_1 != Wbar: W_1 = M^-1 Wbar with M > 0 entrywise and
    b_1 = M^-1 (bbar + 1); then Wbar x + bbar = M (W_1 x + b_1) - 1 <= -1 on I_1. Strict margins: the same holds
    on an open set of W_1 (positive probability)."""
    mats = dict(random_fnn(rng, d, big_l, 1))
    m = _pos(rng, d, d)
    minv = exact_inv(m)
    wbar, bbar = mats["Wbar"][0], mats["bbar"][0]
    w = list(mats["W"])
    b = list(mats["b"])
    w[0] = minv @ wbar
    b[0] = minv @ (bbar + _col(d, Fraction(1)))
    return Instance(theorem, {"D": d, "L": big_l}, {**mats, "W": tuple(w), "b": tuple(b)}, seed=index)


def shifted_first_bias(theorem: str, rng: np.random.Generator, d: int, big_l: int, index: int) -> Instance:
    """A draw whose fixed first-layer bias is 4 (biases are not random in Lemma 4): the first layer is then
    active on all of [-1, 1]^D for an open set of W_1 (the bounded-domain reading's failure)."""
    mats = dict(random_fnn(rng, d, big_l, 1))
    b = list(mats["b"])
    b[0] = _col(d, Fraction(4))
    return Instance(theorem, {"D": d, "L": big_l}, {**mats, "b": tuple(b)}, seed=index)


def flt_instance(theorem: str, rng: np.random.Generator, index: int, params: Mapping[str, int] | None) -> Instance:
    """Instance 0: the constant target; 1: I_1 covered by Ibar_1; 2: a shifted first-layer bias; 3: the paper's
    width (D = 16, L = 2); then random draws (Gaussian weights and target)."""
    if params is None and index < 3:
        return (constant_target, covered_first_layer, shifted_first_bias)[index](theorem, rng, 3, 2 + index % 2, index)
    if params is None:
        params = {"D": 16, "L": 2} if index == 3 else {"D": int(rng.integers(2, 5)), "L": int(rng.integers(2, 5))}
    return Instance(theorem, dict(params), dict(random_fnn(rng, params["D"], params["L"], 1)), seed=index)


__all__ = ["constant_target", "covered_first_layer", "dead_second_target_layer", "flt0_instance", "flt_instance",
           "injective_second_layer", "shifted_first_bias"]
