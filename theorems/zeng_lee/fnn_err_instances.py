"""Instances of the error bounds (Theorem 5 / Theorem 6): random FNNs with a finite law of x, and the
structured family on which the printed bound fails.

The structured family (L = Lbar = 1): x uniform on {+-e_1, ..., +-e_D} (so Sigma = I/D and
sqrt(||Sigma||_F) = D^(-1/4), while E||x||_2 = 1), frozen W_1 = s Q with Q an exact rational
orthogonal matrix (Cayley transform), a small target weight, and target bias 2s 1 (every target unit
active on the support). Below the threshold every rank-R adapter leaves an error of about
s (D - R)/D, above the printed bound D^(-1/4) s for D >= 4.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from verifier import Instance, RatMatrix, exact_inv

GRID = 2**10


def dyadic(rng: np.random.Generator, m: int, n: int, scale: float) -> RatMatrix:
    return RatMatrix.from_numpy(np.round(rng.standard_normal((m, n)) * scale * GRID) / GRID)


def box_points(rng: np.random.Generator, d: int, n: int, half: float = 1.0) -> RatMatrix:
    """n points uniform in [-half, half]^d, on the dyadic grid (exact, inside the box)."""
    return RatMatrix.from_numpy(np.round(rng.uniform(-half, half, (d, n)) * GRID) / GRID)


def signed_basis(d: int, scale: Fraction = Fraction(1)) -> RatMatrix:
    """The 2d columns +-scale e_i."""
    ent = [scale if j == i else (-scale if j == i + d else Fraction(0)) for i in range(d) for j in range(2 * d)]
    return RatMatrix(d, 2 * d, tuple(ent))


def cayley(rng: np.random.Generator, d: int) -> RatMatrix:
    """An exact rational orthogonal matrix (I - K)(I + K)^-1 from a small skew-symmetric integer K."""
    k = np.triu(rng.integers(-2, 3, size=(d, d)), 1)
    k = k - k.T
    eye = RatMatrix.identity(d)
    km = RatMatrix.from_numpy(k.astype(float))
    return (eye - km) @ exact_inv(eye + km)


def spread_law_instance(theorem: str, rng: np.random.Generator, d: int, rank: int, target_scale: float,
                        index: int, extra: dict[str, Any] | None = None) -> Instance:
    """The structured one-layer instance of the module docstring (s = 1/16)."""
    s = Fraction(1, 16)
    q = cayley(rng, d)
    w1 = RatMatrix(d, d, tuple(s * v for v in q.entries))
    wbar = dyadic(rng, d, d, target_scale) if target_scale else RatMatrix(d, d, (Fraction(0),) * (d * d))
    bbar = RatMatrix(d, 1, (2 * s,) * d)
    mats = {"W": (w1,), "b": (dyadic(rng, d, 1, 0.5),), "Wbar": (wbar,), "bbar": (bbar,), "X": signed_basis(d)}
    params = {"D": d, "L": 1, "Lbar": 1, "R": rank, "N": 2 * d, **(extra or {})}
    return Instance(theorem, params, mats, seed=index)


def growing_middle_layer(theorem: str, rng: np.random.Generator, index: int) -> Instance:
    """Lbar = L = 3, D = 2, x uniform on {+-e_i}: ||Wbar_2||_F > 1 > ||Wbar_3||_F with a large bbar_1, where T10's
    left side for i = 3 (whose bias sum carries prod_(k=j+1..2) ||Wbar_k||_F) exceeds every term of beta's max
    (beta's term i carries prod_(k=j+1..i-1), so its term 2 lacks ||Wbar_2||_F on ||bbar_1|| and its term 3 is
    damped by ||Wbar_3||_F)."""
    from theorems.zeng_lee.models.fnn import random_fnn

    d = 2
    eye = RatMatrix.identity(d)
    base = random_fnn(rng, d, 3, 3)
    wbar = (eye, RatMatrix(d, d, tuple(2 * v for v in eye.entries)),
            RatMatrix(d, d, tuple(v / 16 for v in eye.entries)))
    bbar = (RatMatrix(d, 1, (Fraction(1),) * d), RatMatrix(d, 1, (Fraction(1, 4),) * d),
            RatMatrix(d, 1, (Fraction(1, 64),) * d))
    mats = {"W": base["W"], "b": base["b"], "Wbar": wbar, "bbar": bbar, "X": signed_basis(d)}
    return Instance(theorem, {"D": d, "L": 3, "Lbar": 3, "R": 1, "N": 2 * d}, mats, seed=index)


__all__ = ["box_points", "cayley", "dyadic", "growing_middle_layer", "signed_basis", "spread_law_instance"]
