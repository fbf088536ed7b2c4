"""Example spec: laws of random inputs (docs/evidence.md, "Random inputs").

x uniform on the N columns of an instance matrix X: Sigma = E[x x^T] and E||M x||^2 = tr(M Sigma M^T)
hold exactly in every arithmetic; x uniform on [-1, 1]^D: E||x||^2 = D/3 exactly and the certified
enclosure of E||x|| obeys Jensen's E||x|| <= sqrt(E||x||^2); x ~ N(0, I): E||M x||^2 = ||M||_F^2.
    verifier check --spec docs/examples/evidence_laws.py:THEOREM
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from verifier import Claim, Comparison, Parameter, Source, Theorem
from verifier.evidence import BoxLaw, FiniteLaw, GaussianLaw, exact_scalar

D = Parameter("D", low=2, high=3, description="dimension of x")
N = Parameter("N", low=3, high=6, description="support size")
M_ROWS = Parameter("m", low=1, high=3, description="rows of M")


def finite_quadratic(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    law = FiniteLaw.from_bound(b, "X")  # batched in float: one law per instance
    M = b.m("M")
    direct = law.expect(lambda cx, X: cx.mm(cx.ones(1, cx.shape(M)[0]), cx.square(cx.mm(M, X))))
    via_sigma = ctx.trace(ctx.mm(M, law.second_moment(), ctx.T(M)))
    return [Comparison("E||Mx||^2 vs tr(M Sigma M^T)", direct, "==", via_sigma)]


def finite_jensen(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    law = FiniteLaw.from_bound(b, "X")
    return [Comparison("E||x|| vs sqrt(E||x||^2)", law.expect_norm(ctx), "<=", ctx.sqrt(law.expect_sq_norm(ctx)))]


def box_moments(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    d = b.params["D"]
    law = BoxLaw.of([-1] * d, [1] * d)
    third = exact_scalar(ctx, Fraction(d, 3))  # ctx.const(D/3) would be a ball: "==" needs the exact value
    return [Comparison("E||x||^2 = D/3", law.expect_sq_norm(ctx), "==", third),
            Comparison("E||x|| <= sqrt(D/3)", law.expect_norm(ctx), "<=", ctx.sqrt(third))]


def gaussian_frobenius(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    law = GaussianLaw.standard(b.params["D"])
    M = b.m("M")
    return [Comparison("E||Mx||^2 = ||M||_F^2", law.expect_affine_sq_norm(ctx, M), "==", ctx.frobenius_sq(M))]


THEOREM = Theorem(
    id="EVIDENCE-LAWS", title="Second moments of random inputs, exact and certified",
    statement=r"$\mathbb{E}\|Mx\|^2 = \mathrm{tr}(M\Sigma M^\top)$ with $\Sigma = \mathbb{E}xx^\top$; "
              r"$\mathbb{E}\|x\| \le \sqrt{\mathbb{E}\|x\|^2}$.",
    source=Source(citation="linearity of expectation; Jensen's inequality", kind="folklore"),
    parameters=(D, N, M_ROWS), shapes={"X": ("D", "N"), "M": ("m", "D")}, default_examples=3,
    claims=(Claim("finite-quadratic", statement=r"$\mathbb{E}\|Mx\|^2 = \mathrm{tr}(M\Sigma M^\top)$, x uniform "
                  "on the columns of X", evaluate=finite_quadratic),
            Claim("finite-jensen", statement=r"$\mathbb{E}\|x\| \le \sqrt{\mathbb{E}\|x\|^2}$",
                  evaluate=finite_jensen, levels=("float", "mp", "certified")),
            Claim("box-moments", statement=r"x uniform on $[-1,1]^D$: $\mathbb{E}\|x\|^2 = D/3$, "
                  r"$\mathbb{E}\|x\| \le \sqrt{D/3}$", evaluate=box_moments, levels=("float", "mp", "certified")),
            Claim("gaussian-frobenius", statement=r"$x \sim N(0, I)$: $\mathbb{E}\|Mx\|^2 = \|M\|_F^2$",
                  evaluate=gaussian_frobenius)),
)
