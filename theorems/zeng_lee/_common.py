"""Instance generators shared by the specs: exact dyadic Gaussians and exact low-rank targets."""

from __future__ import annotations

import numpy as np

from verifier import RatMatrix, Source, exact_product

GRID = 2**10  # Gaussian entries are rounded to multiples of 1/GRID: exact, small denominators


def gaussian(rng: np.random.Generator, m: int, n: int, scale: float) -> RatMatrix:
    """An m x n matrix of N(0, scale^2) entries rounded to the dyadic grid (an exact rational)."""
    a = np.round(rng.standard_normal((m, n)) * scale * GRID) / GRID
    return RatMatrix.from_numpy(a)


def small_int(rng: np.random.Generator, m: int, n: int, bound: int = 2) -> RatMatrix:
    return RatMatrix.from_numpy(rng.integers(-bound, bound + 1, size=(m, n)))


def low_rank(rng: np.random.Generator, d: int, k: int) -> RatMatrix:
    """A d x d matrix of rank at most k (almost surely exactly k), from small integer factors."""
    if k == 0:
        return RatMatrix(d, d, tuple(RatMatrix.identity(d).entries[i] * 0 for i in range(d * d)))
    c = small_int(rng, d, k)
    f = small_int(rng, k, d)
    return c @ f


def frozen_layers(rng: np.random.Generator, d: int, count: int) -> tuple[RatMatrix, ...]:
    return tuple(gaussian(rng, d, d, 1 / np.sqrt(d)) for _ in range(count))


def product(ws: tuple[RatMatrix, ...], d: int) -> RatMatrix:
    return exact_product(list(ws), d)


PAPER = Source(
    citation="Zeng & Lee, The Expressive Power of Low-Rank Adaptation, ICLR 2024",
    kind="paper",
    url="arXiv:2310.17513v3",
    note="restated with paper numbers, pages, hypotheses and proof steps; PDF pages",
)
