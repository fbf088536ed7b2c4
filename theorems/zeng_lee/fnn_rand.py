"""R-RAND: with weights drawn from continuous distributions, A-UNI holds for every R in 1..D with
probability one; each random instance is checked for every R (certified s_min margins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    DOMAIN_OPTIONS,
    NONSINGULAR_MARGIN,
    dims,
    fnn_shapes,
    nonsingularity_margins,
    random_fnn,
    uniform_blocks,
)
from verifier import Claim, Comparison, Instance, Parameter, Theorem

ID = "R-RAND"
MAX_R = 16  # one claim per R; a claim applies to the instances with D >= R


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    if p["D"] > MAX_R:
        return f"this spec has claims for R <= {MAX_R}: need D <= {MAX_R}, got D={p['D']}"
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Independent Gaussian entries (rounded to a 2^-10 grid: continuous up to that grid).

    Widths cycle through 4, 8 and 16, so that every R in 1..16 is checked on some instance.
    """
    if params is None:
        d = (4, 8, 16)[index % 3]
        big_l = 8 if d == 16 else int(rng.integers(2, 7))
        lbar = 4 if d == 16 else int(rng.integers(1, min(big_l, 4) + 1))
        params = {"D": d, "L": big_l, "Lbar": lbar}
    d, big_l, lbar = dims(params)
    return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar), seed=index)


@dataclass(frozen=True)
class Margins:
    """Certified smallest singular values: of each frozen W_l, and of each block's corrected product."""

    per_w: Any
    per_block: Any


def construction(ctx: Any, b: Any) -> Margins:
    d, big_l, lbar = dims(b.params)
    per_w, per_block = nonsingularity_margins(
        ctx, list(b.m("W")), list(b.m("Wbar")), uniform_blocks(b.params), d * (big_l // lbar - 1)
    )
    return Margins(per_w, per_block)


def _claim_for(rank: int) -> Claim:
    def evaluate(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
        _d, big_l, lbar = dims(b.params)
        rmax = rank * (big_l // lbar - 1)
        out = [Comparison(f"s_min(W_{li + 1})", s, ">=", NONSINGULAR_MARGIN) for li, s in enumerate(c.per_w)]
        for i, row in enumerate(c.per_block):
            out += [
                Comparison(f"block {i + 1}: s_min(Q_i + LR_{r}(E_i))", s, ">=", NONSINGULAR_MARGIN)
                for r, s in enumerate(row)
                if r <= rmax
            ]
        return out

    return Claim(
        f"a-uni-R{rank}",
        statement=rf"A-UNI holds for $R = {rank}$ on the random instance (certified $s_{{\min}} \ge 2^{{-80}}$ for "
        rf"every $W_l$ and every $Q_i + \mathrm{{LR}}_r(E_i)$, $r \le {rank}(M-1)$); a failure on one draw "
        r"would be inconclusive: a null event cannot refute a probability-one statement",
        quantifier="exists",
        levels=("float", "certified"),
        evaluate=evaluate,
        applies=lambda inst, rank=rank: inst.p("D") >= rank,
    )


R_RAND = Theorem(
    id=ID,
    title="Random frozen and target weights satisfy A-UNI for every R, with probability one",
    statement=(
        r"If all entries of the frozen and target weights are drawn independently from continuous "
        r"distributions, then A-UNI holds for every $R \in \{1, \dots, D\}$ with probability 1."
    ),
    source=PAPER.at("Lemma 3", page="6, 27-28"),
    parameters=(
        Parameter("D", description="width", low=1, high=MAX_R),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
    ),
    assumptions=(),
    construction=construction,
    construction_summary=(
        "Per random instance, certified enclosures of s_min(W_l) and of s_min(Q_i + LR_r(E_i)) for "
        "r = 0..min(D(M-1), D) (Wedin-bounded LR_r); the claim for R reads the r <= R(M-1) ones."
    ),
    claims=tuple(_claim_for(r) for r in range(1, MAX_R + 1)),
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("A-UNI",),
    interpretation=(
        "A probability-one statement is checked as a count: each claim a-uni-R<k> reports on how many "
        "random instances (with D >= k) A-UNI was certified for R = k. The entries are Gaussian rounded to "
        "a 2^-10 grid, a fine discretisation of a continuous distribution."
    ),
    default_examples=9,
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
    options_schema=dict(DOMAIN_OPTIONS),
)
