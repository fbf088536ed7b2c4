"""Rank inequalities: subadditivity, the rank of a product, and Sylvester's rank inequality.

Ranks are decided exactly (rational elimination). Random dense matrices have full rank, where
these bounds say little; the generators draw exact low-rank data instead: shared or independent
column spaces, cancellation (B = -A + low rank), and for products the extremal case of
Sylvester's inequality, ker A inside range B (then rank A + rank B - p = rank AB).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from theorems.linalg._common import (
    C_MAT,
    HJ,
    const,
    lemma,
    low_rank,
    orthogonal,
    scaled,
    size,
    structured,
    transpose,
)
from verifier import RatMatrix, dyadic_gaussian, forall

PAIR = (size("m", description="rows"), size("n", description="columns"))


def build_pair(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Five kinds by index: independent low rank (equality when the ranks fit); a shared column
    space; B = -A + low rank; dense; structured."""
    m, n = q["m"], q["n"]
    r1, r2 = (int(rng.integers(0, min(m, n) + 1)) for _ in range(2))
    mode = index % 5
    if mode == 0:
        return {"A": low_rank(rng, m, n, r1), "B": low_rank(rng, m, n, r2)}
    if mode == 1:
        g = dyadic_gaussian(rng, m, r1)
        return {"A": g @ dyadic_gaussian(rng, r1, n), "B": g @ dyadic_gaussian(rng, r1, n)}
    if mode == 2:
        a = low_rank(rng, m, n, r1)
        return {"A": a, "B": scaled(a, -1) + low_rank(rng, m, n, r2)}
    if mode == 3:
        return {"A": dyadic_gaussian(rng, m, n), "B": dyadic_gaussian(rng, m, n)}
    kinds = ("integers", "zero", "ties", "low-rank")
    return {"A": structured(rng, m, n, kinds[index // 5 % 4]), "B": structured(rng, m, n, kinds[index // 10 % 4])}


PRODUCT = (size("m", description="rows of A"), size("p", description="columns of A, rows of B"),
           size("n", description="columns of B"))
FACTORS = {"A": ("m", "p"), "B": ("p", "n")}


def kernel_in_range(rng: np.random.Generator, m: int, p: int, n: int) -> tuple[RatMatrix, RatMatrix] | None:
    """A with kernel span(K[:, r:]) and B with range span(K[:, j:]) for an orthogonal K and j <= r:
    ker A lies in range B, Sylvester's equality case. None when the sizes leave no room."""
    lo = max(0, p - n)
    hi = min(m, p)
    if lo > hi:
        return None
    r = int(rng.integers(lo, hi + 1))
    j = int(rng.integers(lo, r + 1))
    k = orthogonal(rng, p)
    kr = const(p, r, lambda i, c: k.entries[i * p + c])
    kj = const(p, p - j, lambda i, c: k.entries[i * p + c + j])
    # G (m x r) and H ((p - j) x n) of full rank with probability one
    return dyadic_gaussian(rng, m, r) @ transpose(kr), kj @ dyadic_gaussian(rng, p - j, n)


def build_product(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Five kinds by index: ker A inside range B (Sylvester's equality); AB = 0 (range B inside
    ker A); low-rank factors; dense; structured."""
    m, p, n = q["m"], q["p"], q["n"]
    mode = index % 5
    if mode == 0:
        pair = kernel_in_range(rng, m, p, n)
        if pair is not None:
            return {"A": pair[0], "B": pair[1]}
    if mode == 1:
        r = int(rng.integers(0, p + 1))
        k = orthogonal(rng, p)  # A kills K's last p - r columns, B maps into them
        head = const(p, r, lambda i, c: k.entries[i * p + c])
        tail = const(p, p - r, lambda i, c: k.entries[i * p + c + r])
        return {"A": dyadic_gaussian(rng, m, r) @ transpose(head), "B": tail @ dyadic_gaussian(rng, p - r, n)}
    if mode == 2:
        return {"A": low_rank(rng, m, p, int(rng.integers(0, p + 1))),
                "B": low_rank(rng, p, n, int(rng.integers(0, p + 1)))}
    if mode == 4:
        kinds = ("integers", "zero", "ties", "low-rank")
        return {"A": structured(rng, m, p, kinds[index // 5 % 4]), "B": structured(rng, p, n, kinds[index // 10 % 4])}
    return {"A": dyadic_gaussian(rng, m, p), "B": dyadic_gaussian(rng, p, n)}


@forall("subadditive", r"$\mathrm{rank}(A + B) \le \mathrm{rank}\,A + \mathrm{rank}\,B$")
def subadditive(x):
    return x.rank(x.A + x.B) <= x.rank(x.A) + x.rank(x.B)


@forall("product", r"$\mathrm{rank}(AB) \le \min(\mathrm{rank}\,A, \mathrm{rank}\,B)$")
def product(x):
    return x.rank(x.A @ x.B) <= x.min(x.rank(x.A), x.rank(x.B))


@forall("sylvester", r"$\mathrm{rank}\,A + \mathrm{rank}\,B - p \le \mathrm{rank}(AB)$")
def sylvester(x):
    return x.rank(x.A) + x.rank(x.B) - x.p <= x.rank(x.A @ x.B)


RANK_SUBADD = lemma(
    id="RANK-SUBADD", title="Rank is subadditive",
    statement=r"For $A, B \in \mathbb{R}^{m \times n}$: "
              r"$\mathrm{rank}(A + B) \le \mathrm{rank}\,A + \mathrm{rank}\,B$.",
    source=HJ.at("Section 0.4"),
    parameters=PAIR, shapes={"A": ("m", "n"), "B": ("m", "n")},
    build=build_pair, claims=(subadditive,),
)

RANK_PRODUCT = lemma(
    id="RANK-PRODUCT", title="The rank of a product is at most either rank",
    statement=r"For $A \in \mathbb{R}^{m \times p}$, $B \in \mathbb{R}^{p \times n}$: "
              r"$\mathrm{rank}(AB) \le \min(\mathrm{rank}\,A, \mathrm{rank}\,B)$.",
    source=HJ.at("Section 0.4", note=C_MAT),
    parameters=PRODUCT, shapes=FACTORS, build=build_product,
    claims=(product,),
)

SYLVESTER = lemma(
    id="SYLVESTER", title="Sylvester's rank inequality",
    statement=r"For $A \in \mathbb{R}^{m \times p}$, $B \in \mathbb{R}^{p \times n}$: "
              r"$\mathrm{rank}\,A + \mathrm{rank}\,B - p \le \mathrm{rank}(AB)$.",
    source=HJ.at("Section 0.4"), depends_on=("RANK-PRODUCT",),
    parameters=PRODUCT, shapes=FACTORS, build=build_product,
    claims=(sylvester,),
)

__all__ = ["RANK_PRODUCT", "RANK_SUBADD", "SYLVESTER"]
