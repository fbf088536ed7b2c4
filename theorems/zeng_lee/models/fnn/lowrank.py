"""Best low-rank approximations LR_r(E) in every arithmetic, and errors E with a rational SVD.

LR_r(E) is irrational in general, so each arithmetic gets what it can hold: exact arithmetic the
matrix itself when r >= rank(E) (then LR_r(E) = E) or when the instance carries a rational SVD of E
(validated exactly); certified arithmetic those exact values, else a ball (the truncated SVD of
`verifier.linalg.lowrank_approx` widened entrywise by its rigorous bound on ||LR_r(E') - L||_2,
valid for every best approximation when singular values tie at r); mp and float a truncated SVD.

A rational SVD comes from rational orthogonal factors (products of Householder reflections with
integer vectors), so instances can be built whose every piece is rational: the construction, the
identity of Lemma 9 and the error bounds are then decided exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from verifier import InstanceError, PrecisionExhausted, RatMatrix, exact_product, exact_rank
from verifier.strategies import householder


def rational_orthogonal(rng: np.random.Generator, d: int, reflections: int = 2) -> RatMatrix:
    """A dense rational orthogonal matrix: a product of Householder reflections of small integer vectors."""
    q = RatMatrix.identity(d)
    for _ in range(reflections):
        v = [0] * d
        while not any(v):
            v = [int(x) for x in rng.integers(-2, 3, size=d)]
        q = householder(v) @ q
    return q


@dataclass(frozen=True, slots=True)
class RationalSVD:
    """E = U diag(s) V^T with rational orthogonal U, V and rational s_1 >= ... >= s_D >= 0."""

    u: RatMatrix
    s: tuple[Fraction, ...]
    v: RatMatrix

    @classmethod
    def random(cls, rng: np.random.Generator, svals: Sequence[Any]) -> RationalSVD:
        d = len(svals)
        return cls(rational_orthogonal(rng, d), tuple(Fraction(x) for x in svals), rational_orthogonal(rng, d))

    def matrix(self, r: int | None = None) -> RatMatrix:
        """U diag(s_1..s_r, 0..0) V^T = LR_r(E) (E itself for r = None)."""
        d = len(self.s)
        k = d if r is None else min(r, d)
        diag = RatMatrix(d, d, tuple(self.s[i] if i == j and i < k else Fraction(0)
                                     for i in range(d) for j in range(d)))
        return self.u @ diag @ RatMatrix(d, d, tuple(self.v.entries[j * d + i] for i in range(d) for j in range(d)))

    def aux(self, prefix: str = "svd") -> dict[str, RatMatrix]:
        d = len(self.s)
        return {f"{prefix}_U": self.u, f"{prefix}_S": RatMatrix(d, 1, self.s), f"{prefix}_V": self.v}

    @classmethod
    def from_aux(cls, aux: Any, e: RatMatrix, prefix: str = "svd") -> RationalSVD | None:
        """The SVD stored in an instance's aux data, validated exactly against E (None if absent).

        Raises InstanceError if it is present but is not an SVD of E.
        """
        names = [f"{prefix}_U", f"{prefix}_S", f"{prefix}_V"]
        if not all(n in aux for n in names):
            if any(n in aux for n in names):
                raise InstanceError(f"aux needs all of {names} (a rational SVD of E), or none")
            return None
        u, s, v = (aux[n] for n in names)
        d = e.nrows
        if any(not isinstance(m, RatMatrix) for m in (u, s, v)) or u.shape != (d, d) or v.shape != (d, d) \
                or s.shape != (d, 1):
            raise InstanceError(f"aux {names}: expected {d}x{d}, {d}x1 and {d}x{d} matrices")
        svals = s.entries
        if any(x < 0 for x in svals) or any(svals[i] < svals[i + 1] for i in range(d - 1)):
            raise InstanceError(f"aux.{prefix}_S must be non-negative and non-increasing")
        out = cls(u, tuple(svals), v)
        eye = RatMatrix.identity(d)
        for name, q in (("U", u), ("V", v)):
            qt = RatMatrix(d, d, tuple(q.entries[j * d + i] for i in range(d) for j in range(d)))
            if qt @ q != eye:
                raise InstanceError(f"aux.{prefix}_{name} is not orthogonal (exact check)")
        if out.matrix() != e:
            raise InstanceError(f"aux {names} is not an SVD of E = Wbar - prod W (exact check)")
        return out


def error_svd(inst: Any, e: RatMatrix, prefix: str = "svd") -> RationalSVD | None:
    return RationalSVD.from_aux(inst.aux, e, prefix)


def error_matrix(w: Sequence[RatMatrix], wbar: RatMatrix) -> RatMatrix:
    """E = Wbar - prod W (exact)."""
    return wbar - exact_product(list(w), wbar.nrows)


@dataclass(frozen=True, slots=True)
class LowRank:
    """LR_r(E) in one arithmetic: `value`, and `slack` >= its distance from every best approximation
    (spectral norm; 0 where exact). `exact` says the value is a rational known exactly."""

    value: Any
    slack: Any
    exact: bool


def lowrank(ctx: Any, b: Any, e: Any, r: int, prefix: str = "svd") -> LowRank:
    """LR_r(E) for the bound instance(s); `e` is E in ctx, computed from the instance's matrices."""
    d = ctx.shape(e)[0]
    if ctx.level in ("float", "mp"):
        return LowRank(truncated_svd(ctx, e, r), 0.0 if ctx.level == "float" else 0, False)
    inst = b.instances[0]
    ex = _exact_lowrank(inst, r, prefix)
    if ex is not None:
        return LowRank(ctx.load([ex]), 0, True)
    if ctx.level == "exact":
        raise PrecisionExhausted(f"LR_{r}(E) is irrational here (rank(E) > {r} and no rational SVD of E is given): "
                                 "exact arithmetic cannot hold it; the certified level decides")
    from flint import arb, arb_mat

    from verifier.linalg import lowrank_approx, working_prec

    low, delta = lowrank_approx(e, r, ctx.prec)
    if not delta.is_finite():
        raise PrecisionExhausted(f"no finite bound on LR_{r}(E) at prec={ctx.prec} bits")
    with working_prec(ctx.prec):
        rad = delta.upper()
        ball = arb_mat(d, d, [arb(x.mid(), rad) for x in low.entries()])
    return LowRank(ball, delta, False)


