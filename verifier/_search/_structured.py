"""Exact structured matrices: chosen rank, chosen singular spectrum, permutations, identity blocks.

Every matrix here is built from a few numbers (a seed, a rank, a spectrum) and small rational
factors, never entry by entry, and its structure holds exactly. The key tool is a *rational
orthogonal* factor: a signed permutation times Householder reflections `I - 2 v v^T / (v^T v)`
with small integer vectors `v`. It is exactly orthogonal, so `U diag(s) V^T` has singular values
exactly `|s|` (and rank exactly the number of non-zero `s`), with small denominators.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from verifier._matrix import RatMatrix

SpectrumPattern = Literal["integers", "ties", "gap", "cluster", "geometric", "near-singular"]
SPECTRUM_PATTERNS: tuple[SpectrumPattern, ...] = ("integers", "ties", "gap", "cluster", "geometric", "near-singular")


def _fm(m: RatMatrix) -> Any:
    from flint import fmpq, fmpq_mat

    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def _back(a: Any) -> RatMatrix:
    return RatMatrix(a.nrows(), a.ncols(), tuple(Fraction(int(x.p), int(x.q)) for x in a.entries()))


def matmul(*ms: RatMatrix) -> RatMatrix:
    """Exact left-to-right product `ms[0] @ ms[1] @ ...` (python-flint, fast for any size here)."""
    out = _fm(ms[0])
    for m in ms[1:]:
        out = out * _fm(m)
    return _back(out)


def zeros(m: int, n: int) -> RatMatrix:
    return RatMatrix(m, n, (Fraction(0),) * (m * n))


def identity(m: int, n: int | None = None) -> RatMatrix:
    """The m x n matrix with ones on the diagonal (the identity when square)."""
    n = m if n is None else n
    return RatMatrix(m, n, tuple(Fraction(int(i == j)) for i in range(m) for j in range(n)))


def from_int_array(a: np.ndarray) -> RatMatrix:
    return RatMatrix(a.shape[0], a.shape[1], tuple(Fraction(int(x)) for x in a.ravel()))


def signed_permutation(perm: Sequence[int], signs: Sequence[int] | None = None) -> RatMatrix:
    """P with P[perm[j], j] = signs[j] (+1 by default): exactly orthogonal."""
    n = len(perm)
    if sorted(perm) != list(range(n)):
        raise ValueError(f"not a permutation of 0..{n - 1}: {list(perm)}")
    sg = list(signs) if signs is not None else [1] * n
    rows = np.zeros((n, n), dtype=np.int64)
    for j, i in enumerate(perm):
        rows[i, j] = sg[j]
    return from_int_array(rows)


def householder(v: Sequence[int]) -> RatMatrix:
    """I - 2 v v^T / (v^T v) for an integer vector v != 0: a rational, exactly orthogonal reflection."""
    vv = sum(x * x for x in v)
    if vv == 0:
        raise ValueError("a Householder vector must be non-zero")
    n = len(v)
    return RatMatrix(n, n, tuple(Fraction(int(i == j)) - Fraction(2 * v[i] * v[j], vv)
                                 for i in range(n) for j in range(n)))


def rational_orthogonal(n: int, rng: np.random.Generator, reflections: int = 1) -> RatMatrix:
    """A random exactly orthogonal rational n x n matrix: signed permutation x Householder reflections.

    The reflection vectors have entries in -2..2, so denominators stay small (v^T v <= 4 n).
    """
    q = signed_permutation(list(rng.permutation(n)), list(rng.choice([-1, 1], size=n)))
    for _ in range(reflections):
        v = rng.integers(-2, 3, size=n)
        if not v.any():
            v[int(rng.integers(0, n))] = 1
        q = matmul(q, householder([int(x) for x in v]))
    return q


def with_spectrum(m: int, n: int, s: Sequence[Fraction | int], rng: np.random.Generator,
                  reflections: int = 1) -> RatMatrix:
    """U diag(s) V^T with rational orthogonal U (m x m), V (n x n): singular values exactly |s| (padded by 0).

    Args:
        s: at most min(m, n) values; the rank is the number of non-zero ones.
    """
    k = len(s)
    if k > min(m, n):
        raise ValueError(f"a {m}x{n} matrix has at most {min(m, n)} singular values, got {k}")
    u = rational_orthogonal(m, rng, reflections)
    v = rational_orthogonal(n, rng, reflections)
    d = RatMatrix(m, n, tuple(Fraction(s[i]) if i == j and i < k else Fraction(0) for i in range(m) for j in range(n)))
    return matmul(u, d, _transpose(v))


def _transpose(a: RatMatrix) -> RatMatrix:
    n = a.ncols
    return RatMatrix(n, a.nrows, tuple(a.entries[i * n + j] for j in range(n) for i in range(a.nrows)))


def with_rank(m: int, n: int, r: int, rng: np.random.Generator, bound: int = 1) -> RatMatrix:
    """An m x n integer matrix of rank exactly r: P [I_r; X] [I_r, Y] Q with small integers X, Y.

    `[I_r; X]` has full column rank and `[I_r, Y]` full row rank, so the product has rank r exactly;
    the permutations P, Q hide the identity blocks.
    """
    if not 0 <= r <= min(m, n):
        raise ValueError(f"rank {r} is impossible for a {m}x{n} matrix")
    if r == 0:
        return zeros(m, n)
    left = np.vstack([np.eye(r, dtype=np.int64), rng.integers(-bound, bound + 1, size=(m - r, r))])
    right = np.hstack([np.eye(r, dtype=np.int64), rng.integers(-bound, bound + 1, size=(r, n - r))])
    p = signed_permutation(list(rng.permutation(m)))
    q = signed_permutation(list(rng.permutation(n)))
    return matmul(p, from_int_array(left), from_int_array(right), q)


def small_integers(m: int, n: int, rng: np.random.Generator, bound: int = 1, density: float = 1.0) -> RatMatrix:
    """Entries uniform in -bound..bound, each kept with probability `density` (exact zeros otherwise)."""
    a = rng.integers(-bound, bound + 1, size=(m, n))
    if density < 1.0:
        a = a * (rng.random((m, n)) < density)
    return from_int_array(a)


def identity_block(m: int, n: int, k: int, rng: np.random.Generator, permuted: bool = False,
                   bound: int = 1) -> RatMatrix:
    """Block diagonal [B, 0; 0, C]: B a k x k identity (or signed permutation), C small integers."""
    k = min(k, m, n)
    b = signed_permutation(list(rng.permutation(k)), list(rng.choice([-1, 1], size=k))) if permuted else identity(k)
    c = rng.integers(-bound, bound + 1, size=(m - k, n - k))
    out = [[Fraction(0)] * n for _ in range(m)]
    for i in range(k):
        for j in range(k):
            out[i][j] = b.entries[i * k + j]
    for i in range(m - k):
        for j in range(n - k):
            out[k + i][k + j] = Fraction(int(c[i, j]))
    return RatMatrix(m, n, tuple(x for row in out for x in row))


def spectrum(pattern: SpectrumPattern, rank: int, size: int, knob: int = 1) -> tuple[Fraction, ...]:
    """A non-increasing spectrum of `size` values with exactly `rank` non-zero ones.

    Patterns (`knob` sets the pattern's one free number, >= 1):
        integers: rank, rank-1, ..., 1 scaled by knob (distinct, well separated);
        ties: values 2 and 1 in two tied groups (knob = size of the top group);
        gap: knob leading values 2^knob, the rest 1 (a gap of ratio 2^knob);
        cluster: 1 + i / 2^(8 + knob): a cluster of near-ties;
        geometric: 2^(-knob i): condition number 2^(knob (rank - 1));
        near-singular: ones, the last non-zero one 2^(-(8 + 4 knob)).
    """
    if not 0 <= rank <= size:
        raise ValueError(f"rank {rank} out of 0..{size}")
    knob = max(1, int(knob))
    r = rank
    if pattern == "integers":
        vals = [Fraction(knob * (r - i)) for i in range(r)]
    elif pattern == "ties":
        top = min(knob, r)
        vals = [Fraction(2)] * top + [Fraction(1)] * (r - top)
    elif pattern == "gap":
        top = min(knob, r)
        vals = [Fraction(2**knob)] * top + [Fraction(1)] * (r - top)
    elif pattern == "cluster":
        vals = [1 + Fraction(r - 1 - i, 2 ** (8 + knob)) for i in range(r)]
    elif pattern == "geometric":
        vals = [Fraction(1, 2 ** (knob * i)) for i in range(r)]
    elif pattern == "near-singular":
        vals = [Fraction(1)] * max(r - 1, 0) + ([Fraction(1, 2 ** (8 + 4 * knob))] if r else [])
    else:
        raise ValueError(f"unknown spectrum pattern {pattern!r}; expected one of {SPECTRUM_PATTERNS}")
    return tuple(vals) + (Fraction(0),) * (size - r)


def round_entries(m: RatMatrix, denominator: int) -> RatMatrix:
    """Every entry rounded to the nearest multiple of 1/denominator (used to simplify counterexamples)."""
    return RatMatrix(m.nrows, m.ncols, tuple(Fraction(round(x * denominator), denominator) for x in m.entries))
