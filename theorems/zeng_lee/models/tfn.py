"""The transformers of Zeng & Lee (multi-head, p8 and p36-37; single-head, p33-34), written once against `Context`.

Block l (columns of Z are tokens, softmax normalises each column):

    Attn_l(Z) = sum_h W_Ol^h W_Vl^h Z softmax((W_Kl^h Z)^T W_Ql^h Z)      (multi-head)
    Attn_l(Z) = W_Vl Z softmax((W_Kl Z)^T W_Ql Z)                          (single-head: no W_O)
    H_l = ReLU(W_1l Attn_l(Z_{l-1}) + b_1l 1^T),   Z_l = W_2l H_l + b_2l 1^T,   Z_0 = X,

and the output is softmax(W_o Z_L) (THEOREMS.md, "Models"): no skip connection, no layer norm.
The hidden states H_l and Z_l are returned as well, since the proof's steps (K1, K4-K6) speak of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifier import Bound, Context, Instance, InstanceError, RatMatrix

#: Per-head weight names of one TFN (the target's carry the suffix "bar"); lists are block-major.
HEAD_NAMES = ("WQ", "WK", "WV", "WO")
SINGLE_NAMES = ("WQ", "WK", "WV")


@dataclass(frozen=True, slots=True)
class TFN:
    """The weights of one transformer in one arithmetic; `wq[l][h]` is head h of block l (0-based).

    `wo` is None for the single-head model (its attention has no output matrix W_O).
    """

    wq: tuple[tuple[Any, ...], ...]
    wk: tuple[tuple[Any, ...], ...]
    wv: tuple[tuple[Any, ...], ...]
    wo: tuple[tuple[Any, ...], ...] | None
    w1: tuple[Any, ...]
    b1: tuple[Any, ...]
    w2: tuple[Any, ...]
    b2: tuple[Any, ...]
    wout: Any

    @property
    def L(self) -> int:
        return len(self.w1)

    @property
    def H(self) -> int:
        return len(self.wq[0])

    @property
    def single(self) -> bool:
        return self.wo is None


def is_single(p: Mapping[str, int]) -> bool:
    """Single-head specs have no parameter H."""
    return "H" not in p


def tfn_shapes(p: Mapping[str, int]) -> dict[str, Any]:
    """Instance-file shapes of both TFNs: per-head lists have L*H entries, index (l-1)*H + (h-1)
    (L entries and no WO for the single-head model, whose parameters have no H)."""
    d, big_l = p["D"], p["L"]
    big_h = 1 if is_single(p) else p["H"]
    sq, col = (d, d), (d, 1)
    out: dict[str, Any] = {}
    for suffix in ("", "bar"):
        for n in SINGLE_NAMES if is_single(p) else HEAD_NAMES:
            out[n + suffix] = [sq] * (big_l * big_h)
        out["W1" + suffix], out["b1" + suffix] = [sq] * big_l, [col] * big_l
        out["W2" + suffix], out["b2" + suffix] = [sq] * big_l, [col] * big_l
        out["Wout" + suffix] = sq
    return out


def load_tfn(b: Bound, target: bool = False) -> TFN:
    """The frozen (or, with `target`, the target) TFN of a bound instance, in `b.ctx`'s arithmetic."""
    s = "bar" if target else ""
    big_h = 1 if is_single(b.params) else b.params["H"]

    def heads(name: str) -> tuple[tuple[Any, ...], ...]:
        flat = b.m(name + s)
        return tuple(tuple(flat[i:i + big_h]) for i in range(0, len(flat), big_h))

    wo = None if is_single(b.params) else heads("WO")
    return TFN(heads("WQ"), heads("WK"), heads("WV"), wo, tuple(b.m("W1" + s)), tuple(b.m("b1" + s)),
               tuple(b.m("W2" + s)), tuple(b.m("b2" + s)), b.m("Wout" + s))


def rat_tfn(m: Mapping[str, Any], p: Mapping[str, int], target: bool = False) -> TFN:
    """The same TFN from an instance's exact matrices (RatMatrix entries, no arithmetic)."""
    s = "bar" if target else ""
    big_h = 1 if is_single(p) else p["H"]

    def heads(name: str) -> tuple[tuple[Any, ...], ...]:
        flat = m[name + s]
        return tuple(tuple(flat[i:i + big_h]) for i in range(0, len(flat), big_h))

    wo = None if is_single(p) else heads("WO")
    return TFN(heads("WQ"), heads("WK"), heads("WV"), wo, tuple(m["W1" + s]), tuple(m["b1" + s]),
               tuple(m["W2" + s]), tuple(m["b2" + s]), m["Wout" + s])


