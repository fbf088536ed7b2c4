"""Building blocks shared by the FNN specs: random instances, the block construction bound to an
instance, and the comparisons of the "f = fbar on X" claims (certified on the whole domain, and
sampled)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import sqrt
from typing import Any

import numpy as np

from theorems.zeng_lee.models.fnn.construct import (
    Adapted,
    DomainCheck,
    adapt,
    block_targets,
    certify_on_domain,
    require_active,
)
from theorems.zeng_lee.models.fnn.domain import (
    Domain,
    bias_design_box,
    box_enclosure,
    domain_from_options,
    sample_inputs,
)
from theorems.zeng_lee.models.fnn.model import (
    FNN,
    Blocks,
    block_budget_ranks,
    forward,
    layer_outputs,
    option,
    partition_from_sizes,
    uniform_partition,
)
from theorems.zeng_lee.models.fnn.plan import refute_all_active
from verifier import Comparison, Instance, InstanceError, RatMatrix, Refutation, exact_product

GRID = 2**10  # random entries are multiples of 1/GRID: exact with small denominators


def dyadic_gaussian(rng: np.random.Generator, m: int, n: int, scale: float) -> RatMatrix:
    """An m x n matrix of N(0, scale^2) entries rounded to the dyadic grid (exact)."""
    return RatMatrix.from_numpy(np.round(rng.standard_normal((m, n)) * scale * GRID) / GRID)


def lowrank_dyadic(rng: np.random.Generator, d: int, k: int, scale: float) -> np.ndarray:
    """A d x d float array of rank k (a.s.) with dyadic entries: small integer factors times 2^-e."""
    if k == 0:
        return np.zeros((d, d))
    c = rng.integers(-2, 3, size=(d, k)).astype(float)
    f = rng.integers(-2, 3, size=(k, d)).astype(float)
    e = int(np.ceil(np.log2(max(1.0, sqrt(2.0 * k) / scale))))
    return (c @ f) * 2.0**-e


def random_fnn(rng: np.random.Generator, d: int, big_l: int, lbar: int, blocks: Blocks | None = None,
               error_ranks: Sequence[int] | None = None, bias_scale: float = 0.5,
               first_bias_shift: float = 0.0, target_gain: float = 1.0) -> dict[str, tuple[RatMatrix, ...]]:
    """A frozen FNN (depth L) and a target (depth Lbar) with Gaussian N(0, 1/D) weights.

    With `error_ranks`, target layer i is prod_{l in P_i} W_l plus an exact rank-k_i correction
    (so rank(E_i) = k_i); otherwise it is Gaussian with standard deviation `target_gain`/sqrt(D)
    (rank(E_i) = D almost surely). `first_bias_shift` is added to the frozen first layer's bias.
    """
    w = tuple(dyadic_gaussian(rng, d, d, 1 / sqrt(d)) for _ in range(big_l))
    b = [dyadic_gaussian(rng, d, 1, bias_scale) for _ in range(big_l)]
    if first_bias_shift:
        b[0] = RatMatrix.from_numpy(b[0].to_numpy() + first_bias_shift)
    if error_ranks is None:
        wbar = tuple(dyadic_gaussian(rng, d, d, target_gain / sqrt(d)) for _ in range(lbar))
    else:
        blocks = blocks or uniform_partition(big_l, lbar)
        mats = []
        for i, blk in enumerate(blocks):
            corr = RatMatrix.from_numpy(lowrank_dyadic(rng, d, error_ranks[i], 1 / sqrt(d)))
            mats.append(exact_product([w[li] for li in blk], d) + corr)
        wbar = tuple(mats)
    bbar = tuple(dyadic_gaussian(rng, d, 1, bias_scale) for _ in range(lbar))
    return {"W": w, "b": tuple(b), "Wbar": wbar, "bbar": bbar}


def dims(params: Mapping[str, int]) -> tuple[int, int, int]:
    """(D, L, Lbar) of an FNN instance (Lbar = 1 where the theorem has no such parameter)."""
    return params["D"], params["L"], params.get("Lbar", 1)


def domain_of(inst: Instance) -> Domain:
    return domain_from_options(inst.options, inst.p("D"))


def output_relu_of(options: Mapping[str, Any]) -> bool:
    v = option(options, "output_relu", True)
    if not isinstance(v, bool):
        raise InstanceError(f"options.output_relu must be true or false, got {v!r}")
    return v


def uniform_blocks(params: Mapping[str, int]) -> Blocks:
    _d, big_l, lbar = dims(params)
    return uniform_partition(big_l, lbar)


def uniform_ranks(params: Mapping[str, int], rank: int) -> tuple[int, ...]:
    """R-UNI's allocation: rank R on the first M layers of every block."""
    _d, big_l, lbar = dims(params)
    return block_budget_ranks(uniform_partition(big_l, lbar), rank, big_l // lbar)


@dataclass(frozen=True, slots=True)
class Built:
    """A construction bound to one instance (or float batch), with its certificate on X."""

    adapted: Adapted
    domain: Domain
    check: DomainCheck
    ranks: tuple[int, ...]


def build(ctx: Any, b: Any, blocks: Blocks, ranks: Sequence[int],
          scales: Sequence[tuple[Any, Any]] | None = None,
          targets: Sequence[tuple[Any, Any]] | None = None) -> Built:
    """The block construction for `blocks`/`ranks`, biases designed for the bias box, checked on X.

    `targets` replaces the blocks' targets (T_i, t_i) (default: the target layers, rescaled by
    `scales`); Lemma 9 below its threshold aims block 1 at prod W + LR(E) instead of Wbar_1.
    """
    d = b.params["D"]
    dom = domain_from_options(b.options, d)
    relu_out = output_relu_of(b.options)
    tg = list(targets) if targets is not None else block_targets(ctx, b.m("Wbar"), b.m("bbar"), scales)
    ad = adapt(ctx, list(b.m("W")), tg, blocks, ranks, box_enclosure(ctx, bias_design_box(b.options, dom)), relu_out)
    return Built(ad, dom, certify_on_domain(ctx, ad, box_enclosure(ctx, dom)), tuple(ranks))


def domain_comparisons(ctx: Any, built: Built) -> list[Comparison]:
    """f = fbar on all of X: every needed ReLU active (enclosures), block affine maps equal."""
    require_active(ctx, built.check, "the domain " + built.domain.describe())
    return list(built.check.activity + built.check.affine)


def sampled_comparisons(ctx: Any, b: Any, net: FNN) -> list[Comparison]:
    """max |f(x) - fbar(x)| over the sampled inputs (float evidence only)."""
    dom = domain_from_options(b.options, b.params["D"])
    n = int(option(b.options, "samples", 512))
    x = sample_inputs(ctx, dom, n, int(option(b.options, "sample_seed", 0)))
    target = FNN(tuple(b.m("Wbar")), tuple(b.m("bbar")), output_relu_of(b.options))
    fb = forward(ctx, target, x)
    outs = layer_outputs(ctx, net, x)
    # rounding errors scale with the largest intermediate activation (the construction's adapters
    # and inner biases can be large), so that is the scale of the float slack
    scale = ctx.maxabs(fb)
    for z in outs:
        scale = _larger(ctx, scale, ctx.maxabs(z))
    return [Comparison(f"max over {n} sampled inputs of |f(x) - fbar(x)|", ctx.maxabs(ctx.sub(outs[-1], fb)),
                       "<=", 0, scale=scale)]


def _larger(ctx: Any, a: Any, b: Any) -> Any:
    if ctx.level == "float":
        import torch

        return torch.maximum(a, b)
    if ctx.level == "certified":
        return a.max(b)
    return max(a, b)


def rank_comparisons(ctx: Any, built: Built) -> list[Comparison]:
    """rank(dW_l) <= R_l for every adapter (exact rank, or the factor width elsewhere)."""
    out = []
    for li, ad in enumerate(built.adapted.adapters):
        if ad is None:
            continue
        size = ctx.rank(ctx.mm(*ad)) if ctx.level == "exact" else ctx.shape(ad[0])[1]
        out.append(Comparison(f"rank(dW_{li + 1}) vs R_{li + 1}", size, "<=", built.ranks[li]))
    return out or [Comparison("rank(dW) (all adapters zero)", 0, "<=", 0)]


def refute_total_rank(inst: Instance, total_rank: int) -> Refutation | None:
    """The all-active impossibility certificate for this instance (see `refute_all_active`)."""
    return refute_all_active(inst.matrices["W"], inst.matrices["Wbar"], inst.matrices["bbar"], domain_of(inst),
                             output_relu_of(inst.options), total_rank)


def plan_from_aux(b: Any) -> tuple[Blocks, tuple[int, ...], list[tuple[Any, Any]]]:
    """The plan stored in the aux data (the same for every instance of a float batch)."""
    insts = b.instances
    key = [(i.aux["plan_sizes"].entries, i.aux["plan_ranks"].entries) for i in insts]
    if any(k != key[0] for k in key):
        raise InstanceError("instances of one float batch use different plans; they are checked one by one")
    sizes = [int(x) for x in key[0][0]]
    ranks = tuple(int(x) for x in key[0][1])
    for inst in insts:
        _validate_scales(inst)
    blocks = partition_from_sizes(sizes, inst.p("L"))
    return blocks, ranks, list(zip(b.m("plan_scale"), b.m("plan_scale_inv"), strict=True))


def _validate_scales(inst: Instance) -> None:
    """A plan read from aux data (possibly a user's file) is only sound with positive diagonal scales,
    exact inverses, the identity after the last block, and ranks within R: check all of it exactly."""
    scales, invs = inst.aux["plan_scale"], inst.aux["plan_scale_inv"]
    ranks = inst.aux["plan_ranks"].entries
    if len(ranks) != inst.p("L") or any(r < 0 or r != int(r) or r > inst.p("R") for r in ranks):
        raise InstanceError(f"aux.plan_ranks must be L={inst.p('L')} integers in 0..R={inst.p('R')}")
    if not isinstance(scales, tuple) or len(scales) != len(invs) or len(scales) != inst.p("Lbar"):
        raise InstanceError("aux.plan_scale and aux.plan_scale_inv must list Lbar matrices each")
    d = inst.p("D")
    for k, (s, si) in enumerate(zip(scales, invs, strict=True)):
        rows, irows = s.rows(), si.rows()
        diag = [rows[i][i] for i in range(d)]
        if any(rows[i][j] != 0 for i in range(d) for j in range(d) if i != j) or any(v <= 0 for v in diag):
            raise InstanceError(f"aux.plan_scale[{k}] must be a diagonal matrix with positive entries")
        if any(irows[i][j] != (1 / diag[i] if i == j else 0) for i in range(d) for j in range(d)):
            raise InstanceError(f"aux.plan_scale_inv[{k}] must be the exact inverse of aux.plan_scale[{k}]")
        if k == len(scales) - 1 and any(v != 1 for v in diag):
            raise InstanceError("aux.plan_scale after the last block must be the identity (the output is not rescaled)")


# -- A-UNI and thresholds ----------------------------------------------------------------------

A_UNI_STATEMENT = (r"every $W_l$ is non-singular and $\prod_{l \in P_i} W_l + \mathrm{LR}_r(E_i)$ is non-singular "
                   r"for all $r \le R(M-1)$ and every block $i$ of the uniform partition")


def a_uni_check(inst: Instance) -> Any:
    """A-UNI for the instance's R: exact determinants, certified singular values for LR_r."""
    from theorems.zeng_lee.models.fnn.assume import corrections_assumption

    _d, big_l, lbar = dims(inst.parameters)
    m = big_l // lbar
    return corrections_assumption(inst.matrices["W"], inst.matrices["Wbar"], uniform_partition(big_l, lbar),
                                  [inst.p("R") * (m - 1)] * lbar)


def uniform_block_ranks(inst: Instance) -> list[int]:
    """Exact rank(E_i) for the blocks of the uniform partition."""
    from theorems.zeng_lee.models.fnn.plan import block_ranks

    return block_ranks(inst.matrices["W"], inst.matrices["Wbar"], uniform_blocks(inst.parameters))


def uni_threshold_of(inst: Instance) -> int:
    """R-UNI's threshold ceil(max_i rank(E_i) / M) (exact ranks)."""
    _d, big_l, lbar = dims(inst.parameters)
    return -(-max(uniform_block_ranks(inst)) // (big_l // lbar))


def construction_exact(ctx: Any, built: Built) -> tuple[bool, str]:
    """Whether every comparison of the domain certificate holds, and why not (exact/certified)."""
    try:
        comps = domain_comparisons(ctx, built)
    except InstanceError as e:
        return False, str(e)
    bad = [c.label for c in comps if any(d.status != "holds" for d in ctx.decide(c))]
    return not bad, ("" if not bad else "not exact: " + bad[0])


def sweep_uniform(inst: Instance, r_max: int | None = None, stop_at_first: bool = False,
                  r_min: int = 1) -> list[dict[str, Any]]:
    """The uniform construction swept over R' = r_min..r_max in exact arithmetic (JSON-friendly rows).

    Each row: R, whether the construction is exact on all of X (certified: ReLUs active, affine maps
    equal), and whether the all-active certificate proves that no rank-R' adapters can be exact.
    """
    from verifier import get_context

    d, big_l, _lbar = dims(inst.parameters)
    ctx = get_context("exact")
    rows = []
    blocks = uniform_blocks(inst.parameters)
    for r in range(r_min, (d if r_max is None else r_max) + 1):
        row: dict[str, Any] = {"R": r}
        try:
            with ctx.session():
                b = ctx.bind([inst])
                ok, why = construction_exact(ctx, build(ctx, b, blocks, uniform_ranks(inst.parameters, r)))
        except InstanceError as e:
            ok, why = False, f"construction undefined: {e}"
        row["exact_on_X"], row["note"] = ok, why
        ref = refute_total_rank(inst, r * big_l)
        row["impossible"] = ref is not None
        rows.append(row)
        if stop_at_first and row["exact_on_X"]:
            break
    return rows


def first_exact(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The first R of a sweep at which the construction is exact (None if none)."""
    return next((int(r["R"]) for r in rows if r["exact_on_X"]), None)


def float_warm_start(inst: Instance, blocks: Blocks, ranks: Sequence[int],
                     rank: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] | None:
    """The float64 construction's LoRA factors (padded to `rank` columns) and biases, as a start
    for gradient descent; None when the construction is undefined."""
    from verifier import get_context

    ctx = get_context("float")
    try:
        built = build(ctx, ctx.bind([inst]), blocks, ranks)
    except (InstanceError, RuntimeError):
        return None
    d = inst.p("D")
    bs, as_, biases = [], [], []
    for ad, bias in zip(built.adapted.adapters, built.adapted.net.biases, strict=True):
        bm, am = np.zeros((d, rank)), np.zeros((rank, d))
        if ad is not None:
            k = min(rank, ad[0].shape[-1])
            bm[:, :k] = ad[0][0, :, :k].numpy()
            am[:k] = ad[1][0, :k].numpy()
        bs.append(bm)
        as_.append(am)
        biases.append(bias.reshape(d, 1).numpy().copy())
    return bs, as_, biases
