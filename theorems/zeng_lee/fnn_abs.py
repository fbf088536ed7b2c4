"""R-ABS (abstract, p1; informal Theorems 1-2, p2): the abstract's FNN claim, encoded literally.

"Any frozen f can be adapted to match any smaller target if LoRA-rank >= (width of f)(depth of fbar)/(depth
of f) = D Lbar / L, under a mild assumption." Its formal counterparts are Theorem 3 (R-UNI, under
Assumption 1, threshold ceil(max_i rank E^(i) / M)) and Corollary 4 (R-RANDUNI, random weights,
R >= D/M), with M = floor(L / Lbar); the transformer half (rank D/2) is R-TFN / R-TFNR.

The literal threshold can be below R-UNI's ceil(D / M) with M = floor(L / Lbar) (D=4, L=3,
Lbar=2: 8/3 <= 3 < 4), so R-UNI's construction does not cover it. The witness search here goes
further: every partition of the layers, then positive diagonal rescalings between blocks (ReLU
commutes with them, so a block may reproduce the target's layer up to a positive scaling that the
next block undoes; where a block misses by one rank this is one determinant equation, solved
exactly). Only an exact witness or the (valid) all-active certificate decides an instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    A_UNI_STATEMENT,
    FNN,
    PAPER_OPTIONS,
    Built,
    a_uni_check,
    build,
    dims,
    domain_comparisons,
    domain_of,
    float_warm_start,
    fnn_constraints,
    fnn_shapes,
    gd_lora,
    output_relu_of,
    plan_from_aux,
    random_fnn,
    refute_total_rank,
    sampled_comparisons,
    search_plan,
    uniform_blocks,
)
from verifier import Assumption, Claim, Comparison, Instance, InstanceError, Parameter, Theorem

ID = "R-ABS"
GD_TARGET = 1e-6  # the float evidence a gradient-descent witness is held to (sampled max error)

# (D, L, Lbar, R) families at the literal threshold but below ceil(D/M), plus control cases above it
FAMILIES = ((4, 3, 2, 3), (4, 5, 3, 3), (6, 4, 3, 5), (4, 3, 2, 4), (8, 3, 2, 6), (4, 4, 2, 2))


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


constraints = fnn_constraints


def literal_threshold(inst: Instance) -> int:
    """The smallest integer R with R >= D * Lbar / L, i.e. ceil(D Lbar / L) (exact integer arithmetic)."""
    d, big_l, lbar = dims(inst.parameters)
    return -(-d * lbar // big_l)


def literal(inst: Instance) -> bool:
    return inst.p("R") >= literal_threshold(inst)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian models in the families above (cycled), or at the given parameters."""
    if params is None:
        d, big_l, lbar, r = FAMILIES[index % len(FAMILIES)]
        params = {"D": d, "L": big_l, "Lbar": lbar, "R": r}
    d, big_l, lbar = dims(params)
    return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar), seed=index)