def load_rat(ctx: Context, net: TFN, size: int = 1) -> TFN:
    """Load an exact TFN (RatMatrix fields, e.g. from `rat_tfn` or a witness) into `ctx`.

    With `size` > 1 (a float batch) each field is a list of `size` RatMatrix, one per instance.
    """
    def ld(x: Any) -> Any:
        return ctx.load(list(x) if size > 1 else [x])

    def heads(hs: Any) -> Any:
        return None if hs is None else tuple(tuple(ld(w) for w in row) for row in hs)

    return TFN(heads(net.wq), heads(net.wk), heads(net.wv), heads(net.wo), tuple(ld(w) for w in net.w1),
               tuple(ld(w) for w in net.b1), tuple(ld(w) for w in net.w2), tuple(ld(w) for w in net.b2),
               ld(net.wout))


# -- the forward pass ----------------------------------------------------------------------

def softmax_cols(ctx: Context, s: Any) -> Any:
    """Column softmax; in exact arithmetic only where it is rational (every column constant: 1/m each).

    Raises:
        InstanceError: in exact arithmetic when some column is not constant (exp is irrational).
    """
    if ctx.transcendental:
        return ctx.softmax_cols(s)
    m, n = ctx.shape(s)
    if ctx.maxabs(ctx.sub(s, ctx.mm(ctx.ones(m, 1), ctx.rows(s, 0, 1)))) != 0:
        raise InstanceError("softmax of a non-constant column is irrational: the exact model evaluates "
                            "only inputs whose columns are constant (e.g. N = 1 or repeated tokens)")
    return ctx.scale(ctx.ones(m, n), ctx.const(1) / m)


def scores(ctx: Context, net: TFN, i: int, h: int, z: Any) -> Any:
    """(W_K^h Z)^T (W_Q^h Z) of block i (0-based), head h."""
    return ctx.mm(ctx.T(ctx.mm(net.wk[i][h], z)), ctx.mm(net.wq[i][h], z))


def attention(ctx: Context, net: TFN, i: int, z: Any) -> Any:
    """Attn of block i (0-based): sum_h W_O^h W_V^h Z softmax(scores) (W_V Z softmax(scores) for one head)."""
    out = None
    for h in range(net.H):
        value = net.wv[i][h] if net.wo is None else ctx.mm(net.wo[i][h], net.wv[i][h])
        head = ctx.mm(value, z, softmax_cols(ctx, scores(ctx, net, i, h, z)))
        out = head if out is None else ctx.add(out, head)
    return out


@dataclass(frozen=True, slots=True)
class Trace:
    """Every intermediate of one forward pass: H_1..H_L, Z_0..Z_L, W_o Z_L and the output."""

    hidden: tuple[Any, ...]
    z: tuple[Any, ...]
    logits: Any
    output: Any


def run(ctx: Context, net: TFN, x: Any, softmax_output: bool = True) -> Trace:
    """The forward pass on an input X (D x N, columns are tokens), keeping every intermediate."""
    ones = ctx.ones(1, ctx.shape(x)[1])
    hs, zs = [], [x]
    for i in range(net.L):
        pre = ctx.add(ctx.mm(net.w1[i], attention(ctx, net, i, zs[-1])), ctx.mm(net.b1[i], ones))
        hs.append(ctx.relu(pre))
        zs.append(ctx.add(ctx.mm(net.w2[i], hs[-1]), ctx.mm(net.b2[i], ones)))
    logits = ctx.mm(net.wout, zs[-1])
    return Trace(tuple(hs), tuple(zs), logits, softmax_cols(ctx, logits) if softmax_output else None)


def forward(ctx: Context, net: TFN, x: Any) -> Any:
    """The TFN output softmax(W_o Z_L) for an input X (D x N)."""
    return run(ctx, net, x).output


def sample_inputs(inst: Instance, count: int) -> list[RatMatrix]:
    """`count` exact inputs X (D x N): the instance's aux "X" if it has them, else seeded N(0, 1) dyadics.

    Raises:
        InstanceError: when an input in aux "X" is not D x N.
    """
    d, n = inst.p("D"), inst.p("N")
    if "X" in inst.aux:
        xs = inst.aux["X"]
        xs = list(xs if isinstance(xs, tuple) else (xs,))
        for k, x in enumerate(xs):
            if x.shape != (d, n):
                raise InstanceError(f"aux.X[{k}]: expected an input of shape {d}x{n} (D x N) but got "
                                    f"{x.nrows}x{x.ncols}")
        return xs[:count]
    rng = np.random.default_rng([d, n, inst.seed or 0, 11])
    return [RatMatrix.from_numpy(np.round(rng.standard_normal((d, n)) * 256) / 256) for _ in range(count)]


def load_inputs(ctx: Context, b: Bound, count: int) -> list[Any]:
    """The first `count` sample inputs of every instance of the batch, as this arithmetic's matrices."""
    xs = [sample_inputs(inst, count) for inst in b.instances]
    return [ctx.load([row[k] for row in xs]) for k in range(min(len(r) for r in xs))]


__all__ = ["HEAD_NAMES", "SINGLE_NAMES", "TFN", "Trace", "attention", "forward", "is_single", "load_inputs",
           "load_rat", "load_tfn", "rat_tfn", "run", "sample_inputs", "scores", "softmax_cols", "tfn_shapes"]
