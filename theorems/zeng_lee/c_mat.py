"""C-MAT (Sec. C.1, p19): the matrix facts the paper lists "for reference", each as printed.

No hypotheses are printed on A, B. Two of the facts are false as printed (tr(AB) <= tr(A) tr(B), and
||A||_F = tr(A) for symmetric A); each has a second claim of role "interpretation" with the
hypothesis under which the paper can use it (positive semi-definite matrices, and <= for the
second). The expectation identity is checked for random vectors with a finite support (x uniform on
the N columns of X), where every expectation is an exact rational sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER, gaussian, low_rank
from verifier import Instance, Parameter, RatMatrix, Theorem, forall

ID = "C-MAT"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    n = p["n"]
    return {"A": (n, n), "B": (n, n), "x": (n, 1), "X": (n, p["N"])}


#: Small sizes first, then one at the paper's width D = 16.
DEFAULT_SIZES = ((1, 1), (2, 2), (2, 3), (3, 1), (3, 4), (4, 2), (4, 3), (16, 4))


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Dyadic Gaussian A, B, x, X; every third A (and every fourth B) of low rank, so the rank facts
    are met at their edges."""
    if params is None:
        n, big_n = DEFAULT_SIZES[index] if index < len(DEFAULT_SIZES) else (int(rng.integers(1, 5)),
                                                                              int(rng.integers(1, 5)))
        params = {"n": n, "N": big_n}
    n, big_n = params["n"], params["N"]
    a = low_rank(rng, n, int(rng.integers(0, n + 1))) if index % 3 == 1 else gaussian(rng, n, n, 1.0)
    b = low_rank(rng, n, int(rng.integers(0, n + 1))) if index % 4 == 2 else gaussian(rng, n, n, 1.0)
    return Instance(ID, dict(params), {"A": a, "B": b, "x": gaussian(rng, n, 1, 1.0),
                                       "X": gaussian(rng, n, big_n, 1.0)}, seed=index)


def _ones(x: Any, m: int, n: int) -> Any:
    return x.wrap(x.ctx.ones(m, n), "1")


@forall("rank-product", r"$\mathrm{rank}(AB) \le \mathrm{rank}\,A \wedge \mathrm{rank}\,B$", label="rank(AB)",
        cites=("RANK-PRODUCT",))
def rank_product(x: Any) -> Any:
    r = x.rank(x.A @ x.B)
    return [r <= x.rank(x.A), r <= x.rank(x.B)]


@forall("opnorm", r"(1) $\|Ax\|_2 \le \|A\|_2 \|x\|_2$", label="(1)", cites=("OPNORM", "SUBMULT-2"))
def opnorm(x: Any) -> Any:
    return x.norm2(x.A @ x.x) <= x.norm2(x.A) * x.norm2(x.x)


@forall("quadratic-form", r"$\mathbb{E}\, x^T A x = \mathrm{tr}(A\,\mathrm{Cov}(x)) + "
        r"(\mathbb{E}x)^T A (\mathbb{E}x) = \mathrm{tr}(A\,\mathbb{E}xx^T)$, for $x$ uniform on the $N$ "
        r"columns of $X$ (exact expectations)",
        label="E x^T A x", cites=("QUAD-FORM",), levels=("exact",))
def quadratic_form(x: Any) -> Any:
    # Sums over the support, scaled as scalars only (exact rationals): s = sum_j x_j = N E x,
    # S2 = sum_j x_j x_j^T = N E xx^T, and N^2 Cov(x) = N S2 - s s^T.
    big_n = x.N
    s = x.X @ _ones(x, big_n, 1)
    s2 = x.X @ x.X.T
    cov_n2 = s2 * big_n - s @ s.T
    expect = x.tr(x.X.T @ x.A @ x.X) * Fraction(1, big_n)  # (1/N) sum_j x_j^T A x_j
    mam = x.entry(s.T @ x.A @ s, 0, 0) * Fraction(1, big_n * big_n)
    return [(expect == x.tr(x.A @ cov_n2) * Fraction(1, big_n * big_n) + mam).named(
                "E x^T A x = tr(A Cov(x)) + (Ex)^T A (Ex)"),
            (expect == x.tr(x.A @ s2) * Fraction(1, big_n)).named("E x^T A x = tr(A E xx^T)")]


@forall("trace-cyclic", r"$\mathrm{tr}(AB) = \mathrm{tr}(BA)$", label="tr(AB) = tr(BA)", cites=("TRACE-CYCLIC",))
def trace_cyclic(x: Any) -> Any:
    return x.tr(x.A @ x.B) == x.tr(x.B @ x.A)


@forall("trace-product", r"$\mathrm{tr}(AB) \le \mathrm{tr}(A)\,\mathrm{tr}(B)$ (as printed: no hypothesis on $A, B$)",
        label="tr(AB) <= tr A tr B")
def trace_product(x: Any) -> Any:
    return x.tr(x.A @ x.B) <= x.tr(x.A) * x.tr(x.B)


