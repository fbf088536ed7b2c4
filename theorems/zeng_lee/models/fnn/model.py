"""The fully connected ReLU network of the paper, written once against `Context`, plus partitions.

`z_0 = x`, `z_l = ReLU(W_l z_{l-1} + b_l)`; the output layer's ReLU is a model option (on by
default, as in the authors' code). Inputs are D x N matrices whose columns are the inputs; biases
are D x 1 columns broadcast with `ctx.mm(b, ctx.ones(1, N))`. The same code runs in exact,
certified, mp and (batched) float arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier import InstanceError

Blocks = tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class FNN:
    """A ReLU network in one arithmetic: layer l computes ReLU(W_l z + b_l) (W_1 acts first).

    Args:
        weights: the D x D weight matrices, first layer first.
        biases: the D x 1 bias columns, one per layer.
        output_relu: whether the last layer applies ReLU (the authors' code does).
    """

    weights: tuple[Any, ...]
    biases: tuple[Any, ...]
    output_relu: bool = True

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.biases) or not self.weights:
            raise InstanceError(f"an FNN needs as many biases as weights (>= 1), got {len(self.weights)} "
                                f"weights and {len(self.biases)} biases")

    @property
    def depth(self) -> int:
        return len(self.weights)


def forward(ctx: Any, net: FNN, x: Any) -> Any:
    """The network's output on the columns of `x` (a D x N matrix of inputs)."""
    return layer_outputs(ctx, net, x)[-1]


def layer_outputs(ctx: Any, net: FNN, x: Any) -> list[Any]:
    """[z_1, ..., z_L]: every layer's output (after its ReLU, where it has one)."""
    ones = ctx.ones(1, ctx.shape(x)[1])
    z, out = x, []
    for idx, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        pre = ctx.add(ctx.mm(w, z), ctx.mm(b, ones))
        z = pre if idx == net.depth - 1 and not net.output_relu else ctx.relu(pre)
        out.append(z)
    return out


def absolute(ctx: Any, a: Any) -> Any:
    """Entrywise |a| = ReLU(a) + ReLU(-a), exact in every arithmetic."""
    return ctx.add(ctx.relu(a), ctx.relu(ctx.scale(a, -1)))


# -- partitions -------------------------------------------------------------------------------

def uniform_partition(L: int, Lbar: int) -> Blocks:
    """The paper's uniform partition: M = floor(L/Lbar) layers per block, the last takes the rest.

    Returns 0-based layer indices per block. Raises InstanceError unless 1 <= Lbar <= L.
    """
    if not 1 <= Lbar <= L:
        raise InstanceError(f"the uniform partition needs 1 <= Lbar <= L, got L={L}, Lbar={Lbar}")
    m = L // Lbar
    blocks = [tuple(range(m * i, m * (i + 1))) for i in range(Lbar - 1)]
    blocks.append(tuple(range(m * (Lbar - 1), L)))
    return tuple(blocks)


def partition_from_sizes(sizes: Sequence[int], L: int) -> Blocks:
    """Consecutive blocks of the given sizes. Raises InstanceError unless they are >= 1 and sum to L."""
    if not sizes or any((not isinstance(s, int)) or isinstance(s, bool) or s < 1 for s in sizes) or sum(sizes) != L:
        raise InstanceError(f"a partition of L={L} layers needs positive integer block sizes summing to {L}, "
                            f"got {list(sizes)}")
    out, start = [], 0
    for s in sizes:
        out.append(tuple(range(start, start + s)))
        start += s
    return tuple(out)


def compositions(L: int, Lbar: int) -> list[tuple[int, ...]]:
    """Every way to write L as an ordered sum of Lbar positive block sizes (for witness search)."""
    if Lbar == 1:
        return [(L,)]
    return [(first, *rest) for first in range(1, L - Lbar + 2) for rest in compositions(L - first, Lbar - 1)]


def block_budget_ranks(blocks: Blocks, rank: int, use: int | None = None) -> tuple[int, ...]:
    """Per-layer ranks: `rank` on the first `use` layers of every block (all layers if None), 0 after.

    R-UNI's construction gives rank R to M layers of each block: the assumption A-UNI covers
    corrections of rank <= R(M-1) only, so the last block's extra layers stay frozen.
    """
    out = [0] * sum(len(b) for b in blocks)
    for blk in blocks:
        for k, li in enumerate(blk):
            out[li] = rank if use is None or k < use else 0
    return tuple(out)


# -- the instance format ----------------------------------------------------------------------

def fnn_shapes(D: int, L: int, Lbar: int) -> dict[str, Any]:
    """Instance-file shapes: frozen W, b (L layers) and target Wbar, bbar (Lbar layers)."""
    return {"W": [(D, D)] * L, "b": [(D, 1)] * L, "Wbar": [(D, D)] * Lbar, "bbar": [(D, 1)] * Lbar}


def fnn_constraints(p: Mapping[str, int]) -> str | None:
    """Parameter constraints shared by the FNN specs with a target depth and a LoRA rank."""
    if p["Lbar"] > p["L"]:
        return f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"
    return None if p["R"] <= p["D"] else f"need R <= D, got R={p['R']} > D={p['D']}"


def option(options: Mapping[str, Any], name: str, default: Any) -> Any:
    """An instance option, or its default when the instance does not set it."""
    v = options.get(name)
    return default if v is None else v
