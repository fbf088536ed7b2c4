"""The block construction of R-FNN1 / R-UNI / R-GEN, and its certificate on a whole input domain.

Block i of the adapted network (layers P_i) imitates target layer i: R-LIN adapters make the
block's composed weight equal the block target T_i; the biases of the block's inner layers are
chosen from an enclosure of the block's inputs so that those ReLUs act as the identity, and the
last bias cancels what they add. Block i's last pre-activation is then `T_i z + t_i`, the
target's (optionally rescaled by positive diagonals, which ReLU commutes with).

`certify_on_domain` re-derives everything from the domain alone: it encloses every pre-activation
of the inner layers over the whole domain (exact rationals or balls), so that "every needed ReLU is
active on X" is proved, not sampled; then both networks are block-wise the same affine maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from theorems.zeng_lee.models.fnn.domain import Enclosure, affine_enclosure, lower, min_entry, relu_enclosure
from theorems.zeng_lee.models.fnn.model import FNN, Blocks
from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters
from verifier import Comparison, InstanceError, RatMatrix

BIAS_MARGIN = 1  # inner pre-activations are made >= this on the design box (any positive value works)


@dataclass(frozen=True, slots=True)
class Adapted:
    """The adapted network and what each block must reproduce.

    Args:
        net: weights W_l + dW_l and the constructed biases.
        adapters: (B, A) factors per layer (None: dW_l = 0).
        blocks: the partition used (0-based layer indices).
        targets: (T_i, t_i) per block: block i's last pre-activation must be T_i z + t_i.
    """

    net: FNN
    adapters: tuple[tuple[Any, Any] | None, ...]
    blocks: Blocks
    targets: tuple[tuple[Any, Any], ...]


def _mixing(d: int, attempt: int) -> RatMatrix:
    """A fixed unimodular integer matrix (det 1): re-mixes the exact rank factorisation on retry."""
    up = [[1 if i == j else ((i * 7 + j * 3 + attempt) % 3) - 1 if j > i else 0 for j in range(d)] for i in range(d)]
    low = [[up[j][i] for j in range(d)] for i in range(d)]
    return RatMatrix.from_rows(low) @ RatMatrix.from_rows(up)


def block_adapters(ctx: Any, weights: Sequence[Any], target: Any, ranks: Sequence[int]) -> list[tuple[Any, Any] | None]:
    """R-LIN adapters for one block; in exact arithmetic retried with re-mixed factors.

    The exact construction slices an exact rank factorisation E = C F (not an SVD), so its
    partial products can be singular where the SVD-based ones are not; right-multiplying the
    problem by an invertible S changes the factorisation and leaves the adapted product intact
    (only the first adapter's A factor is multiplied by S^-1).
    """
    try:
        return lora_adapters(ctx, weights, target, ranks)
    except InstanceError:
        if ctx.level != "exact":
            raise
    d = ctx.shape(target)[0]
    last: Exception | None = None
    for attempt in range(1, 4):
        s = ctx.load([_mixing(d, attempt)])
        try:
            ads = lora_adapters(ctx, [ctx.mm(weights[0], s), *weights[1:]], ctx.mm(target, s), ranks)
        except InstanceError as e:
            last = e
            continue
        if ads[0] is not None:
            ads[0] = (ads[0][0], ctx.mm(ads[0][1], ctx.inv(s)))
        return ads
    raise InstanceError(f"every exact factorisation tried needs the inverse of a singular partial product ({last})")


def block_targets(ctx: Any, wbar: Sequence[Any], bbar: Sequence[Any],
                  scales: Sequence[tuple[Any, Any]] | None = None) -> list[tuple[Any, Any]]:
    """(T_i, t_i) = (S_i Wbar_i S_{i-1}^-1, S_i bbar_i) with positive diagonal S_i (identity if None)."""
    out = []
    for i, (w, b) in enumerate(zip(wbar, bbar, strict=True)):
        if scales is None:
            out.append((w, b))
            continue
        left = scales[i][0] if i < len(wbar) - 1 else None
        right = scales[i - 1][1] if i > 0 else None
        t_w = w if right is None else ctx.mm(w, right)
        if left is not None:
            t_w, b = ctx.mm(left, t_w), ctx.mm(left, b)
        out.append((t_w, b))
    return out


def adapt(ctx: Any, weights: Sequence[Any], targets: Sequence[tuple[Any, Any]], blocks: Blocks,
          ranks: Sequence[int], design: Enclosure, output_relu: bool = True) -> Adapted:
    """Build the adapted network block by block (R-FNN1 per block).

    Args:
        weights: frozen W_1..W_L.
        targets: (T_i, t_i) per block (see `block_targets`).
        ranks: per-layer LoRA ranks (layer l gets `ranks[l]` rank-one terms of its block's E_i).
        design: enclosure of the inputs the biases are designed for (the adapted network's own
            intermediate values are enclosed from it, block by block).
    """
    d = ctx.shape(weights[0])[0]
    new_w: list[Any] = list(weights)
    new_b: list[Any] = [None] * len(weights)
    adapters: list[tuple[Any, Any] | None] = [None] * len(weights)
    enc = design
    margin = ctx.scale(ctx.ones(d, 1), BIAS_MARGIN)
    for i, blk in enumerate(blocks):
        t_w, t_b = targets[i]
        ads = block_adapters(ctx, [weights[li] for li in blk], t_w, [ranks[li] for li in blk])
        wp = adapted_weights(ctx, [weights[li] for li in blk], ads)
        comp, off = None, ctx.zeros(d, 1)
        for k, li in enumerate(blk):
            adapters[li], new_w[li] = ads[k], wp[k]
            comp = wp[k] if comp is None else ctx.mm(wp[k], comp)
            off = ctx.mm(wp[k], off)
            if k < len(blk) - 1:
                pre = affine_enclosure(ctx, comp, off, enc)
                # lift every pre-activation to >= margin on the design box: max(lower, 0) + margin
                bias = ctx.add(ctx.relu(ctx.scale(lower(ctx, pre), -1)), margin)
                new_b[li], off = bias, ctx.add(off, bias)
            else:
                new_b[li] = ctx.sub(t_b, off)
        pre = affine_enclosure(ctx, comp, t_b, enc)
        enc = pre if i == len(blocks) - 1 and not output_relu else relu_enclosure(ctx, pre)
    return Adapted(FNN(tuple(new_w), tuple(new_b), output_relu), tuple(adapters), blocks, tuple(targets))


@dataclass(frozen=True, slots=True)
class DomainCheck:
    """Comparisons proving f = fbar on X block by block, and the enclosures met on the way.

    Args:
        activity: one comparison per inner layer: its pre-activation lower bound on X is >= 0.
        affine: per block, composed weight and offset against the block target (== 0).
        block_inputs: enclosure of block i's input over X, for every block.
        composed: per block (A_i, o_i): the block's last pre-activation is A_i z + o_i on X.
    """

    activity: tuple[Comparison, ...]
    affine: tuple[Comparison, ...]
    block_inputs: tuple[Enclosure, ...]
    composed: tuple[tuple[Any, Any], ...]


def certify_on_domain(ctx: Any, ad: Adapted, enc: Enclosure, exact: bool = False) -> DomainCheck:
    """Enclose the adapted network over the domain enclosure `enc` and compare it with the targets.

    `exact`: the network and targets are exact rationals (in certified arithmetic, with exact
    shadows), so the affine comparisons are made without a witness tolerance and decided exactly.
    """
    d = ctx.shape(ad.net.weights[0])[0]
    act, aff, inputs, composed = [], [], [], []
    for i, blk in enumerate(ad.blocks):
        inputs.append(enc)
        comp, off = None, ctx.zeros(d, 1)
        for k, li in enumerate(blk):
            w = ad.net.weights[li]
            comp = w if comp is None else ctx.mm(w, comp)
            off = ctx.add(ctx.mm(w, off), ad.net.biases[li])
            if k < len(blk) - 1:
                low = min_entry(ctx, lower(ctx, affine_enclosure(ctx, comp, off, enc)))
                label = f"block {i + 1}, layer {li + 1}: min pre-activation lower bound on X"
                act.append(Comparison(label, low, ">=", 0))
        t_w, t_b = ad.targets[i]
        sw, sb = ctx.maxabs(t_w), ctx.maxabs(t_b)
        aff.append(Comparison(f"block {i + 1}: max|composed weight - target|", ctx.maxabs(ctx.sub(comp, t_w)),
                              "==", 0, tol=None if exact else ctx.witness_tol(sw), scale=sw))
        aff.append(Comparison(f"block {i + 1}: max|composed offset - target bias|", ctx.maxabs(ctx.sub(off, t_b)),
                              "==", 0, tol=None if exact else ctx.witness_tol(sb + 1), scale=sb))
        composed.append((comp, off))
        pre = affine_enclosure(ctx, comp, off, enc)
        enc = pre if i == len(ad.blocks) - 1 and not ad.net.output_relu else relu_enclosure(ctx, pre)
    return DomainCheck(tuple(act), tuple(aff), tuple(inputs), tuple(composed))


def require_active(ctx: Any, check: DomainCheck, what: str) -> None:
    """Raise InstanceError naming the layer when a needed ReLU is certified NOT active on all of X.

    Only certified and exact arithmetic decide this; the float level keeps the comparison (a
    float failure escalates). An undecided ball is left to the checker's precision retries.
    """
    if ctx.level not in ("certified", "exact"):
        return
    for c in check.activity:
        for dec in ctx.decide(c):
            if dec.status == "fails":
                raise InstanceError(
                    f"domain not certified: {what} is too wide for the biases: {c.label} is {dec.lhs} < 0, so a "
                    f"ReLU the construction needs active switches off somewhere on X (no fallback to samples; "
                    f"use a smaller box or design the biases for this box: options bias_box_lo/bias_box_hi)")
