"""R-ERR (Theorem 5): below the threshold, the expected error of the best rank-R adaptation is
bounded by the block errors s_{RM+1}(E_i), with the constants as THEOREMS.md recalls them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    A_UNI_STATEMENT,
    DOMAIN_OPTIONS,
    FNN,
    a_uni_check,
    absolute,
    box_enclosure,
    build,
    dims,
    domain_of,
    float_warm_start,
    fnn_constraints,
    fnn_shapes,
    gd_lora,
    mc_ucb,
    naive_sup_error,
    output_relu_of,
    random_fnn,
    require_active,
    stated_bound,
    sup_error_bound,
    target_enclosures,
    uniform_blocks,
    uniform_ranks,
)
from verifier import Assumption, Claim, Comparison, Instance, InstanceError, Parameter, Theorem

ID = "R-ERR"

OPTIONS = {
    **DOMAIN_OPTIONS,
    "samples": {"type": "integer", "default": 4096, "minimum": 1, "maximum": 100_000,
                "description": "Monte Carlo inputs, uniform on X"},
    "confidence": {"type": "number in (0, 1)", "default": 0.99, "description": "level of the Hoeffding bound"},
}


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


constraints = fnn_constraints


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian models, R below (mostly) or at the threshold; every third target has small weights
    (gain 0.25), where the stated bound is tightest. x is uniform on X = [-1, 1]^D (or a ball)."""
    gain = 0.25 if index % 3 == 2 else 1.0
    opts: dict[str, Any] = {"domain": "ball", "ball_radius": 1} if index % 4 == 3 else {}
    if params is None:
        d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 6))
        lbar = int(rng.integers(1, min(big_l, 3) + 1))
        thr = -(-d // (big_l // lbar))
        params = {"D": d, "L": big_l, "Lbar": lbar, "R": int(rng.integers(1, min(thr, d) + 1))}
    d, big_l, lbar = dims(params)
    return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar, target_gain=gain), options=opts, seed=index)


def _m(p: Mapping[str, int]) -> int:
    _d, big_l, lbar = dims(p)
    return big_l // lbar


@dataclass(frozen=True)
class ErrConstruction:
    """Theorem 3's construction below the threshold, the target network and the stated bound."""

    built: Any
    target: Any
    bound: Any


def construction(ctx: Any, b: Any) -> ErrConstruction:
    if ctx.level == "exact":
        raise InstanceError("R-ERR's bound involves singular values and square roots: not exact")
    d, r = b.params["D"], b.params["R"]
    blocks = uniform_blocks(b.params)
    built = build(ctx, b, blocks, uniform_ranks(b.params, r))
    ws, wbar, bbar = list(b.m("W")), list(b.m("Wbar")), list(b.m("bbar"))
    errs = [
        ctx.sv(ctx.sub(wbar[i], ctx.prod([ws[li] for li in blk], d)), r * _m(b.params) + 1)
        for i, blk in enumerate(blocks)
    ]
    target = FNN(tuple(wbar), tuple(bbar), output_relu_of(b.options))
    return ErrConstruction(built, target, stated_bound(ctx, built.domain, wbar, bbar, errs))


def _sup(ctx: Any, c: dict[str, Any]) -> Any:
    built = c.built
    return sup_error_bound(ctx, built.check.composed, c.target, box_enclosure(ctx, built.domain), built.domain)


