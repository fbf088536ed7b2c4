"""R-GEN (Corollary 4): any partition and per-layer ranks; exact when every block's rank budget
covers rank(E_i), so the total number of LoRA parameters needed does not depend on how the rank is
allocated across the layers of a block."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    DOMAIN_OPTIONS,
    Built,
    block_ranks,
    build,
    corrections_assumption,
    dims,
    domain_comparisons,
    fnn_shapes,
    partition_from_sizes,
    random_fnn,
    rank_comparisons,
    refute_total_rank,
    sampled_comparisons,
    uniform_partition,
)
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    InstanceError,
    Parameter,
    Theorem,
)

ID = "R-GEN"

OPTIONS = {
    **DOMAIN_OPTIONS,
    "partition": {
        "type": "list of Lbar positive integers summing to L",
        "default": "uniform partition",
        "description": "block sizes |P_1|, ..., |P_Lbar| (consecutive layers)",
    },
    "ranks": {
        "type": "list of L non-negative integers <= D",
        "default": "rank(E_i) split evenly in each block",
        "description": "per-layer LoRA ranks R_1, ..., R_L",
    },
}


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def _split(total: int, parts: int, front: bool = True) -> list[int]:
    base, extra = divmod(total, parts)
    out = [base + (1 if k < extra else 0) for k in range(parts)]
    return out if front else out[::-1]


def blocks_of(inst_or_params: Any, options: Mapping[str, Any]) -> Any:
    params = inst_or_params
    _d, big_l, lbar = dims(params)
    sizes = options.get("partition")
    if sizes is None:
        return uniform_partition(big_l, lbar)
    if not isinstance(sizes, list) or len(sizes) != lbar:
        raise InstanceError(f"options.partition must list Lbar={lbar} block sizes, got {sizes!r}")
    return partition_from_sizes(sizes, big_l)


def ranks_of(inst: Instance) -> list[int]:
    """The instance's per-layer ranks (options.ranks), or rank(E_i) split evenly inside each block."""
    d, big_l, _lbar = dims(inst.parameters)
    raw = inst.options.get("ranks")
    blocks = blocks_of(inst.parameters, inst.options)
    if raw is None:
        out = [0] * big_l
        for blk, k in zip(blocks, error_ranks(inst), strict=True):
            for li, r in zip(blk, _split(k, len(blk)), strict=True):
                out[li] = r
        return out
    if not isinstance(raw, list) or len(raw) != big_l or any(not isinstance(r, int) or not 0 <= r <= d for r in raw):
        raise InstanceError(f"options.ranks must list L={big_l} integers in 0..D={d}, got {raw!r}")
    return list(raw)


def error_ranks(inst: Instance) -> list[int]:
    return block_ranks(inst.matrices["W"], inst.matrices["Wbar"], blocks_of(inst.parameters, inst.options))


def budgets_cover(inst: Instance) -> bool:
    ranks = ranks_of(inst)
    blocks = blocks_of(inst.parameters, inst.options)
    return all(sum(ranks[li] for li in blk) >= k for blk, k in zip(blocks, error_ranks(inst), strict=True))


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """A random partition, block error ranks k_i and a random allocation of each k_i over the block's
    layers (every fifth instance one rank short, where the claim does not apply)."""
    if params is None:
        d, big_l = int(rng.integers(2, 7)), int(rng.integers(2, 7))
        params = {"D": d, "L": big_l, "Lbar": int(rng.integers(1, min(big_l, 3) + 1))}
    d, big_l, lbar = dims(params)
    cuts = sorted(rng.choice(np.arange(1, big_l), size=lbar - 1, replace=False).tolist()) if lbar > 1 else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, big_l], strict=True)]
    blocks = partition_from_sizes(sizes, big_l)
    ks = [int(rng.integers(1, d + 1)) for _ in range(lbar)]
    ranks = [0] * big_l
    for i, blk in enumerate(blocks):
        budget = ks[i] - (1 if index % 5 == 4 and i == 0 else 0)
        for _ in range(budget):  # hand out rank-one terms to random layers of the block (at most D each)
            free = [li for li in blk if ranks[li] < d]
            ranks[int(rng.choice(free))] += 1
    mats = random_fnn(rng, d, big_l, lbar, blocks=blocks, error_ranks=ks)
    return Instance(ID, dict(params), mats, options={"partition": sizes, "ranks": ranks}, seed=index)


def construction(ctx: Any, b: Any) -> Built:
    inst = b.instances[0]
    if any(i.options != inst.options for i in b.instances):
        raise InstanceError("instances of one float batch use different partitions; they are checked one by one")
    return build(ctx, b, blocks_of(b.params, b.options), ranks_of(inst))


