"""What the classical lemmas share: their sources, and exact structured matrices for their generators.

Random dense matrices are generic: their ranks are full, their singular values distinct, and the
inequalities below hold with room to spare. The cases that test a lemma are the others: exact low
rank, repeated singular values, zero blocks, and the extremal instances where an inequality is an
equality (the truncated SVD for Eckart-Young-Mirsky, B = A for Mirsky). The generators cycle through
such kinds by the instance index, so a default check of 20 instances sees each of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from verifier import Instance, Parameter, RatMatrix, Source, Theorem, dyadic_gaussian

HJ = Source(citation="R. A. Horn & C. R. Johnson, Matrix Analysis, 2nd ed., Cambridge University Press, 2013",
            kind="book")
HJ_TOPICS = Source(citation="R. A. Horn & C. R. Johnson, Topics in Matrix Analysis, Cambridge University Press, 1991",
                   kind="book")
GVL = Source(citation="G. H. Golub & C. F. Van Loan, Matrix Computations, 4th ed., Johns Hopkins University Press, "
                      "2013", kind="book")
EY = Source(citation="C. Eckart & G. Young, The approximation of one matrix by another of lower rank, "
                     "Psychometrika 1 (1936) 211-218", kind="paper")
MIRSKY = Source(citation="L. Mirsky, Symmetric gauge functions and unitarily invariant norms, "
                         "Quart. J. Math. Oxford 11 (1960) 50-59", kind="paper")
#: The note of the facts Zeng & Lee list "for reference" in their Appendix C.1 (called C-MAT there).
C_MAT = "listed for reference by Zeng & Lee (ICLR 2024), Appendix C.1"

#: Sizes stay at most 4 where exact singular values are compared: their algebraic degree is up to
#: 2 min(m, n), and exact sums and differences multiply degrees (the back end stops at 64).
SIZE = 4


def size(name: str, low: int = 1, high: int = SIZE, description: str = "") -> Parameter:
    return Parameter(name, low=low, high=high, description=description)


# -- exact matrices --------------------------------------------------------------------------------

def const(m: int, n: int, f: Callable[[int, int], Fraction | int]) -> RatMatrix:
    return RatMatrix(m, n, tuple(Fraction(f(i, j)) for i in range(m) for j in range(n)))


def zeros(m: int, n: int) -> RatMatrix:
    return const(m, n, lambda i, j: 0)


def transpose(a: RatMatrix) -> RatMatrix:
    return const(a.ncols, a.nrows, lambda i, j: a.entries[j * a.ncols + i])


def scaled(a: RatMatrix, c: Fraction | int) -> RatMatrix:
    return RatMatrix(a.nrows, a.ncols, tuple(x * c for x in a.entries))


def cols(a: RatMatrix, k: int) -> RatMatrix:
    """The first k columns."""
    return const(a.nrows, k, lambda i, j: a.entries[i * a.ncols + j])


def integers(rng: np.random.Generator, m: int, n: int, bound: int = 2) -> RatMatrix:
    return RatMatrix.from_numpy(rng.integers(-bound, bound + 1, size=(m, n)))


def low_rank(rng: np.random.Generator, m: int, n: int, r: int) -> RatMatrix:
    """An m x n matrix of rank exactly min(r, m, n) (with probability one): a product of dyadic factors."""
    r = min(r, m, n)
    return dyadic_gaussian(rng, m, r) @ dyadic_gaussian(rng, r, n) if r > 0 else zeros(m, n)


def orthogonal(rng: np.random.Generator, n: int) -> RatMatrix:
    """An exactly orthogonal rational matrix: a signed permutation times a Householder reflection
    I - 2 v v^T / v^T v with a small integer v (denominators stay small)."""
    perm, signs = rng.permutation(n), rng.choice([-1, 1], size=n)
    p = const(n, n, lambda i, j: int(signs[j]) if perm[j] == i else 0)
    v = rng.integers(-2, 3, size=n)
    if not v.any():
        v[0] = 1
    vv = int(v @ v)
    h = const(n, n, lambda i, j: Fraction(int(i == j)) - Fraction(2 * int(v[i]) * int(v[j]), vv))
    return p @ h


def spectrum(rng: np.random.Generator, k: int, ties: bool) -> list[Fraction]:
    """k positive non-increasing rationals; with `ties`, runs of equal values."""
    vals = sorted((Fraction(int(x), 4) for x in rng.integers(1, 17, size=k)), reverse=True)
    if ties and k > 1:
        vals = [vals[min(i - i % 2, k - 1)] for i in range(k)]
    return vals


def diag(m: int, n: int, s: Sequence[Fraction]) -> RatMatrix:
    """The m x n matrix with s on its diagonal (padded by 0)."""
    return const(m, n, lambda i, j: s[i] if i == j and i < len(s) else 0)


def svd_factors(rng: np.random.Generator, m: int, n: int, s: Sequence[Fraction]) -> tuple[RatMatrix, RatMatrix]:
    """(U S, V) with U, V exactly orthogonal, so A = (U S) V^T has singular values exactly s (and 0)."""
    return orthogonal(rng, m) @ diag(m, n, s), orthogonal(rng, n)


def with_spectrum(rng: np.random.Generator, m: int, n: int, s: Sequence[Fraction]) -> RatMatrix:
    us, v = svd_factors(rng, m, n, s)
    return us @ transpose(v)


#: The kinds `structured` cycles through; dense first, so a generic instance is never missing.
KINDS = ("dense", "low-rank", "ties", "integers", "zero")


def structured(rng: np.random.Generator, m: int, n: int, kind: str) -> RatMatrix:
    """One m x n matrix of the given kind (see `KINDS`)."""
    r = min(m, n)
    if kind == "dense":
        return dyadic_gaussian(rng, m, n)
    if kind == "low-rank":
        return low_rank(rng, m, n, int(rng.integers(0, r + 1)))
    if kind == "ties":
        return with_spectrum(rng, m, n, spectrum(rng, int(rng.integers(1, r + 1)) if r else 0, ties=True))
    if kind == "integers":
        return integers(rng, m, n, 1)
    if kind == "zero":
        return zeros(m, n)
    raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")


Build = Callable[[np.random.Generator, Mapping[str, int], int], dict[str, RatMatrix]]
Draw = Callable[[np.random.Generator], dict[str, int]]


def uniform(parameters: Sequence[Parameter]) -> Draw:
    return lambda rng: {p.name: int(rng.integers(p.low, p.high + 1)) for p in parameters}


def generator(theorem_id: str, parameters: Sequence[Parameter], build: Build,
              draw: Draw | None = None) -> Callable[..., Instance]:
    """A spec's `generate`: parameters from `draw` (default: uniform in their ranges) unless given,
    matrices from `build`."""
    pick = draw or uniform(parameters)

    def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
        ps = dict(params) if params is not None else pick(rng)
        return Instance(theorem_id, ps, build(rng, ps, index), seed=index)

    generate.__qualname__ = f"generate({theorem_id})"
    return generate


def lemma(*, build: Build, draw: Draw | None = None, **fields: Any) -> Theorem:
    """A `Theorem` whose generator is `generator(id, parameters, build, draw)` (the id written once)."""
    return Theorem(generate=generator(fields["id"], fields["parameters"], build, draw), **fields)


__all__ = ["C_MAT", "EY", "GVL", "HJ", "HJ_TOPICS", "KINDS", "MIRSKY", "SIZE", "cols", "const", "diag", "generator",
           "integers", "lemma", "low_rank", "orthogonal", "scaled", "size", "spectrum", "structured", "svd_factors",
           "transpose", "uniform", "with_spectrum", "zeros"]
