"""General partitions and per-layer ranks (Assumption 2, Lemma 11, Theorem 6): instance options, random and
structured instances shared by A-GEN, R-RANDGEN, R-GEN and R-GENERR."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn import partition_from_sizes, random_fnn, uniform_partition
from theorems.zeng_lee.models.fnn.model import Blocks
from verifier import Instance, InstanceError, RatMatrix, exact_product, exact_rank

OPTIONS: dict[str, Any] = {
    "partition": {"type": "list of Lbar positive integers summing to L", "default": "uniform partition",
                  "description": "block sizes |P_1|, ..., |P_Lbar| (consecutive layers)"},
    "ranks": {"type": "list of L integers in 0..D", "default": "rank(E^(i)) split evenly in each block",
              "description": "per-layer LoRA ranks R_1, ..., R_L"},
}


def blocks_of(params: Mapping[str, int], options: Mapping[str, Any]) -> Blocks:
    big_l, lbar = params["L"], params["Lbar"]
    sizes = options.get("partition")
    if sizes is None:
        return uniform_partition(big_l, lbar)
    if not isinstance(sizes, list) or len(sizes) != lbar:
        raise InstanceError(f"options.partition must list Lbar={lbar} block sizes, got {sizes!r}")
    return partition_from_sizes(sizes, big_l)


def error_ranks(inst: Instance) -> list[int]:
    """Exact rank(E^(i)) = rank(Wbar_i - prod_{l in P_i} W_l) per block."""
    d = inst.p("D")
    w, wbar = inst.matrices["W"], inst.matrices["Wbar"]
    return [exact_rank(wbar[i] - exact_product([w[li] for li in blk], d))
            for i, blk in enumerate(blocks_of(inst.parameters, inst.options))]


def split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if k < extra else 0) for k in range(parts)]


def ranks_of(inst: Instance) -> list[int]:
    """options.ranks, or rank(E^(i)) split evenly inside each block."""
    d, big_l = inst.p("D"), inst.p("L")
    raw = inst.options.get("ranks")
    if raw is None:
        out = [0] * big_l
        for blk, k in zip(blocks_of(inst.parameters, inst.options), error_ranks(inst), strict=True):
            for li, r in zip(blk, split(k, len(blk)), strict=True):
                out[li] = r
        return out
    if not isinstance(raw, list) or len(raw) != big_l or any(not isinstance(r, int) or not 0 <= r <= d for r in raw):
        raise InstanceError(f"options.ranks must list L={big_l} integers in 0..D={d}, got {raw!r}")
    return list(raw)


def budgets_cover(inst: Instance) -> bool:
    """sum_{l in P_i} R_l >= rank(E^(i)) for every block (Theorem 6's exact-part hypothesis)."""
    ranks = ranks_of(inst)
    blocks = blocks_of(inst.parameters, inst.options)
    return all(sum(ranks[li] for li in blk) >= k for blk, k in zip(blocks, error_ranks(inst), strict=True))


def random_partition(rng: np.random.Generator, big_l: int, lbar: int) -> list[int]:
    cuts = sorted(rng.choice(np.arange(1, big_l), size=lbar - 1, replace=False).tolist()) if lbar > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, big_l], strict=True)]


def random_ranks(rng: np.random.Generator, d: int, blocks: Blocks, totals: Sequence[int]) -> list[int]:
    """Hand out totals[i] rank-one terms to random layers of block i (at most D per layer)."""
    ranks = [0] * sum(len(b) for b in blocks)
    for blk, total in zip(blocks, totals, strict=True):
        for _ in range(min(total, d * len(blk))):
            free = [li for li in blk if ranks[li] < d]
            ranks[int(rng.choice(free))] += 1
    return ranks


def partitioned(theorem: str, rng: np.random.Generator, params: Mapping[str, int], index: int,
                short: bool = False, error_ranks: Sequence[int] | None = None) -> Instance:
    """A random partition and rank allocation; block error ranks k_i (random, or given), the allocation
    covering each k_i (one short in block 1 when `short`)."""
    d, big_l, lbar = params["D"], params["L"], params["Lbar"]
    sizes = random_partition(rng, big_l, lbar)
    blocks = partition_from_sizes(sizes, big_l)
    ks = list(error_ranks) if error_ranks is not None else [int(rng.integers(1, d + 1)) for _ in range(lbar)]
    totals = [k - (1 if short and i == 0 else 0) for i, k in enumerate(ks)]
    ranks = random_ranks(rng, d, blocks, totals)
    mats = random_fnn(rng, d, big_l, lbar, blocks=blocks, error_ranks=ks)
    return Instance(theorem, dict(params), mats, options={"partition": sizes, "ranks": ranks}, seed=index)


def singular_target_block(theorem: str, rng: np.random.Generator, d: int, index: int) -> Instance:
    """One block of two layers, R = (1, 1), and a singular target Wbar = W_2 W_1 (I - v v^T / v^T v): E^(1) has
    rank 1 <= R_1, so Lemma 10's hypothesis (Q + LR_1(E) = Wbar non-singular) fails exactly, while the printed
    Assumption 2 (W_2 W_1 + LR_1(Wbar - W_1)) holds for generic weights."""
    mats = dict(random_fnn(rng, d, 2, 1))
    v = [int(x) for x in rng.integers(1, 4, size=d)]
    q = exact_product(list(mats["W"]), d)
    mats["Wbar"] = (q @ RatMatrix.from_rows(_rational_projector(v)),)
    return Instance(theorem, {"D": d, "L": 2, "Lbar": 1}, mats, options={"partition": [2], "ranks": [1, 1]},
                    seed=index)


def _rational_projector(v: Sequence[int]) -> list[list[str]]:
    """I - v v^T / (v^T v) with exact rational entries (as strings p/q)."""
    from fractions import Fraction

    n = sum(x * x for x in v)
    return [[str(Fraction(int(i == j)) - Fraction(v[i] * v[j], n)) for j in range(len(v))] for i in range(len(v))]


__all__ = ["OPTIONS", "blocks_of", "budgets_cover", "error_ranks", "partitioned", "random_partition", "random_ranks",
           "ranks_of", "singular_target_block", "split"]
