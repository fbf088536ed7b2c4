"""R-FLT: tuning the last L-1 layers (first layer frozen) cannot represent a one-layer target, while
LoRA with R >= ceil(D/L) can; with exact certificates on both sides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    DOMAIN_OPTIONS,
    FNN,
    build,
    corrections_assumption,
    domain_comparisons,
    domain_of,
    find_collision,
    first_layer_margin,
    fnn_shapes,
    forward,
    gd_flt,
    output_relu_of,
    random_fnn,
    refute_total_rank,
    sample_inputs,
)
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    InstanceError,
    Parameter,
    Refutation,
    Theorem,
)

ID = "R-FLT"
SEPARATION = 2.0**-64  # "fbar(x) != fbar(x')" is checked as a gap of at least this (any positive gap suffices)


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], 1)


def constraints(p: Mapping[str, int]) -> str | None:
    if p["D"] < 2 or p["L"] < 2:
        return f"the lemma needs D >= 2 and L >= 2, got D={p['D']}, L={p['L']}"
    return None if p["R"] <= p["D"] else f"need R <= D, got R={p['R']} > D={p['D']}"


def lora_ok(inst: Instance) -> bool:
    return inst.p("R") * inst.p("L") >= inst.p("D")


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian frozen weights and biases; every fifth instance draws the frozen first-layer bias from
    N(4, 0.25) (still a continuous distribution): then the first layer can be active on all of X."""
    shift = 4.0 if index % 5 == 4 else 0.0
    if params is None:
        d, big_l = int(rng.integers(2, 6)), int(rng.integers(2, 5))
        params = {"D": d, "L": big_l, "R": min(d, -(-d // big_l) + index % 2)}
    mats = random_fnn(rng, params["D"], params["L"], 1, first_bias_shift=shift)
    return Instance(ID, dict(params), mats, seed=index)


def probes(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    """A collision pair (exact search) and final-layer weights tuned by Adam (the empirical side)."""
    m = inst.matrices
    dom, relu_out = domain_of(inst), output_relu_of(inst.options)
    out: dict[str, Any] = {}
    pair = find_collision(
        m["W"][0], m["b"][0], m["Wbar"][0], m["bbar"][0], dom, relu_out, seed=int(rng.integers(1 << 30))
    )
    if pair is not None:
        out.update(pair.aux())
    aux, _rmse = gd_flt(m["W"], m["b"], m["Wbar"][0], m["bbar"][0], dom, relu_out, int(rng.integers(1 << 30)))
    out.update(aux)
    return out


def construction(ctx: Any, b: Any) -> Any:
    big_l = b.params["L"]
    return build(ctx, b, (tuple(range(big_l)),), [b.params["R"]] * big_l)


def _hidden(ctx: Any, b: Any, x: Any) -> Any:
    return forward(ctx, FNN((b.m("W")[0],), (b.m("b")[0],), True), x)


def _target(ctx: Any, b: Any, x: Any) -> Any:
    return forward(ctx, FNN((b.m("Wbar")[0],), (b.m("bbar")[0],), output_relu_of(b.options)), x)


def _cannot(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    if not b.has("flt_pair"):
        return [Comparison("a collision pair was found (count)", 0, ">=", 1)]
    raw = b.instances[0].aux["flt_pair"]
    dom = domain_of(b.instances[0])
    if any(not dom.contains([row[j] for row in raw.rows()]) for j in range(2)):
        raise InstanceError("aux.flt_pair: both inputs of the collision pair must lie in X (checked exactly)")
    pair = b.m("flt_pair")
    x, x2 = ctx.cols(pair, 0, 1), ctx.cols(pair, 1, 2)
    return [
        Comparison(
            "max|h(x) - h(x')| for the frozen first layer h = ReLU(W_1 . + b_1)",
            ctx.maxabs(ctx.sub(_hidden(ctx, b, x), _hidden(ctx, b, x2))),
            "==",
            0,
        ),
        Comparison(
            "max|fbar(x) - fbar(x')| (the target separates the pair)",
            ctx.maxabs(ctx.sub(_target(ctx, b, x), _target(ctx, b, x2))),
            ">=",
            _number(ctx, SEPARATION),
        ),
    ]


def _number(ctx: Any, value: float) -> Any:
    """A float constant as the context's own number (exact: the dyadic rational it is)."""
    return ctx.maxabs(ctx.scale(ctx.ones(1, 1), value))


def refute_flt(inst: Instance) -> Refutation | None:
    """Final-layer tuning provably represents fbar when the frozen first layer is active on all of X."""
    m = inst.matrices
    margin = first_layer_margin(m["W"][0], m["b"][0], domain_of(inst))
    if margin <= 0:
        return None
    from verifier import exact_det

    if exact_det(m["W"][0]) == 0:
        return None
    return Refutation(
        "exact",
        f"the frozen first layer is active on all of X (exact minimum pre-activation over X = "
        f"{margin} ~ {float(margin):.4g} > 0) and W_1 is non-singular, so h = W_1 x + b_1 on X "
        f"and tuning layer 2 to Wbar W_1^-1 h + bbar - Wbar W_1^-1 b_1 (later layers passing "
        f"through) gives f = fbar on X exactly. Both conditions are open in (W_1, b_1), so this "
        f"has positive probability under any distribution with a positive density (e.g. "
        f"Gaussian weights and biases)",
    )


def _lora(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    return domain_comparisons(ctx, c)


def _counts(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    d, big_l, r = b.params["D"], b.params["L"], b.params["R"]
    lora = sum(d * r + r * d for _ in range(big_l))  # B_l (D x R) and A_l (R x D) per layer
    flt = sum(d * d + d for _ in range(big_l - 1))  # weights and biases of layers 2..L
    return [
        Comparison("LoRA factor parameters vs 2RDL", lora, "==", 2 * r * d * big_l),
        Comparison("LoRA biases vs DL", sum(d for _ in range(big_l)), "==", d * big_l),
        Comparison("final-layer tuning parameters vs (L-1)(D^2+D)", flt, "==", (big_l - 1) * (d * d + d)),
    ]


def _flt_net(ctx: Any, b: Any) -> FNN:
    return FNN((b.m("W")[0], *b.m("flt_W")), (b.m("b")[0], *b.m("flt_b")), output_relu_of(b.options))


def _gd_pair(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    pair = b.m("flt_pair")
    net = _flt_net(ctx, b)
    err = ctx.maxabs(ctx.sub(forward(ctx, net, pair), _target(ctx, b, pair)))
    gap = ctx.maxabs(ctx.sub(_target(ctx, b, ctx.cols(pair, 0, 1)), _target(ctx, b, ctx.cols(pair, 1, 2))))
    return [
        Comparison(
            "gradient-descent FLT: max error on the collision pair vs half the target gap",
            err,
            ">=",
            ctx.scale(gap, 0.5),
        )
    ]


def _gd_vs_lora(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    x = sample_inputs(ctx, domain_of(b.instances[0]), 1024, 1)
    fb = _target(ctx, b, x)
    nets = (_flt_net(ctx, b), c.adapted.net)
    rms = [((forward(ctx, net, x) - fb) ** 2).mean(dim=(-2, -1)).sqrt() for net in nets]
    return [
        Comparison(
            "sampled RMS error: gradient-descent final-layer tuning vs the LoRA construction", rms[0], ">=", rms[1]
        )
    ]


def _assumption(inst: Instance) -> AssumptionResult:
    big_l = inst.p("L")
    return corrections_assumption(
        inst.matrices["W"], inst.matrices["Wbar"], (tuple(range(big_l)),), [inst.p("R") * (big_l - 1)]
    )


def _has_pair(inst: Instance) -> bool:
    return "flt_pair" in inst.aux


CLAIMS = (
    Claim(
        "flt-cannot-represent",
        statement=r"no tuning of layers $2..L$ (weights and biases) gives $f = \bar f$ on $\mathcal "
                  r"X$; certificate: $x, x' "
        r"\in \mathcal X$ with equal frozen first-layer outputs and $\bar f(x) \ne \bar f(x')$ (exact). Refuted by "
        r"an exact final-layer tuning that represents $\bar f$ (first layer active on all of $\mathcal X$)",
        quantifier="exists",
        levels=("float", "exact"),
        evaluate=_cannot,
        refute=refute_flt,
        uses_probes=True,
    ),
    Claim(
        "lora-represents",
        statement=r"LoRA with $R \ge \lceil D/L \rceil$ gives $f = \bar f$ on all of $\mathcal X$ "
                  r"(R-FNN1, certified on "
        r"the domain)",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=_lora,
        threshold=lambda inst: -(-inst.p("D") // inst.p("L")),
        refute=lambda inst: refute_total_rank(inst, inst.p("R") * inst.p("L")),
    ),
    Claim(
        "parameter-counts",
        statement=r"LoRA trains $2RDL$ factor entries (plus $DL$ biases), final-layer tuning $(L-1)(D^2+D)$",
        quantifier="forall",
        levels=("exact",),
        evaluate=_counts,
    ),
    Claim(
        "gd-flt-above-pair-bound",
        statement=r"final layers tuned by gradient descent err by at least half the target gap on "
                  r"the collision pair (exact)",
        quantifier="forall",
        levels=("float", "exact"),
        evaluate=_gd_pair,
        applies=_has_pair,
        uses_probes=True,
    ),
    Claim(
        "gd-flt-vs-lora-sampled",
        statement=r"empirical side (float evidence): the sampled RMS error of gradient-descent "
                  r"final-layer tuning is at least "
        r"that of the LoRA construction",
        quantifier="forall",
        levels=("float",),
        evaluate=_gd_vs_lora,
        applies=lora_ok,
        uses_probes=True,
    ),
)

R_FLT = Theorem(
    id=ID,
    title="Final-layer tuning cannot represent a one-layer target; LoRA with R >= ceil(D/L) can",
    statement=(
        r"Let $D \ge 2$, $\bar f$ a one-layer FNN and $f$ a frozen FNN of depth $L \ge 2$ with independent "
        r"continuous random weights. With probability 1 no tuning of the last $L-1$ layers (weights and "
        r"biases; the first layer frozen) gives $f = \bar f$, while LoRA with $R \ge \lceil D/L \rceil$ does. "
        r"Parameters: LoRA $2RDL$ ($+DL$ biases), final-layer tuning $(L-1)(D^2+D)$."
    ),
    source=PAPER.at("Lemma 4", page="7, 33"),
    parameters=(
        Parameter("D", description="width", low=2, high=16),
        Parameter("L", description="frozen depth", low=2, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(
        Assumption(
            "R-LIN-assumption",
            statement=r"every $W_l$ non-singular and $\prod_l W_l + \mathrm{LR}_r(\bar W_1 - \prod_l W_l)$ "
            r"non-singular for $r \le R(L-1)$ (for the LoRA side)",
            check=_assumption,
        ),
    ),
    construction=construction,
    construction_summary=(
        "Impossibility: an exact search for x in X with an inactive first-layer unit j, moved along "
        "W_1^-1 e_j inside X while the unit stays inactive (same hidden vector), where fbar differs. "
        "Possibility: R-FNN1's construction. Empirical: Adam on the last L-1 layers (authors' "
        "code)."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    probes=probes,
    depends_on=("R-FNN1",),
    interpretation=(
        "Per instance, 'no final-layer tuning works' is witnessed by a collision pair. The statement as "
        "recalled (X bounded, random weights) fails with positive probability once the frozen biases are "
        "random too: if the first layer is active on all of X (an open condition), final-layer tuning "
        "represents fbar exactly; the verifier refutes such instances with an exact construction."
    ),
    default_examples=10,
    generic_instances=True,  # a probability-one statement: null-set instances do not refute it
    options_schema=dict(DOMAIN_OPTIONS),
)
