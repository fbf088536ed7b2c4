"""R-FNN1: a one-layer FNN target is exactly representable on a bounded domain by LoRA on a deep
FNN when R >= ceil(rank(Wbar_1 - prod W_l) / L)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    DOMAIN_OPTIONS,
    Built,
    build,
    corrections_assumption,
    domain_comparisons,
    fnn_shapes,
    random_fnn,
    rank_comparisons,
    refute_total_rank,
    sampled_comparisons,
    uniform_block_ranks,
)
from verifier import Assumption, AssumptionResult, Claim, Comparison, Instance, Parameter, Theorem

ID = "R-FNN1"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], 1)


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["R"] <= p["D"] else f"need R <= D, got R={p['R']} > D={p['D']}"


def rank_e(inst: Instance) -> int:
    return uniform_block_ranks(inst)[0]


def threshold(inst: Instance) -> int:
    return -(-rank_e(inst) // inst.p("L"))


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian frozen FNN; the target is Gaussian (rank(E) = D) or prod W plus an exact rank-k
    correction; R at, above or below the threshold; some instances on a ball or without output ReLU."""
    opts: dict[str, Any] = {"domain": "ball", "ball_radius": 2} if index % 4 == 3 else {}
    if index % 5 == 2:
        opts["output_relu"] = False
    if params is not None:
        return Instance(ID, dict(params), random_fnn(rng, params["D"], params["L"], 1), options=opts, seed=index)
    d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 6))
    k = int(rng.integers(0, d + 1)) if index % 2 else d
    thr = max(1, -(-k // big_l))
    r = min(d, {0: thr, 1: thr + 1, 2: -(-d // big_l), 3: max(1, thr - 1)}[index % 4])
    mats = random_fnn(rng, d, big_l, 1, error_ranks=None if k == d and index % 2 == 0 else [k])
    return Instance(ID, {"D": d, "L": big_l, "R": r}, mats, options=opts, seed=index)


def construction(ctx: Any, b: Any) -> Built:
    big_l = b.params["L"]
    return build(ctx, b, (tuple(range(big_l)),), [b.params["R"]] * big_l)


def _exact(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    return domain_comparisons(ctx, c)


def _last_bias(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    """bhat_L = bbar_1 - sum_{l<L} (prod_{i=l+1..L} (W_i + dW_i)) bhat_l, evaluated term by term."""
    net = c.adapted.net
    big_l = len(net.weights)
    acc = ctx.zeros(ctx.shape(net.weights[0])[0], 1)
    for li in range(big_l - 1):
        acc = ctx.add(acc, ctx.mm(ctx.prod(list(net.weights[li + 1 :]), ctx.shape(acc)[0]), net.biases[li]))
    formula = ctx.sub(b.m("bbar")[0], acc)
    scale = ctx.maxabs(formula)
    return [
        Comparison(
            "max|bhat_L - (bbar_1 - sum_l prod_{i>l}(W_i+dW_i) bhat_l)|",
            ctx.maxabs(ctx.sub(net.biases[-1], formula)),
            "==",
            0,
            tol=ctx.witness_tol(scale),
            scale=scale,
        )
    ]


def _assumption(inst: Instance) -> AssumptionResult:
    big_l = inst.p("L")
    return corrections_assumption(
        inst.matrices["W"], inst.matrices["Wbar"], (tuple(range(big_l)),), [inst.p("R") * (big_l - 1)]
    )


STATEMENT = (
    r"Let $\bar f(x) = \mathrm{ReLU}(\bar W_1 x + \bar b_1)$, $f$ a frozen FNN of depth $L$, "
    r"$\mathcal X$ bounded and the R-LIN assumption hold with $\bar W = \bar W_1$. If "
    r"$R \ge \lceil \mathrm{rank}(\bar W_1 - \prod_l W_l)/L \rceil$, adapters of rank $\le R$ and biases "
    r"exist with $f = \bar f$ on $\mathcal X$."
)

CLAIMS = (
    Claim(
        "exact-on-domain",
        statement=r"if $R \ge \lceil \mathrm{rank}(E)/L \rceil$: $f = \bar f$ on all of $\mathcal "
                  r"X$ (inner ReLUs certified "
        r"active by enclosures of $\mathcal X$, the composed affine map equal to the target's)",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=_exact,
        threshold=threshold,
        refute=lambda inst: refute_total_rank(inst, inst.p("R") * inst.p("L")),
    ),
    Claim(
        "last-bias-formula",
        statement=r"the construction's last bias is "
        r"$\hat b_L = \bar b_1 - \sum_{l<L} \prod_{i=l+1}^{L} (W_i + \Delta W_i) \hat b_l$",
        quantifier="forall",
        levels=("float", "certified", "exact"),
        evaluate=_last_bias,
    ),
    Claim(
        "adapter-rank",
        statement=r"every constructed adapter has $\mathrm{rank}(\Delta W_l) \le R$",
        quantifier="forall",
        levels=("float", "certified", "exact"),
        evaluate=lambda ctx, b, c: rank_comparisons(ctx, c),
    ),
    Claim(
        "sampled-agreement",
        statement=r"above the threshold, $f(x) = \bar f(x)$ on sampled inputs (float evidence only)",
        quantifier="exists",
        levels=("float",),
        evaluate=lambda ctx, b, c: sampled_comparisons(ctx, b, c.adapted.net),
        threshold=threshold,
    ),
)

R_FNN1 = Theorem(
    id=ID,
    title="LoRA on an FNN with a one-layer target: exact on a bounded domain above ceil(rank(E)/L)",
    statement=STATEMENT,
    source=PAPER.at("Lemma 2", page="5, 25-26"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(
        Assumption(
            "R-LIN-assumption",
            statement=r"every $W_l$ non-singular and $\prod_l W_l + \mathrm{LR}_r(\bar W_1 - \prod_l W_l)$ "
            r"non-singular for all $r \le R(L-1)$",
            check=_assumption,
        ),
    ),
    construction=construction,
    construction_summary=(
        "R-LIN adapters toward Wbar_1; biases of layers 1..L-1 lift every "
        "pre-activation to >= 1 on an enclosure of X (so those ReLUs are the identity); last bias "
        "bhat_L = bbar_1 - sum_{l<L} prod_{i>l}(W_i + dW_i) bhat_l."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-LIN",),
    interpretation=(
        "X is the box [-1, 1]^D unless the instance says otherwise (options). The claim is certified on "
        "all of X, not on samples; a domain too wide for the designed biases is reported inconclusive."
    ),
    default_examples=12,
    options_schema=dict(DOMAIN_OPTIONS),
)
