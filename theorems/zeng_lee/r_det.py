"""R-DET (Lemma 6, p20): a random D x D matrix with a continuous law whose support has positive
Lebesgue measure is non-singular almost surely.

Proof steps: D1 det X is a polynomial p of vec(X) (not identically zero); D2 P(det X = 0) =
integral of the density over supp ∩ {p = 0}, which is 0 by Lemma 5. What finite checks can show:
D1 exactly (the Leibniz polynomial equals det at every instance, and p(I) = 1); D2 through the
slice the Lebesgue argument rests on (on the line X + tY with Y non-singular, det is a polynomial in
t with leading coefficient det Y, so the line meets the singular set in at most D points), exactly
for every X, Y; and, as an interpretation, the probability-one statement at sampled points.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from verifier import Claim, Comparison, Instance, Parameter, RatMatrix, Theorem, exact_det, exact_rank

ID = "R-DET"
FINE = 2**30
LEIBNIZ_MAX = 6  # D! terms


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {"X": (p["D"], p["D"]), "Y": (p["D"], p["D"])}


DEFAULT_SIZES = (1, 2, 3, 4, 5, 16)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """X Gaussian or uniform on a box (continuous laws with support of positive measure), rounded to
    a 2^-30 grid; Y Gaussian. Defaults end at the paper's D = 16."""
    if params is None:
        params = {"D": DEFAULT_SIZES[index] if index < len(DEFAULT_SIZES) else int(rng.integers(1, 7))}
    d = params["D"]
    raw = rng.standard_normal((d, d)) if index % 2 == 0 else rng.uniform(-1, 1, (d, d))
    x = RatMatrix(d, d, tuple(Fraction(int(v), FINE) for v in np.round(raw * FINE).ravel()))
    y = RatMatrix(d, d, tuple(Fraction(int(v), FINE) for v in np.round(rng.standard_normal((d, d)) * FINE).ravel()))
    return Instance(ID, dict(params), {"X": x, "Y": y}, seed=index)


def _sign(perm: tuple[int, ...]) -> int:
    inversions = sum(perm[i] > perm[j] for i in range(len(perm)) for j in range(i + 1, len(perm)))
    return -1 if inversions % 2 else 1


def leibniz(m: RatMatrix) -> Fraction:
    """sum over permutations s of sign(s) prod_i m[i, s(i)]: det as a polynomial in the entries."""
    n, rows = m.nrows, m.rows()
    total = Fraction(0)
    for perm in itertools.permutations(range(n)):
        term = Fraction(_sign(perm))
        for i, j in enumerate(perm):
            term *= rows[i][j]
            if not term:
                break
        total += term
    return total


def _d1(_ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    x = b.instances[0].matrices["X"]
    n = x.nrows
    return [Comparison("det X = Leibniz polynomial p(vec X)", exact_det(x), "==", leibniz(x)),
            Comparison("p(vec I) = 1 (p is not identically zero)", leibniz(RatMatrix.identity(n)), "==", 1)]


def _interpolate_leading(values: list[Fraction]) -> Fraction:
    """Leading (degree len-1) coefficient of the polynomial through (t, values[t]), t = 0..len-1:
    the (len-1)-th finite difference over (len-1)!."""
    diffs = list(values)
    for _ in range(len(values) - 1):
        diffs = [b - a for a, b in itertools.pairwise(diffs)]
    fact = 1
    for k in range(2, len(values)):
        fact *= k
    return diffs[0] / fact


def _d2(_ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    inst = b.instances[0]
    x, y = inst.matrices["X"], inst.matrices["Y"]
    n = x.nrows
    vals = []
    for t in range(n + 1):
        m = RatMatrix(n, n, tuple(a + t * c for a, c in zip(x.entries, y.entries, strict=True)))
        vals.append(exact_det(m))
    return [Comparison("leading coefficient of t -> det(X + tY) (degree D) = det Y != 0",
                       _interpolate_leading(vals), "==", exact_det(y))]


def _generic(_ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    x = b.instances[0].matrices["X"]
    return [Comparison("rank X = D", exact_rank(x), "==", x.nrows)]


R_DET = Theorem(
    id=ID,
    title="A random matrix with a continuous law is non-singular almost surely",
    statement=(r"If $X \in \mathbb{R}^{D\times D}$ follows a continuous distribution whose support has positive "
               r"Lebesgue measure, then $X$ is non-singular almost surely."),
    source=PAPER.at("Lemma 6", page="20"),
    parameters=(Parameter("D", description="size", low=1, high=64),),
    claims=(
        Claim("D1", statement=r"$\det X$ is a polynomial $p$ of $\mathrm{vec}(X)$ that is not identically zero "
              r"(Leibniz; checked for $D \le 6$)", evaluate=_d1, levels=("exact",), role="step", label="D1",
              applies=lambda inst: inst.p("D") <= LEIBNIZ_MAX),
        Claim("D2", statement=r"$P(\det X = 0) = \int_{\mathrm{supp} \cap \{p = 0\}} q = 0$ by Lemma 5: checked as the "
              r"slice it rests on: for non-singular $Y$, $t \mapsto \det(X + tY)$ has degree $D$ and leading "
              r"coefficient $\det Y$, so the line $X + tY$ meets $\{p = 0\}$ in at most $D$ points", evaluate=_d2,
              levels=("exact",), role="step", label="D2", cites=("R-POLY",),
              applies=lambda inst: exact_det(inst.matrices["Y"]) != 0),
        Claim("nonsingular-generic", statement=r"$X$ drawn from a continuous law with support of positive measure "
              r"(Gaussian, uniform on a box; rounded to $2^{-30}$) is non-singular", evaluate=_generic,
              levels=("exact",), role="interpretation", label="Lemma 6",
              interpretation="A probability-one statement checked at sampled points: the samples avoid the "
              "singular set, nothing more; a singular sample would not refute the lemma (rounding makes the law "
              "discrete)."),
    ),
    shapes=shapes,
    generate=generate,
    depends_on=("R-POLY",),
    default_examples=len(DEFAULT_SIZES),
    generic_instances=True,
)
