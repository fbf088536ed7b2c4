"""Norm inequalities: submultiplicativity (spectral, Frobenius, mixed), ||Ax|| <= ||A|| ||x||, and
||A||_F = sqrt(tr(A A^T)).

Equality cases come from exact singular vectors: a rank-one chain A = u v^T, B = v w^T (every
bound here is then an equality), A = U S V^T with B = V T W^T (the top singular directions line
up), and x the top right singular vector of A.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from theorems.linalg._common import (
    C_MAT,
    HJ,
    cols,
    const,
    diag,
    integers,
    lemma,
    orthogonal,
    scaled,
    size,
    spectrum,
    structured,
    transpose,
)
from verifier import RatMatrix, dyadic_gaussian, forall

PRODUCT = (size("m", description="rows of A"), size("p", description="columns of A, rows of B"),
           size("n", description="columns of B"))
FACTORS = {"A": ("m", "p"), "B": ("p", "n")}


def build_product(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Five kinds by index: dense; a rank-one chain u v^T, v w^T; aligned singular vectors
    U S V^T, V T W^T; A a partial identity; structured (integers, zero, low rank)."""
    m, p, n = q["m"], q["p"], q["n"]
    mode = index % 5
    if mode == 1:
        u, v, w = integers(rng, m, 1), integers(rng, p, 1), integers(rng, 1, n)
        return {"A": u @ transpose(v), "B": v @ w}
    if mode == 2:
        r = min(m, p, n)
        v = orthogonal(rng, p)
        a = orthogonal(rng, m) @ diag(m, p, spectrum(rng, min(m, p), ties=True)) @ transpose(v)
        return {"A": a, "B": v @ diag(p, n, spectrum(rng, min(p, n), ties=r > 1)) @ orthogonal(rng, n)}
    if mode == 3:
        return {"A": const(m, p, lambda i, j: int(i == j)), "B": dyadic_gaussian(rng, p, n)}
    if mode == 4:
        kinds = ("integers", "zero", "low-rank", "ties")
        return {"A": structured(rng, m, p, kinds[index // 5 % 4]), "B": structured(rng, p, n, kinds[index // 10 % 4])}
    return {"A": dyadic_gaussian(rng, m, p), "B": dyadic_gaussian(rng, p, n)}


@forall("spectral", r"$\|AB\|_2 \le \|A\|_2 \|B\|_2$", levels=("float", "certified"))
def submult_spectral(x):
    return x.norm2(x.A @ x.B) <= x.norm2(x.A) * x.norm2(x.B)


@forall("frobenius", r"$\|AB\|_F \le \|A\|_F \|B\|_F$")
def submult_frobenius(x):
    return x.fro(x.A @ x.B) <= x.fro(x.A) * x.fro(x.B)


@forall("left", r"$\|AB\|_F \le \|A\|_2 \|B\|_F$")
def mixed_left(x):
    return x.fro(x.A @ x.B) <= x.norm2(x.A) * x.fro(x.B)


@forall("right", r"$\|AB\|_F \le \|A\|_F \|B\|_2$")
def mixed_right(x):
    return x.fro(x.A @ x.B) <= x.fro(x.A) * x.norm2(x.B)


VECTOR = (size("m", description="rows of A"), size("n", description="columns of A, length of v"))


def build_vector(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Four kinds by index: dense; v a multiple of A's top right singular vector (equality); v in
    the kernel of a low-rank A; structured A and v."""
    m, n = q["m"], q["n"]
    mode = index % 4
    if mode == 1:
        v = orthogonal(rng, n)
        a = orthogonal(rng, m) @ diag(m, n, spectrum(rng, min(m, n), ties=index % 8 == 5)) @ transpose(v)
        return {"A": a, "v": scaled(cols(v, 1), Fraction(int(rng.integers(1, 9)), 4))}
    if mode == 2:
        k = orthogonal(rng, n)  # A kills the first column of an orthogonal K: A = G (K without it)^T
        rest = const(n, n - 1, lambda i, j: k.entries[i * n + j + 1])
        return {"A": dyadic_gaussian(rng, m, n - 1) @ transpose(rest), "v": cols(k, 1)}
    if mode == 3:
        return {"A": structured(rng, m, n, ("integers", "ties", "zero")[index // 4 % 3]), "v": integers(rng, n, 1)}
    return {"A": dyadic_gaussian(rng, m, n), "v": dyadic_gaussian(rng, n, 1)}


@forall("operator-norm", r"$\|Av\|_2 \le \|A\|_2 \|v\|_2$")
def operator_norm(x):
    return x.norm2(x.A @ x.v) <= x.norm2(x.A) * x.norm2(x.v)


@forall("fro-trace", r"$\|A\|_F = \sqrt{\mathrm{tr}(A A^\top)}$")
def fro_trace(x):
    return x.fro(x.A) == x.sqrt(x.tr(x.A @ x.A.T))


def build_one(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    return {"A": structured(rng, q["m"], q["n"], ("dense", "integers", "low-rank", "zero")[index % 4])}


SUBMULT_2 = lemma(
    id="SUBMULT-2", title="The spectral norm is submultiplicative",
    statement=r"For $A \in \mathbb{R}^{m \times p}$, $B \in \mathbb{R}^{p \times n}$: $\|AB\|_2 \le \|A\|_2 \|B\|_2$.",
    source=HJ, depends_on=("OPNORM",),
    parameters=PRODUCT, shapes=FACTORS, build=build_product,
    claims=(submult_spectral,),
    interpretation="checked in certified arithmetic: the exact product of two algebraic singular values is "
                   "beyond the exact back end's degree budget; ties are still decided exactly.",
)

SUBMULT_F = lemma(
    id="SUBMULT-F", title="The Frobenius norm is submultiplicative",
    statement=r"For $A \in \mathbb{R}^{m \times p}$, $B \in \mathbb{R}^{p \times n}$: $\|AB\|_F \le \|A\|_F \|B\|_F$.",
    source=HJ,
    parameters=PRODUCT, shapes=FACTORS, build=build_product,
    claims=(submult_frobenius,),
)

SUBMULT_2F = lemma(
    id="SUBMULT-2F", title="Mixed submultiplicativity: spectral times Frobenius",
    statement=r"For $A \in \mathbb{R}^{m \times p}$, $B \in \mathbb{R}^{p \times n}$: "
              r"$\|AB\|_F \le \|A\|_2 \|B\|_F$ and $\|AB\|_F \le \|A\|_F \|B\|_2$.",
    source=HJ, depends_on=("OPNORM",),
    parameters=PRODUCT, shapes=FACTORS, build=build_product,
    claims=(mixed_left, mixed_right),
)

OPNORM = lemma(
    id="OPNORM", title="The spectral norm bounds the stretch of a vector",
    statement=r"For $A \in \mathbb{R}^{m \times n}$ and $v \in \mathbb{R}^n$: $\|Av\|_2 \le \|A\|_2 \|v\|_2$.",
    source=HJ.at("", note=C_MAT + " (as (1))"),
    parameters=VECTOR, shapes={"A": ("m", "n"), "v": ("n", 1)}, build=build_vector,
    claims=(operator_norm,),
)

FRO_TRACE = lemma(
    id="FRO-TRACE", title="The Frobenius norm as a trace",
    statement=r"For $A \in \mathbb{R}^{m \times n}$: $\|A\|_F = \sqrt{\mathrm{tr}(A A^\top)}$.",
    source=HJ.at("", note=C_MAT),
    parameters=VECTOR, shapes={"A": ("m", "n")}, build=build_one,
    claims=(fro_trace,),
)

__all__ = ["FRO_TRACE", "OPNORM", "SUBMULT_2", "SUBMULT_2F", "SUBMULT_F"]
