"""Trace identities: tr(AB) = tr(BA), and quadratic forms of a random vector with a finite-support law.

A law with finite support is data: support points x_1..x_s (the columns of X) and probabilities
p_1..p_s (the column P). Expectations are then finite rational sums, so both identities are
checked exactly, including degenerate laws (a point mass, zero-probability points, repeated points).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from theorems.linalg._common import C_MAT, HJ, integers, lemma, size, structured
from verifier import Assumption, AssumptionResult, Instance, RatMatrix, Source, dyadic_gaussian, forall

FOLKLORE = Source(citation="linearity of expectation and of the trace", kind="folklore", note=C_MAT)

CYCLIC = (size("m", description="rows of A"), size("n", description="columns of A"))


def build_cyclic(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    m, n = q["m"], q["n"]
    kinds = ("dense", "integers", "low-rank", "zero")
    return {"A": structured(rng, m, n, kinds[index % 4]), "B": structured(rng, n, m, kinds[index // 4 % 4])}


@forall("cyclic", r"$\mathrm{tr}(AB) = \mathrm{tr}(BA)$")
def cyclic(x):
    return x.tr(x.A @ x.B) == x.tr(x.B @ x.A)


LAW = (size("n", description="dimension of the random vector"), size("s", description="support size"))


def build_law(rng: np.random.Generator, q: Mapping[str, int], index: int) -> dict[str, RatMatrix]:
    """Weights from small integers (some zero, or a point mass), normalised; points dense or
    integer, sometimes repeated; A dense, integer or symmetric."""
    n, s = q["n"], q["s"]
    w = rng.integers(0 if index % 3 == 1 else 1, 5, size=s)
    if index % 5 == 2 or not w.any():
        w = np.eye(s, dtype=np.int64)[int(rng.integers(0, s))]
    p = RatMatrix(s, 1, tuple(Fraction(int(v), int(w.sum())) for v in w))
    pts = dyadic_gaussian(rng, n, s) if index % 2 == 0 else integers(rng, n, s)
    if index % 4 == 3 and s > 1:  # repeat the first point
        pts = RatMatrix(n, s, tuple(pts.entries[i * s] if j == 1 else pts.entries[i * s + j]
                                    for i in range(n) for j in range(s)))
    a = structured(rng, n, n, ("dense", "integers", "low-rank")[index % 3])
    return {"A": a, "X": pts, "P": p}


def probability(inst: Instance) -> AssumptionResult:
    p = inst.matrices["P"].entries  # type: ignore[union-attr]
    if min(p) < 0:
        return AssumptionResult("violated", "exact", f"negative probability {min(p)}", 0.0)
    if sum(p) != 1:
        return AssumptionResult("violated", "exact", f"probabilities sum to {sum(p)}, not 1", 0.0)
    return AssumptionResult("holds", "exact", "P >= 0 and sum P = 1 (exact)", float(min(p)))


def moments(x):
    """(E x^T A x, E x, E x x^T) of the law: finite sums over its support."""
    pts = [x.X[:, k] for k in range(x.s)]
    probs = [x.P[k, 0] for k in range(x.s)]
    quad = sum(p * (v.T @ x.A @ v)[0, 0] for p, v in zip(probs, pts, strict=True))
    mean = sum(p * v for p, v in zip(probs, pts, strict=True))
    second = sum(p * (v @ v.T) for p, v in zip(probs, pts, strict=True))
    return quad, mean, second


@forall("second-moment", r"$\mathbb{E}\, x^\top A x = \mathrm{tr}(A\, \mathbb{E}\, x x^\top)$")
def second_moment(x):
    quad, _mean, second = moments(x)
    return quad == x.tr(x.A @ second)


@forall("covariance", r"$\mathbb{E}\, x^\top A x = \mathrm{tr}(A\, \mathrm{Cov}(x)) + (\mathbb{E} x)^\top A\, "
                      r"(\mathbb{E} x)$")
def covariance(x):
    quad, mean, second = moments(x)
    return quad == x.tr(x.A @ (second - mean @ mean.T)) + (mean.T @ x.A @ mean)[0, 0]


TRACE_CYCLIC = lemma(
    id="TRACE-CYCLIC", title="The trace is cyclic",
    statement=r"For $A \in \mathbb{R}^{m \times n}$, $B \in \mathbb{R}^{n \times m}$: "
              r"$\mathrm{tr}(AB) = \mathrm{tr}(BA)$.",
    source=HJ.at("", note=C_MAT),
    parameters=CYCLIC, shapes={"A": ("m", "n"), "B": ("n", "m")},
    build=build_cyclic, claims=(cyclic,),
)

QUADRATIC_FORM = lemma(
    id="QUAD-FORM", title="Expected quadratic form of a random vector",
    statement=r"For $A \in \mathbb{R}^{n \times n}$ and a random $x \in \mathbb{R}^n$ with finite second moments: "
              r"$\mathbb{E}\, x^\top A x = \mathrm{tr}(A\,\mathrm{Cov}(x)) + (\mathbb{E}x)^\top A\,(\mathbb{E}x) "
              r"= \mathrm{tr}(A\, \mathbb{E}\, x x^\top)$.",
    source=FOLKLORE, depends_on=("TRACE-CYCLIC",),
    parameters=LAW, shapes={"A": ("n", "n"), "X": ("n", "s"), "P": ("s", 1)},
    build=build_law,
    assumptions=(Assumption("probability", statement=r"$p_k \ge 0$, $\sum_k p_k = 1$", check=probability),),
    claims=(second_moment, covariance),
    interpretation="checked for laws with finite support (points X[:, k] with probabilities P[k]), where every "
                   "expectation is a finite rational sum and the identity is decided exactly.",
)

__all__ = ["QUADRATIC_FORM", "TRACE_CYCLIC"]
