"""R-POLY (Lemma 5, p20, cited): a polynomial on R^n that is not identically zero has a
Lebesgue-null zero set.

No finite computation sees Lebesgue measure, so nothing here is the lemma itself; what a check can
show is recorded as claims of role "interpretation", each saying what it shows:

- its discrete analogue, decided exactly by enumeration: a non-zero polynomial of total degree d
  vanishes on at most d k^(n-1) of the k^n points of a grid {0..k-1}^n (Schwartz-Zippel; the
  measure statement is its limit k -> infinity after scaling);
- generic points: at a point drawn from a continuous law (rounded to a 2^-30 grid) a non-zero
  polynomial does not vanish. A finite check only says the samples missed the zero set, and a zero
  would not refute the lemma (the rounded law is discrete); instances are only the generator's.

A polynomial is stored as its coefficients `c` (1 x M) over the monomials of degree <= d in n
variables, in `monomials(n, d)` order.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from math import comb
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from verifier import Claim, Comparison, Instance, Parameter, RatMatrix, Theorem

ID = "R-POLY"
FINE = 2**30


@lru_cache(maxsize=64)
def monomials(n: int, d: int) -> tuple[tuple[int, ...], ...]:
    """Exponent vectors of total degree <= d, by degree then lexicographically."""
    out = [e for e in itertools.product(range(d + 1), repeat=n) if sum(e) <= d]
    return tuple(sorted(out, key=lambda e: (sum(e), tuple(-x for x in e))))


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {"c": (1, comb(p["n"] + p["d"], p["d"])), "x": (p["n"], 1)}


def evaluate_poly(coeffs: tuple[Fraction, ...], n: int, d: int, point: tuple[Fraction, ...]) -> Fraction:
    total = Fraction(0)
    for c, e in zip(coeffs, monomials(n, d), strict=True):
        if c:
            term = c
            for v, k in zip(point, e, strict=True):
                term *= v**k
            total += term
    return total


def degree(coeffs: tuple[Fraction, ...], n: int, d: int) -> int:
    """Total degree (-1 for the zero polynomial)."""
    return max((sum(e) for c, e in zip(coeffs, monomials(n, d), strict=True) if c), default=-1)


def _product_of_lines(n: int, d: int, roots: list[int]) -> tuple[Fraction, ...]:
    """Coefficients of prod_j (x_1 - roots[j]): it vanishes on len(roots) k^(n-1) grid points (tight)."""
    poly: dict[tuple[int, ...], Fraction] = {(0,) * n: Fraction(1)}
    for a in roots:
        nxt: dict[tuple[int, ...], Fraction] = {}
        for e, c in poly.items():
            up = (e[0] + 1, *e[1:])
            nxt[up] = nxt.get(up, Fraction(0)) + c
            nxt[e] = nxt.get(e, Fraction(0)) - a * c
        poly = nxt
    return tuple(poly.get(e, Fraction(0)) for e in monomials(n, d))


DEFAULTS = ({"n": 1, "d": 2, "k": 4}, {"n": 2, "d": 2, "k": 4}, {"n": 2, "d": 3, "k": 5}, {"n": 3, "d": 2, "k": 3},
            {"n": 2, "d": 1, "k": 6}, {"n": 3, "d": 3, "k": 4})


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Dense Gaussian coefficients, sparse ones, or a product of d lines x_1 = j (the tight case of the
    grid bound); the point x is Gaussian on a 2^-30 grid."""
    if params is None:
        params = DEFAULTS[index] if index < len(DEFAULTS) else {"n": int(rng.integers(1, 4)),
                                                                "d": int(rng.integers(0, 4)),
                                                                "k": int(rng.integers(1, 7))}
    n, d, k = params["n"], params["d"], params["k"]
    m = comb(n + d, d)
    if index % 3 == 2:
        roots = [int(x) for x in rng.integers(0, max(k, 1), size=d)]
        coeffs: tuple[Fraction, ...] = _product_of_lines(n, d, roots)
    else:
        dense = np.round(rng.standard_normal(m) * 8) / 8
        if index % 3 == 1:
            dense *= rng.random(m) < 0.4
        coeffs = tuple(Fraction(float(v)) for v in dense)
    point = tuple(Fraction(int(v), FINE) for v in np.round(rng.standard_normal(n) * FINE))
    return Instance(ID, dict(params), {"c": RatMatrix(1, m, coeffs), "x": RatMatrix(n, 1, point)}, seed=index)


def _data(b: Any) -> tuple[tuple[Fraction, ...], int, int, int]:
    inst = b.instances[0]
    return inst.matrices["c"].entries, inst.p("n"), inst.p("d"), inst.p("k")


def _nonzero(inst: Instance) -> bool:
    return any(inst.matrices["c"].entries)


def _grid(_ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    coeffs, n, d, k = _data(b)
    deg = degree(coeffs, n, d)
    zeros = sum(evaluate_poly(coeffs, n, d, tuple(map(Fraction, pt))) == 0
                for pt in itertools.product(range(k), repeat=n))
    return [Comparison(f"#zeros on {{0..{k - 1}}}^{n} <= deg(p) k^(n-1) (deg p = {deg})", zeros, "<=",
                       deg * k ** (n - 1))]


def _generic(_ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    coeffs, n, d, _k = _data(b)
    value = evaluate_poly(coeffs, n, d, b.instances[0].matrices["x"].entries)
    return [Comparison("rank [p(x)] = 1 (p(x) != 0)", int(value != 0), "==", 1)]


R_POLY = Theorem(
    id=ID,
    title="The zero set of a non-zero polynomial is Lebesgue-null",
    statement=r"A polynomial on $\mathbb{R}^n$ that is not identically zero has a zero set of Lebesgue measure 0.",
    source=PAPER.at("Lemma 5", page="20", note="cited, with no proof in the paper; only what a finite check can "
                    "show is checked (interpretations)"),
    parameters=(Parameter("n", description="number of variables", low=1, high=4),
                Parameter("d", description="degree bound", low=0, high=4),
                Parameter("k", description="grid size of the discrete analogue", low=1, high=8)),
    claims=(
        Claim("grid-zeros", statement=r"a non-zero $p$ of total degree $d$ vanishes on at most $d\,k^{n-1}$ points "
              r"of $\{0,\dots,k-1\}^n$ (exact enumeration)", evaluate=_grid, levels=("exact",), applies=_nonzero,
              role="interpretation", label="Lemma 5",
              interpretation="The discrete analogue (Schwartz-Zippel): measure zero cannot be seen by a finite "
              "computation, a grid count can; the bound is tight for products of d lines x_1 = j."),
        Claim("generic-point", statement=r"a non-zero $p$ does not vanish at a point drawn from a continuous law "
              r"(Gaussian, rounded to $2^{-30}$)", evaluate=_generic, levels=("exact",), applies=_nonzero,
              role="interpretation", label="Lemma 5",
              interpretation="A probability-one consequence checked at sampled points: it shows only that the "
              "samples avoid the zero set; a zero at a rounded (discrete-law) point would not refute the lemma."),
    ),
    shapes=shapes,
    generate=generate,
    default_examples=len(DEFAULTS),
    generic_instances=True,
)