def _allocations(blocks: Sequence[Sequence[int]], ks: Sequence[int], big_l: int) -> dict[str, list[int]]:
    out = {}
    for name in ("first-layer", "last-layer", "even"):
        ranks = [0] * big_l
        for blk, k in zip(blocks, ks, strict=True):
            if name == "even":
                parts = _split(k, len(blk))
            else:
                parts = [k] + [0] * (len(blk) - 1) if name == "first-layer" else [0] * (len(blk) - 1) + [k]
            for li, r in zip(blk, parts, strict=True):
                ranks[li] = r
        out[name] = ranks
    return out


def _constant_total(ctx: Any, b: Any, c: dict[str, Any]) -> list[Comparison]:
    """Three allocations with sum_{l in P_i} R_l = rank(E_i): each exact on X, each 2D sum_i rank(E_i) parameters."""
    inst = b.instances[0]
    d, big_l, _lbar = dims(b.params)
    blocks = blocks_of(b.params, b.options)
    ks = error_ranks(inst)
    out = []
    for name, ranks in _allocations(blocks, ks, big_l).items():
        built = build(ctx, b, blocks, ranks)
        out += domain_comparisons(ctx, built)
        out.append(
            Comparison(
                f"allocation {name}: LoRA parameters 2D sum_l R_l vs 2D sum_i rank(E_i)",
                2 * d * sum(ranks),
                "==",
                2 * d * sum(ks),
            )
        )
    return out


def _assumption(inst: Instance) -> AssumptionResult:
    blocks = blocks_of(inst.parameters, inst.options)
    ranks = ranks_of(inst)
    return corrections_assumption(
        inst.matrices["W"],
        inst.matrices["Wbar"],
        blocks,
        [sum(ranks[li] for li in blk) - ranks[blk[-1]] for blk in blocks],
    )


STATEMENT = (
    r"For a partition $P$ of the layers and per-layer ranks $R_l$, under the matching non-singularity "
    r"assumption, if $\sum_{l \in P_i} R_l \ge \mathrm{rank}(\bar W_i - \prod_{l \in P_i} W_l)$ for every "
    r"block $i$, then $f = \bar f$ on bounded $\mathcal X$ for some adapters with $\mathrm{rank}(\Delta W_l) "
    r"\le R_l$ and biases. Consequently the total number of LoRA parameters needed is the same whatever "
    r"the allocation of rank across the layers."
)

CLAIMS = (
    Claim(
        "exact-on-domain",
        statement=r"if $\sum_{l \in P_i} R_l \ge \mathrm{rank}(E_i)$ for every block: $f = \bar f$ "
                  r"on all of $\mathcal X$ "
        r"(certified on the domain)",
        quantifier="exists",
        levels=("float", "certified", "exact"),
        evaluate=lambda ctx, b, c: domain_comparisons(ctx, c),
        applies=budgets_cover,
        refute=lambda inst: refute_total_rank(inst, sum(ranks_of(inst))),
    ),
    Claim(
        "adapter-rank",
        statement=r"every constructed adapter has $\mathrm{rank}(\Delta W_l) \le R_l$",
        quantifier="forall",
        levels=("float", "certified", "exact"),
        evaluate=lambda ctx, b, c: rank_comparisons(ctx, c),
    ),
    Claim(
        "sampled-agreement",
        statement=r"$f(x) = \bar f(x)$ on sampled inputs (float evidence only)",
        quantifier="exists",
        levels=("float",),
        evaluate=lambda ctx, b, c: sampled_comparisons(ctx, b, c.adapted.net),
        applies=budgets_cover,
    ),
    Claim(
        "constant-total-parameters",
        statement=r"the allocations 'all on the first layer', 'all on the last layer' and 'even' of "
                  r"$\mathrm{rank}(E_i)$ over "
        r"each block are all exact on $\mathcal X$ and all use $2D \sum_i \mathrm{rank}(E_i)$ LoRA parameters",
        quantifier="exists",
        levels=("exact",),
        evaluate=_constant_total,
    ),
)

R_GEN = Theorem(
    id=ID,
    title="General partitions and per-layer ranks: exact when every block's rank budget covers rank(E_i)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 6", page="7, 32"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
    ),
    assumptions=(
        Assumption(
            "A-GEN",
            statement=r"every $W_l$ non-singular and $\prod_{P_i} W_l + \mathrm{LR}_r(E_i)$ non-singular for "
            r"$r \le \sum_{l \in P_i} R_l - R_{\max P_i}$ (the R-LIN assumption of each block)",
            check=_assumption,
        ),
    ),
    construction=construction,
    construction_summary=(
        "Per block, R-LIN with per-layer ranks (layer l gets R_l rank-one terms of E_i), inner "
        "biases from an enclosure of X, last bias matching bbar_i; as in R-UNI."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-LIN", "R-UNI"),
    interpretation=(
        "The partition and the per-layer ranks are instance options (defaults: the uniform partition and "
        "rank(E_i) split evenly). 'The same whatever the allocation' is checked on three allocations per "
        "instance that sum to rank(E_i) per block; that fewer parameters cannot work is not certified "
        "(no valid impossibility certificate per block exists for ReLU networks in general)."
    ),
    default_examples=10,
    options_schema=OPTIONS,
)
