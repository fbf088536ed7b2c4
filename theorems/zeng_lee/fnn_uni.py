"""R-UNI (Theorem 3): LoRA on a multi-layer FNN with the uniform partition; exact above
ceil(max_i rank(E_i) / M), hence above ceil(D / M)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    A_UNI_STATEMENT,
    DOMAIN_OPTIONS,
    Built,
    a_uni_check,
    build,
    dims,
    domain_comparisons,
    first_exact,
    fnn_shapes,
    random_fnn,
    rank_comparisons,
    refute_total_rank,
    sampled_comparisons,
    sweep_uniform,
    uni_threshold_of,
    uniform_blocks,
    uniform_ranks,
)
from verifier import Assumption, Claim, Comparison, Instance, InstanceError, Parameter, Theorem

ID = "R-UNI"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    if p["Lbar"] > p["L"]:
        return f"the target is at most as deep as the frozen model: need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"
    if p["R"] > p["D"]:
        return f"a LoRA rank above the width is meaningless: need R <= D, got R={p['R']} > D={p['D']}"
    return None


def _options(index: int) -> dict[str, Any]:
    # vary the domain and the output ReLU across instances (box [-1, 1]^D is the default)
    if index % 4 == 3:
        return {"domain": "ball", "ball_radius": 1}
    if index % 5 == 4:
        return {"output_relu": False}
    return {}


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian frozen and target FNNs; every third target has low-rank block errors (rank k_i), so
    thresholds vary; R is at, above or (for the sweep) below the threshold. Index 11 is the
    largest default size (D=16, L=8, Lbar=4, at the threshold)."""
    if params is not None:
        d, big_l, lbar = dims(params)
        mats = random_fnn(rng, d, big_l, lbar)
        return Instance(ID, dict(params), mats, options=_options(index), seed=index)
    if index % 12 == 11:
        d, big_l, lbar = 16, 8, 4
    else:
        d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 7))
        lbar = int(rng.integers(1, min(big_l, 3) + 1))
    m = big_l // lbar
    ranks = [int(rng.integers(0, d + 1)) for _ in range(lbar)] if index % 3 == 1 else None
    thr = -(-(max(ranks) if ranks else d) // m) or 1
    mode = index % 4
    r = {0: thr, 1: min(d, thr + 1), 2: -(-d // m), 3: max(1, thr - 1)}[mode]
    mats = random_fnn(rng, d, big_l, lbar, error_ranks=ranks)
    return Instance(ID, {"D": d, "L": big_l, "Lbar": lbar, "R": min(r, d)}, mats, options=_options(index), seed=index)


def construction(ctx: Any, b: Any) -> Built:
    return build(ctx, b, uniform_blocks(b.params), uniform_ranks(b.params, b.params["R"]))


def _exact(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    return domain_comparisons(ctx, c)


def _sampled(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    return sampled_comparisons(ctx, b, c.adapted.net)


def _ranks(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    return rank_comparisons(ctx, c)


def _sweep(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    inst = b.instances[0]
    thr = uni_threshold_of(inst)
    # Sweep from R' = 0 when the threshold is 0 (every E_i = 0: biases alone must do).
    rows = sweep_uniform(inst, r_max=thr, stop_at_first=True, r_min=min(thr, 1))
    first = first_exact(rows)
    if first is None:  # the construction itself missed at the threshold: the sweep says nothing
        raise InstanceError(
            f"sweep inconclusive: at R' = {thr} the construction is not certified exact ({rows[-1].get('note', '')})"
        )
    return [
        Comparison("first R' at which the uniform construction is exact on X (sweep R' = 1, 2, ...)", first, "==", thr)
    ]


def _m(inst: Instance) -> int:
    _d, big_l, lbar = dims(inst.parameters)
    return big_l // lbar


def refute(inst: Instance) -> Any:
    return refute_total_rank(inst, inst.p("R") * inst.p("L"))


STATEMENT = (
    r"Let $M = \lfloor L/\bar L \rfloor$ and $E_i = \bar W_i - \prod_{l \in P_i} W_l$ for the uniform "
    r"partition. Under A-UNI and a bounded input domain $\mathcal X$, if "
    r"$R \ge \lceil \max_i \mathrm{rank}(E_i) / M \rceil$ there are adapters of rank $\le R$ and biases "
    r"with $f = \bar f$ on $\mathcal X$; in particular $R \ge \lceil D/M \rceil$ always suffices."
)

CLAIMS = (
    Claim(
        "exact-above-threshold",
        statement=r"if $R \ge \lceil \max_i \mathrm{rank}(E_i)/M \rceil$: $f = \bar f$ on all of "
                  r"$\mathcal X$ (every ReLU the "
        r"construction needs is certified active on $\mathcal X$ by enclosures; the block affine maps are equal)",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=_exact,
        threshold=uni_threshold_of,
        refute=refute,
    ),
    Claim(
        "exact-above-D-over-M",
        statement=r"corollary form: if $R \ge \lceil D/M \rceil$ then $f = \bar f$ on all of $\mathcal X$",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=_exact,
        threshold=lambda inst: -(-inst.p("D") // _m(inst)),
        refute=refute,
    ),
    Claim(
        "adapter-rank",
        statement=r"every constructed adapter has $\mathrm{rank}(\Delta W_l) \le R$",
        quantifier="forall",
        levels=("float", "certified", "exact"),
        evaluate=_ranks,
    ),
    Claim(
        "sampled-agreement",
        statement=r"above the threshold, $f(x) = \bar f(x)$ on sampled inputs of $\mathcal X$ (float evidence only)",
        quantifier="exists",
        levels=("float",),
        evaluate=_sampled,
        threshold=uni_threshold_of,
    ),
    Claim(
        "threshold-sweep",
        statement=r"sweeping $R' = 1, 2, \dots$, the first rank at which the construction is exact "
                  r"on $\mathcal X$ is the "
        r"stated threshold $\lceil \max_i \mathrm{rank}(E_i)/M \rceil$ (the full table: benchmarks/sweep_runi.py)",
        quantifier="forall",
        levels=("exact",),
        evaluate=_sweep,
    ),
)

R_UNI = Theorem(
    id=ID,
    title="LoRA on multi-layer FNNs (uniform partition): exact above ceil(max rank(E_i)/M)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 3", page="6, 28"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
    ),
    assumptions=(Assumption("A-UNI", statement=A_UNI_STATEMENT, check=a_uni_check),),
    construction=construction,
    construction_summary=(
        "Uniform partition P_i (M = floor(L/Lbar) layers, the last block takes the rest). Block i: "
        "R-LIN adapters of rank R on M of its layers make the block's weight product equal Wbar_i; "
        "inner biases lift every inner pre-activation to >= 1 on an enclosure of the "
        "block's inputs over X (so those ReLUs are the identity); the last bias cancels them and "
        "adds bbar_i. Exact arithmetic uses an exact rank factorisation, float/certified an SVD."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-FNN1", "A-UNI"),
    interpretation=(
        "'f = fbar on X' is certified on the whole domain, not on samples: inner pre-activations are "
        "enclosed over X (exact rationals or balls) and proved >= 0, then each block's last "
        "pre-activation is the same affine map as the target layer's. A box too wide for the designed "
        "biases makes the claim inconclusive with that reason. Refutation uses the all-active "
        "certificate (valid for ReLU networks); it can only refute when rank(prod Wbar - prod W) > R L."
    ),
    default_examples=12,
    options_schema=dict(DOMAIN_OPTIONS),
)
