"""R-RANDUNI (Corollary 4, p6; proof p28-29): random weights and R >= D/M give exact representation a.s.

Entries of the target and frozen weights independent and continuous; if R >= D / M (M = floor(L/Lbar)),
then with probability 1 there are adapters of rank <= R and biases with f = fbar on X. Checked draw by
draw (uniform laws as in R-RAND): Theorem 3's construction is certified exact on all of X at each draw.
Proof: Lemma 3 (Assumption 1 a.s.) and Theorem 3, with rank E^(i) = D a.s.; the remark on parameter
counts (2RDL >= 2D^2 L/M ~ 2D^2 Lbar) is checked as an interpretation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee import fnn_rand
from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    NONSINGULAR_MARGIN,
    PAPER_OPTIONS,
    Built,
    build,
    dims,
    domain_comparisons,
    fnn_constraints,
    fnn_shapes,
    nonsingularity_margins,
    rank_comparisons,
    uniform_block_ranks,
    uniform_blocks,
)
from verifier import Claim, Comparison, Instance, Parameter, Theorem

ID = "R-RANDUNI"
SIZES = ((16, 4, 2), (16, 2, 1), (4, 3, 2), (3, 5, 2), (6, 6, 3))


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def threshold(inst: Instance) -> int:
    """The smallest integer R with R >= D / M."""
    _d, big_l, lbar = dims(inst.parameters)
    return -(-inst.p("D") // (big_l // lbar))


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Uniform draws (R-RAND's law) at the paper's scale (D = 16, (Lbar, L) = (2, 4), (1, 2)) and small sizes,
    with R = ceil(D/M) (or one above it)."""
    if params is None:
        d, big_l, lbar = SIZES[index % len(SIZES)]
        r = min(d, -(-d // (big_l // lbar)) + (index // len(SIZES)))
        params = {"D": d, "L": big_l, "Lbar": lbar, "R": r}
    draw = fnn_rand.generate(rng, index, {k: params[k] for k in ("D", "L", "Lbar")})
    return Instance(ID, dict(params), draw.matrices, seed=index)


def construction(ctx: Any, b: Any) -> Built:
    """Theorem 3's construction (Lemma 9 on each block, rank R on every layer)."""
    return build(ctx, b, uniform_blocks(b.params), [b.params["R"]] * b.params["L"])


def _exact(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    return [*domain_comparisons(ctx, c), *rank_comparisons(ctx, c)]


def _c1(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    _d, big_l, lbar = dims(b.params)
    per_w, per_block = nonsingularity_margins(ctx, list(b.m("W")), list(b.m("Wbar")), uniform_blocks(b.params),
                                              b.params["R"] * (big_l // lbar - 1))
    out = [Comparison(f"s_min(W_{li + 1})", s, ">=", NONSINGULAR_MARGIN) for li, s in enumerate(per_w)]
    for i, row in enumerate(per_block):
        out += [Comparison(f"block {i + 1}: s_min(prod W + LR_{r}(E^({i + 1})))", s, ">=", NONSINGULAR_MARGIN)
                for r, s in enumerate(row)]
    return out


def _c2(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    return [Comparison(f"rank E^({i + 1}) at the draw (exact)", rt, "==", b.params["D"])
            for i, rt in enumerate(uniform_block_ranks(b.instances[0]))]


def _c3(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    m = b.params["L"] // b.params["Lbar"]
    return [Comparison(f"R vs ceil(rank E^({i + 1}) / M) (Theorem 3's threshold; rank E^(i) <= D)", b.params["R"],
                       ">=", -(-rt // m)) for i, rt in enumerate(uniform_block_ranks(b.instances[0]))]


def _remark(ctx: Any, b: Any, c: Built) -> list[Comparison]:
    d, big_l, lbar = dims(b.params)
    m, r = big_l // lbar, b.params["R"]
    return [Comparison("2 R D L vs 2 D^2 L / M (times M: 2 R D L M vs 2 D^2 L)", 2 * r * d * big_l * m, ">=",
                       2 * d * d * big_l),
            Comparison("L / M vs Lbar (2 D^2 L/M >= 2 D^2 Lbar)", big_l, ">=", lbar * m),
            Comparison("L / M vs 2 Lbar (strictly below: the '~' is within a factor 2)", big_l, "<=", 2 * lbar * m - 1)]


def _claim(cid: str, statement: str, evaluate: Any, label: str, role: str = "step", cites: tuple[str, ...] = (),
           levels: tuple[str, ...] = ("float", "certified"), quantifier: str = "exists",
           interpretation: str = "") -> Claim:
    return Claim(cid, statement=statement, evaluate=evaluate, levels=levels, role=role, label=label,  # type: ignore
                 cites=cites, threshold=threshold,
                 threshold_param="R", quantifier=quantifier, interpretation=interpretation)  # type: ignore


CLAIMS = (
    Claim("exact-a-s", statement=r"if $R \ge D/M$: at the draw, adapters of rank $\le R$ and biases with $f(x) = "
          r"\bar f(x)$ for all $x \in \mathcal X$ (certified on all of $\mathcal X$; a draw where the construction "
          r"misses would be a null event, never a refutation)", quantifier="exists",
          levels=("float", "certified", "exact"), evaluate=_exact, threshold=threshold, threshold_param="R"),
    _claim("C1", r"Lemma 3: Assumption 1 holds for this $R$ (a.s.): certified at the draw", _c1, "C1",
           cites=("R-RAND",)),
    _claim("C2", r"$\mathrm{rank}\,E^{(i)} = D$ a.s., since $P(\det(\bar W_i - W) \ne 0 \mid \prod_{P^u_i} W_l = W) = "
           r"P(\det(\bar W_i - W) \ne 0) = 1$ (independence, Lemma 6): at the draw, exactly", _c2, "C2",
           cites=("R-DET",), levels=("exact",)),
    _claim("C3", r"Theorem 3 applies: $R \ge D/M \ge \lceil \max_i \tilde R_i / M \rceil$", _c3, "C3",
           cites=("R-UNI",), levels=("exact",), quantifier="forall"),
    _claim("remark-parameters", r"(p6) LoRA then uses $2RDL \ge 2D^2L/M \approx 2D^2\bar L$ parameters, against "
           r"$D^2\bar L$ in the target", _remark, "remark", role="interpretation", levels=("exact",),
           quantifier="forall", interpretation="'~' read as: 2D^2 L/M lies in [2D^2 Lbar, 4D^2 Lbar), since "
                                                "Lbar <= L/M < 2 Lbar"),
)

R_RANDUNI = Theorem(
    id=ID,
    title="Random weights: exact representation with probability one when R >= D/M",
    statement=(r"If the entries of $(\bar W_l)$ and $(W_l)$ are independent, each from a continuous distribution, "
               r"and $R \ge D/M$ ($M = \lfloor L/\bar L\rfloor$), then with probability 1 there are adapters of rank "
               r"$\le R$ and biases with $f(x) = \bar f(x)$ for all $x \in \mathcal X$."),
    source=PAPER.at("Corollary 4", page="6, 28-29"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("Lbar", description="target depth", low=1, high=8),
                Parameter("R", description="LoRA rank", low=1, high=16)),
    construction=construction,
    construction_summary="Theorem 3's construction (R-UNI) at the draw: Lemma 9 on each block, rank R per layer.",
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=fnn_constraints,
    depends_on=("R-RAND", "R-UNI", "R-DET"),
    interpretation=(
        "Checked draw by draw under R-RAND's uniform laws; 'holds' means certified exact on all of X at every "
        "draw. A probability-one statement is refuted only on an open set of weights; nothing here can do that, "
        "and a draw where the construction failed would be reported inconclusive."),
    default_examples=5,
    generic_instances=True,
    options_schema=dict(PAPER_OPTIONS),
)
