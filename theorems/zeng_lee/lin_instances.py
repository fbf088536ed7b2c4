"""Instances of the linear results (R-LIN, R-LINV, R-WIDE): generic ones, and the structured cases
where proof steps are delicate, built so that the construction is exactly rational.

An error matrix E with a *rational SVD basis* (E^T E diagonal) makes every piece of Lemma 7's
construction rational (see `lemma7`), so steps are decided exactly: E = O diag(d) P with O a
product of rational plane rotations ((3/5, 4/5) and the like), d distinct magnitudes (no ties
unless asked), P a permutation.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from theorems.zeng_lee._common import frozen_layers, gaussian, low_rank, product
from verifier import RatMatrix

#: Rational points on the unit circle (c, s) = ((1-t^2)/(1+t^2), 2t/(1+t^2)) for small t.
_ROTATIONS = ((Fraction(3, 5), Fraction(4, 5)), (Fraction(5, 13), Fraction(12, 13)),
              (Fraction(8, 17), Fraction(15, 17)))


def rational_orthogonal(rng: np.random.Generator, n: int, rotations: int | None = None) -> RatMatrix:
    """A dense-ish exactly orthogonal rational matrix: a product of random plane rotations."""
    rows = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for _ in range(rotations if rotations is not None else min(2 * n, 12)):
        if n < 2:
            break
        i, j = (int(x) for x in rng.choice(n, size=2, replace=False))
        c, s = _ROTATIONS[int(rng.integers(0, len(_ROTATIONS)))]
        for row in rows:  # right-multiply by the rotation in plane (i, j)
            a, b = row[i], row[j]
            row[i], row[j] = c * a - s * b, s * a + c * b
    return RatMatrix(n, n, tuple(x for row in rows for x in row))


def permutation(rng: np.random.Generator, n: int) -> RatMatrix:
    perm = rng.permutation(n)
    return RatMatrix(n, n, tuple(Fraction(int(perm[i] == j)) for i in range(n) for j in range(n)))


def diagonal(values: Sequence[Fraction | int | float]) -> RatMatrix:
    n = len(values)
    return RatMatrix(n, n, tuple(Fraction(values[i]) if i == j else Fraction(0) for i in range(n) for j in range(n)))


def spectrum(rng: np.random.Generator, n: int, k: int, tie_at: int | None = None) -> list[Fraction]:
    """k distinct positive magnitudes (multiples of 1/4, shuffled signs), then n - k zeros; with
    `tie_at = j` (1-based, j < k) the magnitudes at positions j and j + 1 are equal."""
    mags = sorted((Fraction(int(x) + 4, 4) for x in rng.choice(12 * max(n, 1), size=k, replace=False)), reverse=True)
    if tie_at is not None and 1 <= tie_at < k:
        mags[tie_at] = mags[tie_at - 1]
    signs = rng.choice((-1, 1), size=k)
    return [m * int(s) for m, s in zip(mags, signs, strict=True)] + [Fraction(0)] * (n - k)


def rational_basis_error(rng: np.random.Generator, n: int, k: int, tie_at: int | None = None) -> RatMatrix:
    """E = O diag(d) P of rank k with E^T E diagonal (a rational SVD basis)."""
    d = spectrum(rng, n, k, tie_at)
    return rational_orthogonal(rng, n) @ diagonal(d) @ permutation(rng, n)


def singular_target(rng: np.random.Generator, n: int, big_l: int, ranks: Sequence[int]) -> tuple[tuple[RatMatrix, ...],
                                                                                                  RatMatrix] | None:
    """Diagonal frozen layers and a singular diagonal target matched exactly (rank(E) <= sum R_l) while
    the hypothesis holds: the entry that makes the target singular is the smallest of E, at a position
    beyond sum_{l<L} R_l. None when n <= sum_{l<L} R_l (no such position)."""
    before = sum(ranks[:-1])
    k = min(n, sum(ranks))
    if k <= before:
        return None
    ps = [Fraction(int(rng.integers(1, 9)), 4) * int(rng.choice((-1, 1))) for _ in range(n)]
    layers = [list(ps)] + [[Fraction(1)] * n for _ in range(big_l - 1)]
    prod = ps
    # Magnitudes decrease with the index inside the support, so an exact rank factorisation (pivot
    # order) hands the layers the same rank-one terms as the SVD, and its construction is defined too.
    support = sorted(int(x) for x in rng.choice(n, size=k, replace=False))
    j = support[-1]
    es = [Fraction(0)] * n
    es[j] = -prod[j]
    big = sorted((int(x) for x in rng.choice(40, size=k - 1, replace=False)), reverse=True)
    for t, i in zip(big, support[:-1], strict=True):  # larger magnitudes, same sign as prod (no cancellation)
        es[i] = (abs(prod[j]) + 1 + Fraction(int(t), 4)) * (1 if prod[i] > 0 else -1)
    ws = tuple(diagonal(x) for x in layers)
    return ws, diagonal([p + e for p, e in zip(prod, es, strict=True)])


MODES = ("generic", "low-rank", "just-above", "rational-basis", "singular-target", "tie")


def linear_instance(rng: np.random.Generator, n: int, big_l: int, ranks: Sequence[int],
                    mode: str) -> tuple[tuple[RatMatrix, ...], RatMatrix, str]:
    """Frozen layers and a target for one mode (falls back to "rational-basis" when a mode cannot be met)."""
    total = sum(ranks)
    if mode == "singular-target":
        got = singular_target(rng, n, big_l, ranks)
        if got is not None:
            return (*got, mode)
        mode = "rational-basis"
    ws = frozen_layers(rng, n, big_l)
    if mode == "generic":
        return ws, gaussian(rng, n, n, 1 / np.sqrt(n)), mode
    if mode == "low-rank":
        return ws, product(ws, n) + low_rank(rng, n, int(rng.integers(0, min(n, total) + 1))), mode
    if mode == "just-above":
        return ws, product(ws, n) + low_rank(rng, n, min(n, total + 1)), mode
    if mode == "tie" and min(n, total) - 1 > sum(ranks[:-1]):
        # s_{k-1}(E) = s_k(E) past the hypothesis' range (r <= sum_{l<L} R_l), so LR_r there is unique
        k = min(n, total)
        return ws, product(ws, n) + rational_basis_error(rng, n, k, tie_at=k - 1), mode
    k = int(rng.integers(1, n + 1))
    return ws, product(ws, n) + rational_basis_error(rng, n, k), "rational-basis"


__all__ = ["MODES", "diagonal", "linear_instance", "permutation", "rational_basis_error", "rational_orthogonal",
           "singular_target", "spectrum"]
