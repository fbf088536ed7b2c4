"""A-UNI (Assumption 1, p6 and p27): the non-singularity assumption of Theorem 3, checked on instances
(exact determinants, certified singular values for LR_r), and, as an interpretation, shown to cover
every matrix the Theorem 3 construction inverts under its threshold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    NONSINGULAR_MARGIN,
    PAPER_OPTIONS,
    a_uni_check,
    build,
    dims,
    fnn_constraints,
    fnn_shapes,
    nonsingularity_margins,
    random_fnn,
    uni_threshold_of,
    uniform_blocks,
)
from verifier import (
    Claim,
    Comparison,
    Instance,
    Parameter,
    Refutation,
    Theorem,
    exact_det,
    exact_product,
    exact_rank,
)

ID = "A-UNI"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


constraints = fnn_constraints


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian frozen and target FNNs (A-UNI holds with probability one)."""
    if params is None:
        d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 7))
        lbar = int(rng.integers(1, min(big_l, 3) + 1))
        params = {"D": d, "L": big_l, "Lbar": lbar, "R": int(rng.integers(1, d + 1))}
    d, big_l, lbar = dims(params)
    return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar), seed=index)


def _m(p: Mapping[str, int]) -> int:
    _d, big_l, lbar = dims(p)
    return big_l // lbar


@dataclass(frozen=True)
class Margins:
    """Certified smallest singular values: of each frozen W_l, and of each block's corrected product."""

    per_w: Any
    per_block: Any


def construction(ctx: Any, b: Any) -> Margins:
    ws, wbar = list(b.m("W")), list(b.m("Wbar"))
    rmax = b.params["R"] * (_m(b.params) - 1)
    per_w, per_block = nonsingularity_margins(ctx, ws, wbar, uniform_blocks(b.params), rmax)
    return Margins(per_w, per_block)


def _holds(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    out = [Comparison(f"s_min(W_{li + 1})", s, ">=", NONSINGULAR_MARGIN) for li, s in enumerate(c.per_w)]
    for i, row in enumerate(c.per_block):
        out += [
            Comparison(f"block {i + 1}: s_min(Q_i + LR_{r}(E_i))", s, ">=", NONSINGULAR_MARGIN)
            for r, s in enumerate(row)
        ]
    return out


def refute(inst: Instance) -> Refutation | None:
    """A-UNI fails exactly when a rational matrix it needs non-singular has determinant 0."""
    for li, w in enumerate(inst.matrices["W"]):
        if exact_det(w) == 0:
            return Refutation("exact", f"W_{li + 1} is singular (exact determinant 0)")
    w, wbar = inst.matrices["W"], inst.matrices["Wbar"]
    d = inst.p("D")
    rmax = inst.p("R") * (_m(inst.parameters) - 1)
    for i, blk in enumerate(uniform_blocks(inst.parameters)):
        q = exact_product([w[li] for li in blk], d)
        if exact_det(q) == 0:
            return Refutation("exact", f"block {i + 1}: Q_i = prod_(l in P_i) W_l is singular (exact, r = 0)")
        if rmax >= exact_rank(wbar[i] - q) and exact_det(wbar[i]) == 0:
            return Refutation(
                "exact", f"block {i + 1}: r = rank(E_i) <= R(M-1) and Q_i + E_i = Wbar_i is singular (exact)"
            )
    return None


def _defined(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    """The SVD-based Theorem 3 construction (rank R on every layer of every block) inverts partial products of
    adapted weights: all certified non-singular."""
    built = build(ctx, b, uniform_blocks(b.params), [b.params["R"]] * b.params["L"])
    d = b.params["D"]
    out = []
    for i, blk in enumerate(built.adapted.blocks):
        partial = None
        for li in blk[:-1]:
            w = built.adapted.net.weights[li]
            partial = w if partial is None else ctx.mm(w, partial)
            out.append(
                Comparison(
                    f"block {i + 1}: s_min(prod of adapted layers up to {li + 1})",
                    ctx.sv(partial, d),
                    ">=",
                    NONSINGULAR_MARGIN,
                )
            )
    return out or [Comparison("no partial product is inverted (one-layer blocks)", 1, ">=", NONSINGULAR_MARGIN)]


CLAIMS = (
    Claim(
        "holds-on-instance",
        statement=r"Assumption 1 holds on the instance: every $W_l$ non-singular and $\prod_{l\in P^u_i} W_l + "
        r"\mathrm{LR}_r(E^{(i)})$ non-singular for all $r \le R(M-1)$, $i \in [\bar L]$ (shown by certified lower "
        r"bounds $\ge 2^{-80}$ on the smallest singular values; refuted only by an exact zero determinant)",
        quantifier="exists",
        levels=("float", "certified"),
        evaluate=_holds,
        refute=refute,
    ),
    Claim(
        "construction-defined",
        statement=r"under Assumption 1 and $R \ge \lceil \max_i \tilde R_i / M\rceil$, the matrices the (SVD-based) "
        r"Theorem 3 construction inverts are non-singular (certified)",
        quantifier="exists",
        levels=("float", "certified"),
        evaluate=_defined,
        applies=lambda inst: a_uni_check(inst).status == "holds",
        threshold=uni_threshold_of, threshold_param="R",
        role="interpretation",
        interpretation="what the assumption is for: the SVD-ordered terms of E^(i) run out after M layers of a "
                       "block, so only partial corrections LR_r with r <= R(M-1) are inverted",
    ),
)

A_UNI = Theorem(
    id=ID,
    title="Assumption 1: non-singularity for the uniform partition (checked on instances)",
    statement=(r"For a fixed $R \in [D]$: all frozen $W_l$ are non-singular, and $\prod_{l\in P^u_i} W_l + "
               r"\mathrm{LR}_r(E^{(i)})$ is non-singular for all $r \le R(M-1)$ and all $i \in [\bar L]$ "
               r"($E^{(i)} = \bar W_i - \prod_{l\in P^u_i} W_l$, $M = \lfloor L/\bar L\rfloor$)."),
    source=PAPER.at("Assumption 1", page="6, 27"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(),
    construction=construction,
    construction_summary=(
        "Certified enclosures of s_min(W_l) and of s_min(Q_i + LR_r(E_i)) (the error of the computed "
        "LR_r bounded by Wedin's theorem), for r = 0..R(M-1); then the R-UNI construction's inverted "
        "partial products."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=(),
    interpretation=(
        "An assumption, encoded as a checkable condition: 'holds' means certified on the instance. "
        "A positive s_min is shown by a certified lower bound >= 2^-80; smaller values stay inconclusive "
        "unless an exact determinant is zero (then the instance violates A-UNI). Where singular values of E^(i) "
        "tie at r, LR_r is not unique and the enclosure reaches 0 (inconclusive). The default instances are "
        "random (A-UNI holds with probability one, R-RAND); an instance that misses it is not a finding."
    ),
    default_examples=12,
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
    options_schema=dict(PAPER_OPTIONS),
)
