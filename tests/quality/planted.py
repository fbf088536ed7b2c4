"""Planted false claims built from R-LIN's pieces: the search (and the plain checker) must refute them.

Each planted spec has its own id so it never clashes with the registry. They are built with
`dataclasses.replace` from the real R-LIN spec, so everything but the planted error is R-LIN's own
code. Loading this file (e.g. `verifier search --spec tests/quality/planted.py:R_LIN_WRONG_OPT`)
does not register anything twice: `load_spec_file` registers what it loads.

- `R_LIN_WRONG_OPT` (a): the lower bound with s_{RL}(E) in place of s_{RL+1}(E). False whenever
  R L <= rank(E) and s_{RL}(E) > s_{RL+1}(E): the construction's perturbed adapters (a probe) reach
  about s_{RL+1}(E).
- `R_LIN_THRESHOLD_MINUS_ONE` (b): exactness claimed for R >= ceil(rank(E)/L) - 1. At
  R = ceil(rank(E)/L) - 1 we have R L < rank(E), and the exact rank certificate refutes it; the
  smallest counterexample is D = 2, L = 1, R = 1 with rank(E) = 2.
- `R_LIN_NEEDS_W_NONSINGULAR` (c): "prod W_l is non-singular" under the assumption W-nonsingular.
  True with the assumption, false without it: `--drop W-nonsingular` must find a singular W_l.
  (Dropping an assumption of R-LIN itself yields no *certified* counterexample: without
  non-singularity the construction is undefined, which leaves the existential claims unresolved,
  and the lower bound s_{RL+1}(E) holds for any W. See docs/search.md.)
- `R_LIN_GAP` (d): a planted claim that fails only on (near-)tied spectra: "s_1(E) - s_2(E) >=
  s_1(E) / 1000 for D >= 2". Random Gaussian instances almost never have such a tie; a search that
  aims at the claim's margin, or draws orthogonal or small-integer structure, finds one.
- `R_LIN_COND` (e): "non-singular layers give a product with condition number <= 10^6". False on
  ill-conditioned layers, which random Gaussian layers of small size almost never are; its margin
  falls steadily with the conditioning, the kind of landscape `hypothesis.target` climbs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from theorems.zeng_lee import r_lin
from verifier import Assumption, Claim, Comparison, Theorem

R_LIN: Theorem = r_lin.R_LIN


def _wrong_opt(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    target = r_lin._target_sv(ctx, b, c, offset=0)  # s_{RL}(E): the planted off-by-one
    scale = ctx.norm2(c.E)
    return [
        Comparison(f"probe {k}: ||prod(W+BA) - Wbar||_2 vs s_{{RL}}(E)", v, ">=", target, scale=scale)
        for k, v in r_lin.probe_residuals(ctx, b)
    ]


def _with_claim(base: Theorem, new_id: str, claim: Claim) -> Theorem:
    return replace(base, id=new_id, claims=tuple(claim if c.id == claim.id else c for c in base.claims), identities=())


R_LIN_WRONG_OPT = _with_claim(
    R_LIN,
    "R-LIN-WRONG-OPT",
    replace(
        R_LIN.claim("no-better-adapters"),
        statement=r"(planted, false) no rank-$R$ adapters beat $\sigma_{RL}(E)$",
        evaluate=_wrong_opt,
    ),
)

R_LIN_THRESHOLD_MINUS_ONE = _with_claim(
    R_LIN,
    "R-LIN-THRESHOLD-MINUS-ONE",
    replace(
        R_LIN.claim("exact-above-threshold"),
        statement=r"(planted, false) if $R \ge \lceil \mathrm{rank}(E)/L \rceil - 1$ the adapted model is exact",
        threshold=lambda inst: r_lin.threshold(inst) - 1,
    ),
)


def _product_nonsingular(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    prod = ctx.prod(list(b.m("W")), b.params["D"])
    return [Comparison("rank(prod W_l)", ctx.rank(prod), ">=", b.params["D"])]


R_LIN_NEEDS_W_NONSINGULAR = replace(
    R_LIN,
    id="R-LIN-NEEDS-W-NONSINGULAR",
    title="(planted) the frozen product is non-singular, given non-singular layers",
    statement=r"If every $W_l$ is non-singular then $\prod_l W_l$ is non-singular.",
    assumptions=(R_LIN.assumptions[0],),
    construction=None,
    claims=(
        Claim(
            "product-nonsingular",
            statement=r"$\mathrm{rank}(\prod_l W_l) = D$",
            quantifier="forall",
            levels=("exact",),
            evaluate=_product_nonsingular,
        ),
    ),
    identities=(),
    probes=None,
)


def _gap(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    scale = ctx.norm2(c.E)
    gap = scale - ctx.sv(c.E, 2)
    return [Comparison("s_1(E) - s_2(E) vs s_1(E)/1000", gap, ">=", scale * (1 / 1000), scale=scale)]


R_LIN_GAP = replace(
    R_LIN,
    id="R-LIN-GAP",
    title="(planted) the top singular value of E is simple",
    claims=(
        Claim(
            "spectral-gap",
            statement=r"(planted, false) $\sigma_1(E) - \sigma_2(E) \ge \sigma_1(E)/1000$ for $D \ge 2$ "
            r"(the best rank-1 correction is unique)",
            quantifier="forall",
            levels=("float", "certified"),
            evaluate=_gap,
            applies=lambda inst: inst.p("D") >= 2,
        ),
    ),
    identities=(),
    probes=None,
)


def _conditioned(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    prod = ctx.prod(list(b.m("W")), b.params["D"])
    top = ctx.norm2(prod)
    return [
        Comparison(
            "s_min(prod W_l) vs s_1(prod W_l) / 10^6", ctx.sv(prod, b.params["D"]), ">=", top * (1 / 10**6), scale=top
        )
    ]


R_LIN_COND = replace(
    R_LIN,
    id="R-LIN-COND",
    title="(planted) non-singular layers give a well-conditioned product",
    statement=r"If every $W_l$ is non-singular then $\kappa(\prod_l W_l) \le 10^6$.",
    assumptions=(R_LIN.assumptions[0],),
    construction=None,
    claims=(
        Claim(
            "product-conditioned",
            statement=r"(planted, false) $\sigma_D(\prod_l W_l) \ge \sigma_1(\prod_l W_l)/10^6$",
            quantifier="forall",
            levels=("float", "certified"),
            evaluate=_conditioned,
        ),
    ),
    identities=(),
    probes=None,
)

# The assumption R-LIN-NEEDS-W-NONSINGULAR keeps; named so tests can drop it.
NEEDED_ASSUMPTION: Assumption = R_LIN.assumptions[0]

PLANTED: dict[str, Theorem] = {
    t.id: t for t in (R_LIN_WRONG_OPT, R_LIN_THRESHOLD_MINUS_ONE, R_LIN_NEEDS_W_NONSINGULAR, R_LIN_GAP, R_LIN_COND)
}
