"""Instances of the one-layer-target results (R-FNN1, R-FNN1E, R-FNN1V): Gaussian frozen FNNs with a
Gaussian target (rank E = D), an exactly low-rank error, or an error with a rational SVD (so that
LR_k(E) is rational and everything below the threshold is decided exactly), plus the paper's scale
(D = 16, L = 2) and a structured instance on which Lemma 2's squared-error bound fails."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn import random_fnn
from theorems.zeng_lee.models.fnn.domain import Domain, domain_from_options
from theorems.zeng_lee.models.fnn.lowrank import RationalSVD
from theorems.zeng_lee.models.fnn.one import interior_points
from verifier import RatMatrix, exact_product


def mats_for(rng: np.random.Generator, d: int, big_l: int, kind: str, k: int | None = None,
             svals: Any = None, bbar: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(matrices, aux) of a one-layer-target instance.

    Args:
        kind: "gaussian" (Wbar_1 Gaussian, rank E = D a.s.), "lowrank" (rank E = k exactly) or
            "rational" (E = U diag(svals) V^T with rational orthogonal U, V; the SVD goes to aux).
        bbar: a value for every entry of bbar_1 (default: Gaussian).
    """
    if kind == "lowrank":
        mats = random_fnn(rng, d, big_l, 1, error_ranks=[k if k is not None else d])
    else:
        mats = random_fnn(rng, d, big_l, 1)
    aux: dict[str, Any] = {}
    if kind == "rational":
        if svals is None:
            svals = sorted((Fraction(int(v), 8) for v in rng.integers(1, 17, size=d)), reverse=True)
        svd = RationalSVD.random(rng, svals)
        mats["Wbar"] = (exact_product(list(mats["W"]), d) + svd.matrix(),)
        aux = svd.aux()
    if bbar is not None:
        mats["bbar"] = (RatMatrix(d, 1, (Fraction(bbar),) * d),)
    return mats, aux


def support(dom: Domain, n: int, seed: int) -> RatMatrix:
    """n exact points of X (the support of a finite law), spread over X."""
    return _drop_centre(interior_points(dom, n + 1, seed))


def _drop_centre(m: RatMatrix) -> RatMatrix:
    rows = m.rows()
    return RatMatrix(m.nrows, m.ncols - 1, tuple(v for r in rows for v in r[1:]))


def signed_basis(d: int, c: Any = 1) -> RatMatrix:
    """The 2D points +-c e_k: a centred law with Sigma = (c^2 / D) I."""
    cols = [[Fraction(c) * s if i == k else Fraction(0) for i in range(d)] for k in range(d) for s in (1, -1)]
    return RatMatrix(d, 2 * d, tuple(cols[j][i] for i in range(d) for j in range(2 * d)))


def bound_breaker(rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, Any], dict[str, int]]:
    """D = 3, L = 1, R = 1: E = U diag(3, 2, 2) V^T (rational SVD), bbar_1 = 8 (the target is active on
    the law), x uniform on +-e_k (Sigma = I/3, tr Sigma = 1, ||Sigma||_F = 1/sqrt 3). Every rank-1 adapter
    and bias has E||f - fbar||^2 >= (2^2 + 2^2)/3 = 8/3 > ||Sigma||_F s_2(E)^2 = 4/sqrt 3."""
    mats, aux = mats_for(rng, 3, 1, "rational", svals=[3, 2, 2], bbar=8)
    mats["xs"] = signed_basis(3)
    return mats, aux, {"D": 3, "L": 1, "R": 1}


def law_points(params: dict[str, int], options: dict[str, Any], index: int) -> RatMatrix:
    d = params["D"]
    return support(domain_from_options(options, d), min(2 * d, 12), index)


__all__ = ["bound_breaker", "law_points", "mats_for", "signed_basis", "support"]
