"""Theorem 5 / Theorem 6 (error part): the proof's construction as an exact rational witness.

The construction is Theorem 3's below its threshold: per block P_i, R-LIN adapters toward the block
target Wbar_i with rank R_l on layer l (an SVD slice of E^(i) = Wbar_i - prod_{P_i} W_l, so the
block's composed weight is prod W + LR_{RM_i}(E^(i))), inner biases lifting every inner
pre-activation of the block to >= 1 on a box enclosing BOTH the adapted network's and the target's
values at the block's input (over the whole domain X: the proof's implicit step T14), and the
block's last bias bbar_i. Where the block's rank budget covers rank(E^(i)) the adapters are built in
exact arithmetic; below it the SVD is irrational, so the float64 construction is rounded to dyadic
rationals: the adapters stay in factor form B A with R_l columns (rank <= R_l exactly), and every
claim then reads one exact rational network, in every arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from theorems.zeng_lee.models.fnn.domain import (
    Domain,
    Enclosure,
    affine_enclosure,
    box_enclosure,
    domain_from_options,
    lower,
    relu_enclosure,
)
from theorems.zeng_lee.models.fnn.model import Blocks
from theorems.zeng_lee.models.linear import lora_adapters
from verifier import Instance, InstanceError, RatMatrix, exact_product, exact_rank

BIAS_MARGIN = Fraction(1)  # inner pre-activations are lifted to >= this on the design box


@dataclass(frozen=True, slots=True)
class Witness:
    """The construction as exact rationals.

    Args:
        weights: W_l + B_l A_l (W_l where the layer gets no adapter).
        biases: the constructed biases.
        adapters: (B_l, A_l) per layer, or None.
        blocks: the partition (0-based layer indices per block).
        ranks: R_l per layer.
        exact_blocks: per block, whether its adapters are the exact construction (budget >= rank(E^(i)))
            or the float64 one rounded to dyadic rationals.
    """

    weights: tuple[RatMatrix, ...]
    biases: tuple[RatMatrix, ...]
    adapters: tuple[tuple[RatMatrix, RatMatrix] | None, ...]
    blocks: Blocks
    ranks: tuple[int, ...]
    exact_blocks: tuple[bool, ...]


def _rat(a: Any) -> RatMatrix:
    """An fmpq_mat or a float64 tensor of shape (1, m, n) / (m, n) as an exact RatMatrix."""
    if hasattr(a, "numpy"):
        arr = a.detach().cpu().numpy()
        return RatMatrix.from_numpy(arr[0] if arr.ndim == 3 else arr)
    return RatMatrix(a.nrows(), a.ncols(), tuple(Fraction(int(x.p), int(x.q)) for x in a.entries()))


def _block_adapters(ws: Sequence[RatMatrix], target: RatMatrix, ranks: Sequence[int],
                    exact: bool) -> list[tuple[RatMatrix, RatMatrix] | None]:
    from verifier import get_context

    if exact:
        from theorems.zeng_lee.models.fnn.construct import block_adapters

        ctx = get_context("exact")
        with ctx.session():
            ads = block_adapters(ctx, [ctx.load([w]) for w in ws], ctx.load([target]), list(ranks))
    else:
        ctx = get_context("float", dtype="float64")
        with ctx.session():
            ads = lora_adapters(ctx, [ctx.load([w]) for w in ws], ctx.load([target]), list(ranks))
            import torch

            if any(ad is not None and not bool(torch.isfinite(ad[0]).all() and torch.isfinite(ad[1]).all())
                   for ad in ads):
                raise InstanceError("the float64 construction inverts a (numerically) singular product")
    return [None if ad is None else (_rat(ad[0]), _rat(ad[1])) for ad in ads]


def _hull(ctx: Any, a: Enclosure, b: Enclosure) -> Enclosure:
    """The smallest box containing two boxes (exact arithmetic)."""
    from flint import fmpq_mat

    lo = [min(x, y) for x, y in zip(ctx.sub(a.center, a.radius).entries(), ctx.sub(b.center, b.radius).entries(),
                                       strict=True)]
    hi = [max(x, y) for x, y in zip(ctx.add(a.center, a.radius).entries(), ctx.add(b.center, b.radius).entries(),
                                       strict=True)]
    n = len(lo)
    return Enclosure(fmpq_mat(n, 1, [(u + v) / 2 for u, v in zip(lo, hi, strict=True)]),
                     fmpq_mat(n, 1, [(v - u) / 2 for u, v in zip(lo, hi, strict=True)]))


def build_witness(W: Sequence[RatMatrix], Wbar: Sequence[RatMatrix], bbar: Sequence[RatMatrix], blocks: Blocks,
                  ranks: Sequence[int], dom: Domain, output_relu: bool = True) -> Witness:
    """The proof's construction (module docstring), as exact rationals; biases designed on all of X."""
    from verifier import get_context

    d = W[0].nrows
    new_w, adapters = list(W), [None] * len(W)
    exact_blocks = []
    for i, blk in enumerate(blocks):
        ws = [W[li] for li in blk]
        budget = sum(ranks[li] for li in blk)
        exact = budget >= exact_rank(Wbar[i] - exact_product(ws, d))
        ads = _block_adapters(ws, Wbar[i], [ranks[li] for li in blk], exact)
        exact_blocks.append(exact)
        for li, ad in zip(blk, ads, strict=True):
            adapters[li] = ad
            if ad is not None:
                new_w[li] = W[li] + ad[0] @ ad[1]
    ctx = get_context("exact")
    biases: list[Any] = [None] * len(W)
    with ctx.session():
        enc_hat = enc_bar = box_enclosure(ctx, dom)
        one = ctx.scale(ctx.ones(d, 1), BIAS_MARGIN)
        for i, blk in enumerate(blocks):
            design = _hull(ctx, enc_hat, enc_bar)
            comp, off = None, ctx.zeros(d, 1)
            for k, li in enumerate(blk):
                w = ctx.load([new_w[li]])
                comp = w if comp is None else ctx.mm(w, comp)
                off = ctx.mm(w, off)
                if k < len(blk) - 1:
                    pre = affine_enclosure(ctx, comp, off, design)
                    bias = ctx.add(ctx.relu(ctx.scale(lower(ctx, pre), -1)), one)
                    biases[li], off = bias, ctx.add(off, bias)
                else:
                    tb = ctx.load([bbar[i]])
                    biases[li] = ctx.sub(tb, off)
            last = i == len(blocks) - 1 and not output_relu
            pre_hat = affine_enclosure(ctx, comp, ctx.load([bbar[i]]), enc_hat)
            pre_bar = affine_enclosure(ctx, ctx.load([Wbar[i]]), ctx.load([bbar[i]]), enc_bar)
            enc_hat = pre_hat if last else relu_enclosure(ctx, pre_hat)
            enc_bar = pre_bar if last else relu_enclosure(ctx, pre_bar)
        bias_rat = tuple(_rat(x) for x in biases)
    return Witness(tuple(new_w), bias_rat, tuple(adapters), blocks, tuple(ranks), tuple(exact_blocks))


