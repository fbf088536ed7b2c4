"""Perturbation of singular values: Weyl's inequalities, Mirsky's theorem, and ||A||_F^2 = sum s_i^2.

The extremal instances are exact: B = cA (Weyl with i = j = 1 is an equality), B = A (Mirsky with
both sides 0), and A = U S V^T, B = U T V^T sharing exactly orthogonal singular vectors with
rational spectra (Mirsky's bounds are equalities there). Ties like these are undecidable by ball
arithmetic alone; the certified context decides them exactly, with the exact singular values it
keeps beside its balls.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from theorems.linalg._common import (
    C_MAT,
    HJ,
    HJ_TOPICS,
    MIRSKY,
    diag,
    lemma,
    low_rank,
    orthogonal,
    scaled,
    size,
    spectrum,
    structured,
    transpose,
)
from verifier import RatMatrix, dyadic_gaussian, forall

PARAMETERS = (size("m", description="rows"), size("n", description="columns"))
PAIR = {"A": ("m", "n"), "B": ("m", "n")}
RIGOROUS = ("float", "certified")  # sums of exact singular values exceed the exact back end's degree budget


def shared_vectors(rng: np.random.Generator, m: int, n: int) -> tuple[RatMatrix, RatMatrix]:
    """A = U S V^T and B = U T V^T with the same exactly orthogonal U, V and sorted rational spectra."""
    s, t = spectrum(rng, min(m, n), ties=True), spectrum(rng, min(m, n), ties=False)
    u, vt = orthogonal(rng, m), transpose(orthogonal(rng, n))
    return u @ diag(m, n, s) @ vt, u @ diag(m, n, t) @ vt


def build_pair(rng: np.random.Generator, p: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Six kinds by index: dense; B = cA; B = A; B = -A + low rank; shared singular vectors; structured."""
    m, n = p["m"], p["n"]
    a = dyadic_gaussian(rng, m, n)
    mode = index % 6
    if mode == 1:
        return {"A": a, "B": scaled(a, Fraction(int(rng.integers(1, 9)), 4))}
    if mode == 2:
        return {"A": a, "B": a}
    if mode == 3:
        return {"A": a, "B": scaled(a, -1) + low_rank(rng, m, n, 1)}
    if mode == 4:
        a, b = shared_vectors(rng, m, n)
        return {"A": a, "B": b}
    if mode == 5:
        kinds = ("ties", "integers", "zero", "low-rank")
        return {"A": structured(rng, m, n, kinds[index // 6 % 4]), "B": structured(rng, m, n, kinds[index // 3 % 4])}
    return {"A": a, "B": dyadic_gaussian(rng, m, n)}


def indices(x):
    return range(1, min(x.m, x.n) + 1)


@forall("weyl", r"$\sigma_{i+j-1}(A+B) \le \sigma_i(A) + \sigma_j(B)$ for all $i, j \ge 1$ with "
                r"$i + j - 1 \le \min(m, n)$", levels=RIGOROUS)
def weyl(x):
    r = min(x.m, x.n)
    return [x.sv(x.A + x.B, i + j - 1) <= x.sv(x.A, i) + x.sv(x.B, j) for i in indices(x) for j in range(1, r + 2 - i)]


@forall("spectral", r"$|\sigma_i(A) - \sigma_i(B)| \le \|A - B\|_2$ for every $i$", levels=RIGOROUS)
def mirsky_spectral(x):
    # Two one-sided comparisons rather than abs(...): see the package notes on certified abs.
    d = x.norm2(x.A - x.B)
    return [c for i in indices(x) for c in (x.sv(x.A, i) - x.sv(x.B, i) <= d, x.sv(x.B, i) - x.sv(x.A, i) <= d)]


@forall("frobenius", r"$\sum_i (\sigma_i(A) - \sigma_i(B))^2 \le \|A - B\|_F^2$", levels=RIGOROUS)
def mirsky_frobenius(x):
    return sum((x.sv(x.A, i) - x.sv(x.B, i)) ** 2 for i in indices(x)) <= x.fro2(x.A - x.B)


@forall("fro-sv", r"$\|A\|_F = \sqrt{\sum_i \sigma_i(A)^2}$")
def fro_sv(x):
    return x.fro(x.A) == x.sqrt(sum(x.sv(x.A, i) ** 2 for i in indices(x)))


def build_one(rng: np.random.Generator, p: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    return {"A": structured(rng, p["m"], p["n"], ("dense", "ties", "low-rank", "integers", "zero")[index % 5])}


WEYL_SV = lemma(
    id="WEYL-SV", title="Weyl's inequalities for singular values",
    statement=r"For $A, B \in \mathbb{R}^{m \times n}$ and $i + j - 1 \le \min(m, n)$: "
              r"$\sigma_{i+j-1}(A + B) \le \sigma_i(A) + \sigma_j(B)$.",
    source=HJ_TOPICS.at("Theorem 3.3.16"),
    parameters=PARAMETERS, shapes=PAIR, build=build_pair, claims=(weyl,),
)

MIRSKY_2 = lemma(
    id="MIRSKY-2", title="Singular values are 1-Lipschitz in the spectral norm",
    statement=r"For $A, B \in \mathbb{R}^{m \times n}$ and every $i$: $|\sigma_i(A) - \sigma_i(B)| \le \|A - B\|_2$.",
    source=MIRSKY, depends_on=("WEYL-SV",),
    parameters=PARAMETERS, shapes=PAIR, build=build_pair,
    claims=(mirsky_spectral,),
    interpretation="Weyl's inequality with j = 1 applied to A = B + (A - B) and to B = A + (B - A).",
)

MIRSKY_F = lemma(
    id="MIRSKY-F", title="Mirsky's inequality in the Frobenius norm (Hoffman-Wielandt for singular values)",
    statement=r"For $A, B \in \mathbb{R}^{m \times n}$: $\sum_i (\sigma_i(A) - \sigma_i(B))^2 \le \|A - B\|_F^2$.",
    source=MIRSKY,
    parameters=PARAMETERS, shapes=PAIR, build=build_pair,
    claims=(mirsky_frobenius,),
)

FRO_SV = lemma(
    id="FRO-SV", title="The Frobenius norm from the singular values",
    statement=r"For $A \in \mathbb{R}^{m \times n}$: $\|A\|_F = \sqrt{\sum_i \sigma_i^2(A)}$.",
    source=HJ.at("", note=C_MAT),
    parameters=PARAMETERS, shapes={"A": ("m", "n")}, build=build_one,
    claims=(fro_sv,),
)

__all__ = ["FRO_SV", "MIRSKY_2", "MIRSKY_F", "WEYL_SV"]