def probes(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    """The first exactly feasible plan; when there is none, a gradient-descent witness (float)."""
    blocks = uniform_blocks(inst.parameters)
    plan = search_plan(inst.matrices["W"], inst.matrices["Wbar"], inst.p("R"), blocks, seed=int(rng.integers(1 << 30)))
    if plan is not None:
        return plan.aux()
    r, big_l = inst.p("R"), inst.p("L")
    warm = float_warm_start(inst, blocks, [r] * big_l, r)
    aux, _err = gd_lora(
        inst.matrices["W"],
        inst.matrices["Wbar"],
        inst.matrices["bbar"],
        r,
        domain_of(inst),
        output_relu_of(inst.options),
        int(rng.integers(1 << 30)),
        warm=warm,
    )
    return aux


def _has_plan(inst: Instance) -> bool:
    return "plan_sizes" in inst.aux


def construction(ctx: Any, b: Any) -> Built:
    if _has_plan(b.instances[0]):
        blocks, ranks, scales = plan_from_aux(b)
        return build(ctx, b, blocks, ranks, scales)
    # no exact plan: the uniform construction with rank R on every layer (it misses; reported as such)
    blocks = uniform_blocks(b.params)
    return build(ctx, b, blocks, [b.params["R"]] * b.params["L"])


def _literal(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    inst = b.instances[0]
    if ctx.level != "float" and not _has_plan(inst) and refute_total_rank(inst, inst.p("R") * inst.p("L")) is None:
        d = inst.p("D")
        raise InstanceError(
            "no exact witness found: in every partition some block has rank(E_i) > R |P_i|, and the search for "
            "positive diagonal rescalings (which repair blocks short by one rank) found no exact plan; the all-active "
            f"certificate cannot refute either (R L = {inst.p('R') * inst.p('L')} >= D = {d}); gradient descent "
            "gives float evidence only (claim sampled-agreement)"
        )
    return domain_comparisons(ctx, c)


def _sampled(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    """The witness on sampled inputs: the exact plan's network, or else the gradient-descent one."""
    if _has_plan(b.instances[0]):
        return sampled_comparisons(ctx, b, c.adapted.net)
    ws = [ctx.add(w, ctx.mm(bm, am)) for w, bm, am in zip(b.m("W"), b.m("gd_B"), b.m("gd_A"), strict=True)]
    net = FNN(tuple(ws), tuple(b.m("gd_b")), output_relu_of(b.options))
    cmp = sampled_comparisons(ctx, b, net)[0]
    return [Comparison("gradient-descent witness: " + cmp.label, cmp.lhs, "<=", GD_TARGET, scale=cmp.scale)]


CLAIMS = (
    Claim(
        "literal-threshold",
        statement=r"if $R \ge D \bar L / L$ (exactly: $R L \ge D \bar L$), adapters of rank $\le R$ and biases give "
        r"$f = \bar f$ on all of $\mathcal X$ (witness: the first exactly feasible plan, certified on the domain)",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=_literal,
        threshold=literal_threshold, threshold_param="R",
        refute=lambda inst: refute_total_rank(inst, inst.p("R") * inst.p("L")),
        uses_probes=True,
    ),
    Claim(
        "sampled-agreement",
        statement=r"the witness agrees with $\bar f$ on sampled inputs of $\mathcal X$ (float "
                  r"evidence only): the exact "
        r"plan's network, or where no plan exists a gradient-descent witness (LoRA factors and biases) held to "
        r"sampled error $\le 10^{-6}$, which can neither prove nor refute exactness",
        quantifier="exists",
        levels=("float",),
        evaluate=_sampled,
        threshold=literal_threshold, threshold_param="R",
        uses_probes=True,
        role="interpretation",
        interpretation="float evidence about the witnesses, where the exact search found none",
    ),
)

R_ABS = Theorem(
    id=ID,
    title="The abstract's FNN claim: rank >= D * Lbar / L suffices, taken literally",
    statement=(
        r"(Abstract, FNN part) LoRA can adapt any frozen FNN $f$ (width $D$, depth $L$) to exactly represent any "
        r"smaller target FNN $\bar f$ (depth $\bar L$) if the LoRA-rank is $\ge$ (width of $f$) $\times$ (depth "
        r"of $\bar f$) / (depth of $f$) $= D\bar L/L$, under a mild assumption (read: Assumption 1). Formal "
        r"counterparts: Theorem 3 and Corollary 4, with the threshold $D/M$, $M = \lfloor L/\bar L\rfloor$."
    ),
    source=PAPER.at("Abstract; Theorems 1-2 (informal)", page="1-2"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(Assumption("A-UNI", statement=A_UNI_STATEMENT, check=a_uni_check),),
    construction=construction,
    construction_summary=(
        "Witness search, exact: (1) the uniform partition, (2) every other partition of the L layers "
        "into Lbar blocks, (3) partitions with positive diagonal rescalings S_i between blocks "
        "(block i targets S_i Wbar_i S_{i-1}^-1; a block one rank short is fixed by solving a "
        "determinant equation, affine in one scale, exactly). The plan is stored exactly and checked "
        "like R-UNI. If no plan exists, Adam on LoRA factors and biases gives float evidence."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    probes=probes,
    depends_on=("R-UNI", "R-RANDUNI"),
    interpretation=(
        "The literal threshold is weaker than R-UNI's: at D=4, L=3, Lbar=2, R=3 some block has one layer "
        "and rank(E_i) = 4 > 3, so 'rank(E_i) > R|P_i|' might look like an impossibility proof. It is not "
        "valid for ReLU networks (a block only has to match the target layer up to a positive scaling; "
        "the network need not be block-structured at all), and the verifier finds exact witnesses there. "
        "Only the all-active certificate is used to refute, and it cannot fire when R L >= D Lbar. "
        "Instances missing by two or more ranks in a one-layer block stay unresolved."
    ),
    default_examples=6,
    options_schema=dict(PAPER_OPTIONS),
)