def _key(inst: Instance) -> tuple[Any, ...]:
    return (inst.theorem, tuple(sorted(inst.parameters.items())), tuple(sorted(inst.matrices.items())),
            tuple(sorted((k, repr(v)) for k, v in inst.options.items())))


_CACHE: dict[tuple[Any, ...], Witness] = {}


def witness_of(inst: Instance, blocks: Blocks, ranks: Sequence[int], output_relu: bool) -> Witness:
    """The instance's witness (cached: every claim and arithmetic reads the same one)."""
    key = (_key(inst), blocks, tuple(ranks), output_relu)
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.pop(next(iter(_CACHE)))
        m = inst.matrices
        dom = domain_from_options(inst.options, inst.p("D"))
        check_support(m["X"], dom)
        _CACHE[key] = build_witness(m["W"], m["Wbar"], m["bbar"], blocks, ranks, dom, output_relu)
    return _CACHE[key]


def check_support(points: RatMatrix, dom: Domain) -> None:
    """The law's support must lie in the domain X the construction is designed for (exact)."""
    for j in range(points.ncols):
        x = [points.entries[i * points.ncols + j] for i in range(points.nrows)]
        if not dom.contains(x):
            raise InstanceError(f"support point {j + 1} of the law (column {j + 1} of X) lies outside the domain "
                                f"{dom.describe()}; the construction is designed for X")


@lru_cache(maxsize=256)
def block_rank(e: RatMatrix) -> int:
    return exact_rank(e)


__all__ = ["BIAS_MARGIN", "Witness", "block_rank", "build_witness", "check_support", "witness_of"]
