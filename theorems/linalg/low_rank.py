"""Eckart-Young-Mirsky: the truncated SVD is a best rank-k approximation, in the spectral and Frobenius norms.

A matrix of rank at most k is written B = XY with X of k columns (every such B is one), so the
claims quantify over X and Y. Besides dense random data the generator draws the extremal case:
A = U S V^T with exactly orthogonal rational U, V (some singular values tied) and XY its exact
truncated SVD, where the lower bound is an equality decided in exact arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from theorems.linalg._common import (
    EY,
    GVL,
    MIRSKY,
    const,
    lemma,
    low_rank,
    size,
    spectrum,
    structured,
    svd_factors,
    transpose,
)
from verifier import RatMatrix, dyadic_gaussian, exists, forall

PARAMETERS = (size("m", description="rows of A"), size("n", description="columns of A"),
              size("k", low=0, description="the rank budget"))
SHAPES = {"A": ("m", "n"), "X": ("m", "k"), "Y": ("k", "n")}


def draw(rng: np.random.Generator) -> dict[str, int]:
    """Sizes uniform; the rank budget below min(m, n) (where the bound is not trivially 0) but for
    one draw in five, which may exceed it."""
    m, n = (int(rng.integers(1, 5)) for _ in range(2))
    k = int(rng.integers(0, 5)) if rng.random() < 0.2 else int(rng.integers(0, min(m, n)))
    return {"m": m, "n": n, "k": k}


def build(rng: np.random.Generator, p: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Five kinds by index: dense; the exact truncated SVD of a matrix with known (tied) spectrum;
    the same nudged; A of rank <= k; structured A (integers, zero, tied spectrum)."""
    m, n, k = p["m"], p["n"], p["k"]
    mode = index % 5
    if mode in (1, 2):
        s = spectrum(rng, min(m, n), ties=index % 2 == 1)
        us, v = svd_factors(rng, m, n, s)
        kk = min(k, m, n)
        x = const(m, k, lambda i, j: us.entries[i * n + j] if j < kk else 0)
        y = transpose(const(n, k, lambda i, j: v.entries[i * n + j] if j < kk else 0))
        if mode == 2 and k:
            x = x + const(m, k, lambda i, j: Fraction(int(rng.integers(-2, 3)), 64))
        return {"A": us @ transpose(v), "X": x, "Y": y}
    if mode == 3:
        a = low_rank(rng, m, n, int(rng.integers(0, k + 1)))
    elif mode == 4:
        a = structured(rng, m, n, ("integers", "zero", "ties")[index // 5 % 3])
    else:
        a = dyadic_gaussian(rng, m, n)
    return {"A": a, "X": dyadic_gaussian(rng, m, k), "Y": dyadic_gaussian(rng, k, n)}


def tail(x, k: int):
    """sum_{i > k} s_i(A)^2."""
    return sum(x.sv(x.A, i) ** 2 for i in range(k + 1, min(x.m, x.n) + 1))


@forall("lower-bound", r"$\|A - XY\|_2 \ge \sigma_{k+1}(A)$ for all $X \in \mathbb{R}^{m\times k}$, "
                       r"$Y \in \mathbb{R}^{k \times n}$")
def spectral_lower_bound(x):
    return x.norm2(x.A - x.X @ x.Y) >= x.sv(x.A, x.k + 1)


@exists("attained", r"$\|A - \mathrm{LR}_k(A)\|_2 = \sigma_{k+1}(A)$ (truncated SVD)", levels=("float", "certified"))
def spectral_attained(x):
    return (x.norm2(x.A - x.lowrank(x.A, x.k)) <= x.sv(x.A, x.k + 1)).approx(x.norm2(x.A))


@forall("lower-bound", r"$\|A - XY\|_F \ge \sqrt{\sum_{i > k} \sigma_i(A)^2}$ for all $X, Y$ with $k$ inner columns")
def frobenius_lower_bound(x):
    return x.fro(x.A - x.X @ x.Y) >= x.sqrt(tail(x, x.k))


@exists("attained", r"$\|A - \mathrm{LR}_k(A)\|_F = \sqrt{\sum_{i > k} \sigma_i(A)^2}$ (truncated SVD)",
        levels=("float", "certified"))
def frobenius_attained(x):
    return (x.fro(x.A - x.lowrank(x.A, x.k)) <= x.sqrt(tail(x, x.k))).approx(x.fro(x.A))


EYM_2 = lemma(
    id="EYM-2", title="Eckart-Young-Mirsky, spectral norm",
    statement=r"For $A \in \mathbb{R}^{m \times n}$ and $0 \le k$: $\min_{\mathrm{rank}\,B \le k} \|A - B\|_2 "
              r"= \sigma_{k+1}(A)$, attained by the truncated SVD $\mathrm{LR}_k(A)$ ($\sigma_i = 0$ for "
              r"$i > \min(m, n)$).",
    source=GVL.at("Theorem 2.4.8", note="also Mirsky (1960) for every unitarily invariant norm"),
    parameters=PARAMETERS, shapes=SHAPES, build=build, draw=draw,
    claims=(spectral_lower_bound, spectral_attained),
    interpretation="rank B <= k is quantified as B = XY with X of k columns; LR_k(A) is computed from an "
                   "approximate SVD, so `attained` holds within the certified witness tolerance.",
)

EYM_F = lemma(
    id="EYM-F", title="Eckart-Young-Mirsky, Frobenius norm",
    statement=r"For $A \in \mathbb{R}^{m \times n}$: $\min_{\mathrm{rank}\,B \le k} \|A - B\|_F "
              r"= \sqrt{\sum_{i > k} \sigma_i(A)^2}$, attained by $\mathrm{LR}_k(A)$.",
    source=EY, depends_on=("EYM-2",),
    parameters=PARAMETERS, shapes=SHAPES, build=build, draw=draw,
    claims=(frobenius_lower_bound, frobenius_attained),
    interpretation=f"as EYM-2; the generalisation to every unitarily invariant norm is {MIRSKY.citation}.",
)

__all__ = ["EYM_2", "EYM_F"]