@forall("trace-product-psd", r"$\mathrm{tr}(PQ) \le \mathrm{tr}(P)\,\mathrm{tr}(Q)$ for positive semi-definite "
        r"$P = AA^T$, $Q = BB^T$", label="tr(AB) <= tr A tr B", role="interpretation",
        interpretation="False for general (even symmetric) matrices, e.g. A = B = diag(1, -1): tr(AB) = 2 > 0 = "
        "tr A tr B. It holds for positive semi-definite A, B (tr(AB) <= lambda_max(A) tr B <= tr A tr B), the "
        "case of second-moment matrices.")
def trace_product_psd(x: Any) -> Any:
    p, q = x.A @ x.A.T, x.B @ x.B.T
    return x.tr(p @ q) <= x.tr(p) * x.tr(q)


@forall("fro-trace", r"$\|A\|_F = \sqrt{\mathrm{tr}(AA^T)}$", label="||A||_F = sqrt(tr(AA^T))", cites=("FRO-TRACE",))
def fro_trace(x: Any) -> Any:
    return x.fro(x.A) == x.sqrt(x.tr(x.A @ x.A.T))


@forall("fro-trace-symmetric", r"$\|A\|_F = \mathrm{tr}(A)$ for symmetric $A$ (checked on $S = A + A^T$; "
        r"both sides scale alike)",
        label="||A||_F = tr(A), A symmetric")
def fro_trace_symmetric(x: Any) -> Any:
    s = x.A + x.A.T
    return x.fro(s) == x.tr(s)


@forall("fro-trace-psd", r"$\|P\|_F \le \mathrm{tr}(P)$ for positive semi-definite $P = AA^T$",
        label="||A||_F = tr(A), A symmetric", role="interpretation",
        interpretation="As an equality it fails even for P = I_2 (sqrt 2 vs 2) and for symmetric indefinite A "
        "(tr may be 0 or negative). For positive semi-definite P, ||P||_F = sqrt(sum lambda_i^2) <= sum lambda_i = "
        "tr P, with equality iff rank P <= 1. Note the direction: E||x||^2 = tr(Sigma) >= ||Sigma||_F.")
def fro_trace_psd(x: Any) -> Any:
    p = x.A @ x.A.T
    return x.fro(p) <= x.tr(p)


@forall("fro-sv", r"$\|A\|_F = \sqrt{\sum_i \sigma_i^2(A)}$ (certified singular values; an equality of reals "
        r"is decided within the witness tolerance)", label="||A||_F = sqrt(sum sigma_i^2)", cites=("FRO-SV",),
        levels=("certified",))
def fro_sv(x: Any) -> Any:
    # Exact algebraic sums of n singular values blow up in degree (TooComplex past n ~ 8): balls decide.
    total = x.sv(x.A, 1) * x.sv(x.A, 1)
    for i in range(2, x.n + 1):
        total = total + x.sv(x.A, i) * x.sv(x.A, i)
    fro = x.fro(x.A)
    return (fro == x.sqrt(total)).within(x.ctx.witness_tol(fro.value))


C_MAT = Theorem(
    id=ID,
    title="Matrix facts listed for reference (Sec. C.1)",
    statement=(r"For matrices $A, B$ (no hypotheses printed): $\mathrm{rank}(AB) \le \mathrm{rank}\,A \wedge "
               r"\mathrm{rank}\,B$; (1) $\|Ax\|_2 \le \|A\|_2\|x\|_2$; $\mathbb{E}\,x^TAx = \mathrm{tr}(A\,"
               r"\mathrm{Cov}(x)) + (\mathbb{E}x)^TA(\mathbb{E}x) = \mathrm{tr}(A\,\mathbb{E}xx^T)$; "
               r"$\mathrm{tr}(AB) = \mathrm{tr}(BA)$; $\mathrm{tr}(AB) \le \mathrm{tr}(A)\,\mathrm{tr}(B)$; "
               r"$\|A\|_F = \sqrt{\mathrm{tr}(AA^T)}$; $\|A\|_F = \mathrm{tr}(A)$ for symmetric $A$; "
               r"$\|A\|_F = \sqrt{\sum_i \sigma_i^2(A)}$."),
    source=PAPER.at("Sec. C.1", page="19", note="listed 'for reference', without hypotheses; statements as printed"),
    parameters=(Parameter("n", description="size of A, B, x", low=1, high=64),
                Parameter("N", description="support size of the law of x (uniform on the columns of X)", low=1,
                          high=64)),
    claims=(rank_product, opnorm, quadratic_form, trace_cyclic, trace_product, trace_product_psd, fro_trace,
            fro_trace_symmetric, fro_trace_psd, fro_sv),
    shapes=shapes,
    generate=generate,
    depends_on=("RANK-PRODUCT", "OPNORM", "SUBMULT-2", "QUAD-FORM", "TRACE-CYCLIC", "FRO-TRACE", "FRO-SV"),
    default_examples=len(DEFAULT_SIZES),
    interpretation="Matrices are square (n x n) so that every trace is defined; 'symmetric A' is A + A^T for the "
                   "drawn A; positive semi-definite matrices are drawn as A A^T.",
)

__all__ = ["C_MAT", "RatMatrix"]