def truncated_svd(ctx: Any, e: Any, r: int) -> Any:
    """The rank-min(r, d) truncated SVD of the square `e` in float (torch, batched, as `e` is given) or mp
    (at the context's digits)."""
    d = ctx.shape(e)[0]
    if ctx.level == "float":
        import torch

        u, s, vh = torch.linalg.svd(e)
        k = min(r, d)
        return (u[..., :, :k] * s[..., None, :k]) @ vh[..., :k, :]
    from mpmath import mp

    with mp.workdps(ctx.dps):
        u, s, v = mp.svd_r(e)
        low = mp.zeros(d, d)
        for k in range(min(r, d)):
            low += s[k] * u[:, k] * v[k, :]
    return low


def _exact_lowrank(inst: Any, r: int, prefix: str) -> RatMatrix | None:
    """LR_r(E) as an exact rational, when it is one we know: E itself (r >= rank E) or from a rational SVD."""
    e = error_matrix(inst.matrices["W"], inst.matrices["Wbar"][0])
    if r >= exact_rank(e):
        return e
    svd = error_svd(inst, e, prefix)
    return None if svd is None else svd.matrix(r)


def exact_lowrank(inst: Any, r: int, prefix: str = "svd") -> RatMatrix | None:
    """Public form of the exact LR_r(E) of a one-layer-target instance (None where it is irrational)."""
    return _exact_lowrank(inst, r, prefix)


__all__ = ["LowRank", "RationalSVD", "error_matrix", "error_svd", "exact_lowrank", "lowrank",
           "rational_orthogonal"]