def _certified(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    built = c.built
    require_active(ctx, built.check, "the domain " + built.domain.describe())
    bound = c.bound
    return [
        *built.check.activity,
        Comparison(
            "certified sup_X ||f(x) - fbar(x)||_2 (>= the expectation) vs the stated bound",
            _sup(ctx, c),
            "<=",
            bound,
            tol=ctx.witness_tol(bound),
            scale=bound,
        ),
    ]


def _hoeffding(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    built, target, bound = c.built, c.target, c.bound
    _mean, ucb = mc_ucb(ctx, built.domain, b.options, built.adapted.net, target, _sup(ctx, c))
    if b.has("gd_B"):  # a gradient-descent witness, with a range from enclosures of both networks
        import torch

        ws = [ctx.add(w, ctx.mm(p, q)) for w, p, q in zip(b.m("W"), b.m("gd_B"), b.m("gd_A"), strict=True)]
        net = FNN(tuple(ws), tuple(b.m("gd_b")), target.output_relu)
        rng = naive_sup_error(ctx, net, target, box_enclosure(ctx, built.domain))
        ucb = torch.minimum(ucb, mc_ucb(ctx, built.domain, b.options, net, target, rng)[1])
    # the float slack is relative to what the outputs were computed from: the bound may be 0
    # (an exact construction) while f(x) and fbar(x) are of the target's size
    out = target_enclosures(ctx, target, box_enclosure(ctx, built.domain))[-1]
    size = ctx.norm2(ctx.add(absolute(ctx, out.center), out.radius))
    return [
        *built.check.activity,
        Comparison(
            "Hoeffding upper confidence bound on E||f(x) - fbar(x)||_2 (x uniform on X) vs the stated bound",
            ucb,
            "<=",
            bound,
            scale=bound + size,
        ),
    ]


def probes(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    """Gradient descent on LoRA factors and biases, only where the construction misses the bound."""
    from verifier import get_context

    ctx = get_context("float")
    try:
        b = ctx.bind([inst])
        c = construction(ctx, b)
        ucb = float(mc_ucb(ctx, c.built.domain, inst.options, c.built.adapted.net, c.target, _sup(ctx, c))[1])
        if ucb <= float(c.bound):
            return {}
    except (InstanceError, RuntimeError):
        pass
    r = inst.p("R")
    warm = float_warm_start(inst, uniform_blocks(inst.parameters), uniform_ranks(inst.parameters, r), r)
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


STATEMENT = (
    r"Under A-UNI, the uniform partition, any $R$ and a random input with $E[x x^T] = \Sigma$, there are "
    r"adapters of rank $\le R$ and biases with $E\|f(x) - \bar f(x)\|_2 \le \beta \sum_{i=1}^{\bar L} "
    r"(\max_k(\|\bar W_k\|_F + E_k))^{\bar L - i} E_i$, "
    r"$E_i = \sigma_{RM+1}(\bar W_i - \prod_{l \in P_i} W_l)$, "
    r"$\beta = \max_i(\sqrt{\|\Sigma\|_F} \prod_{j \le i} \|\bar W_j\|_F + \sum_{j \le i} \prod_{k=j+1}^{i-1} "
    r"\|\bar W_k\|_F \|\bar b_j\|_2) \vee \sqrt{\|\Sigma\|_F}$."
)

CLAIMS = (
    Claim(
        "expected-error-certified",
        statement=r"the construction's $\sup_{\mathcal X} \|f - \bar f\|_2$ (certified: inner ReLUs "
                  r"active on $\mathcal X$, "
        r"Lipschitz propagation of the block residuals) is at most the stated bound, hence so is the expectation "
        r"for any input distribution on $\mathcal X$",
        quantifier="exists",
        levels=("float", "certified"),
        evaluate=_certified,
    ),
    Claim(
        "expected-error-hoeffding",
        statement=r"Monte Carlo evidence (its own kind: statistical, float arithmetic): the one-sided Hoeffding upper "
        r"confidence bound (level options.confidence, default 99%, from options.samples uniform inputs and the "
        r"range $\sup_{\mathcal X}\|f - \bar f\|$) on $E\|f(x) - \bar f(x)\|_2$ is at most the stated bound "
        r"(witness: the construction, or a gradient-descent one where it misses)",
        quantifier="exists",
        levels=("float",),
        evaluate=_hoeffding,
        uses_probes=True,
    ),
)

R_ERR = Theorem(
    id=ID,
    title="Error of rank-R LoRA below the threshold (constants as recalled)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 5", page="6, 29-31"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(Assumption("A-UNI", statement=A_UNI_STATEMENT, check=a_uni_check),),
    construction=construction,
    construction_summary=(
        "R-UNI's construction with rank-R adapters (the SVD slices give block residuals "
        "s_{RM+1}(E_i)); x uniform on X, so Sigma = E[x x^T] is exact (box: "
        "diag((lo^2+lo hi+hi^2)/3) plus the mean's outer product; ball: r^2/(D+2) I plus c c^T)."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    probes=probes,
    depends_on=("R-UNI", "A-UNI"),
    interpretation=(
        "The input distribution is uniform on the bounded domain X (the construction needs a bounded "
        "support; a Gaussian input has none). Two kinds of evidence: a certified bound on the supremum "
        "(which bounds the expectation for every distribution on X), and a Monte Carlo Hoeffding bound "
        "(statistical evidence at the stated confidence, computed in float). beta's index range is "
        "taken literally (i = 1..Lbar). A witness above the bound leaves the existential claim "
        "unresolved."
    ),
    default_examples=10,
    options_schema=OPTIONS,
)
