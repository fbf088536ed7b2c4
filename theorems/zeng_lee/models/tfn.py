"""The transformer (TFN) of Zeng & Lee and the R-TFN construction, written once against `Context`.

Block l (columns of Z are tokens, softmax normalises each column):

    A_l = sum_h W_O^h W_V^h Z_{l-1} softmax((W_K^h Z_{l-1})^T (W_Q^h Z_{l-1}))
    Z_l = W_2l ReLU(W_1l A_l + b_1l 1^T) + b_2l 1^T,        output W_o Z_L (no bias).

Residual connections and a (parameter-free) layer norm are model options, off by default: the
theorem is about the model without them. The construction solves three two-layer linear problems
per block with the R-LIN construction; `pair_targets` states them once for every arithmetic, so
the exact rank gaps G_i and the adapters come from the same formulas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Any

from theorems.zeng_lee.models.linear import lora_adapters
from verifier import Bound, Context, Instance, InstanceError, RatMatrix, get_context

#: Per-head weight names of one TFN (the target's carry the suffix "bar"); their lists are block-major.
HEAD_NAMES = ("WQ", "WK", "WV", "WO")


@dataclass(frozen=True, slots=True)
class TFNOptions:
    """Model switches beyond the paper's TFN (both off: the model the theorem is about)."""

    residual: bool = False
    layer_norm: bool = False

    @classmethod
    def from_mapping(cls, opts: Mapping[str, Any]) -> TFNOptions:
        """Validate instance options. Raises InstanceError on an unknown key or a non-bool value."""
        for k, v in opts.items():
            if k not in ("residual", "layer_norm"):
                raise InstanceError(f"unknown TFN option {k!r}; expected 'residual' or 'layer_norm'")
            if not isinstance(v, bool):
                raise InstanceError(f"TFN option {k} must be true or false but got {v!r}")
        return cls(**dict(opts))


@dataclass(frozen=True, slots=True)
class TFN:
    """The weights of one transformer in one arithmetic; `wq[l][h]` is head h of block l (0-based)."""

    wq: tuple[tuple[Any, ...], ...]
    wk: tuple[tuple[Any, ...], ...]
    wv: tuple[tuple[Any, ...], ...]
    wo: tuple[tuple[Any, ...], ...]
    w1: tuple[Any, ...]
    b1: tuple[Any, ...]
    w2: tuple[Any, ...]
    b2: tuple[Any, ...]
    wout: Any
    options: TFNOptions = TFNOptions()

    @property
    def L(self) -> int:
        return len(self.w1)

    @property
    def H(self) -> int:
        return len(self.wq[0])


def tfn_shapes(p: Mapping[str, int]) -> dict[str, Any]:
    """Instance-file shapes of both TFNs: per-head lists have L*H entries, index (l-1)*H + (h-1)."""
    d, big_l, big_h = p["D"], p["L"], p["H"]
    sq, col = (d, d), (d, 1)
    out: dict[str, Any] = {}
    for suffix in ("", "bar"):
        for n in HEAD_NAMES:
            out[n + suffix] = [sq] * (big_l * big_h)
        out["W1" + suffix], out["b1" + suffix] = [sq] * big_l, [col] * big_l
        out["W2" + suffix], out["b2" + suffix] = [sq] * big_l, [col] * big_l
        out["Wout" + suffix] = sq
    return out


def load_tfn(b: Bound, target: bool = False) -> TFN:
    """The frozen (or, with `target`, the target) TFN of a bound instance, in `b.ctx`'s arithmetic."""
    s = "bar" if target else ""
    big_h = b.params["H"]

    def heads(name: str) -> tuple[tuple[Any, ...], ...]:
        flat = b.m(name + s)
        return tuple(tuple(flat[i:i + big_h]) for i in range(0, len(flat), big_h))

    return TFN(heads("WQ"), heads("WK"), heads("WV"), heads("WO"), tuple(b.m("W1" + s)), tuple(b.m("b1" + s)),
               tuple(b.m("W2" + s)), tuple(b.m("b2" + s)), b.m("Wout" + s), TFNOptions.from_mapping(b.options))


# -- the forward pass ----------------------------------------------------------------------

def _combine_cols(ctx: Context, cols: Sequence[Any]) -> Any:
    """[c_1 ... c_N] from N column vectors, as sum_j c_j e_j^T (only through ctx)."""
    n = len(cols)
    eye = ctx.eye(n)
    out = None
    for j, c in enumerate(cols):
        term = ctx.mm(c, ctx.rows(eye, j, j + 1))
        out = term if out is None else ctx.add(out, term)
    return out


def softmax_cols(ctx: Context, s: Any) -> Any:
    """Column softmax; in exact arithmetic only where it is rational (every column constant: 1/N each).

    Raises:
        InstanceError: in exact arithmetic when some column is not constant (exp is irrational).
    """
    if ctx.level != "exact":
        return ctx.softmax_cols(s)
    m, n = ctx.shape(s)
    if ctx.maxabs(ctx.sub(s, ctx.mm(ctx.ones(m, 1), ctx.rows(s, 0, 1)))) != 0:
        raise InstanceError("softmax of a non-constant column is irrational: the exact model evaluates "
                            "only inputs whose score columns are constant (e.g. N = 1 or repeated tokens)")
    return ctx.mm(ctx.ones(m, 1), ctx.inv(ctx.scale(ctx.ones(1, 1), m)), ctx.ones(1, n))


def layer_norm(ctx: Context, z: Any) -> Any:
    """Parameter-free layer norm of each column: centre it, scale it to norm sqrt(D).

    There is no epsilon, so a column that is constant before centring (always when D = 1) has no
    layer norm: the result is then not finite.

    Raises:
        InstanceError: in exact arithmetic (the norm is irrational).
    """
    if ctx.level == "exact":
        raise InstanceError("layer norm is not rational: use the certified, mp or float arithmetic")
    d, n = ctx.shape(z)
    # 1/D and sqrt(D) = ||1||_2 in the context's own numbers, so that balls stay rigorous
    mean = ctx.mm(ctx.ones(d, 1), ctx.inv(ctx.scale(ctx.ones(1, 1), d)), ctx.ones(1, d))
    centred = ctx.sub(z, ctx.mm(mean, z))
    cols = []
    for j in range(n):
        c = ctx.cols(centred, j, j + 1)
        if ctx.batched:  # a batched scalar cannot scale a batched matrix through ctx: c/|c| = U_1 V_1^T
            u, v = ctx.svd(c)
            cols.append(ctx.scale(ctx.mm(ctx.cols(u, 0, 1), ctx.T(v)), d ** 0.5))
        else:
            cols.append(ctx.scale(c, ctx.sv(ctx.ones(d, 1), 1) / ctx.sv(c, 1)))
    return _combine_cols(ctx, cols)


def attention(ctx: Context, net: TFN, i: int, zs: Sequence[Any]) -> list[Any]:
    """A = sum_h W_O^h W_V^h Z softmax((W_K^h Z)^T (W_Q^h Z)) of block i (0-based), for each Z in `zs`."""
    scores = [ctx.mm(ctx.T(ctx.mm(net.wk[i][h], z)), ctx.mm(net.wq[i][h], z)) for z in zs for h in range(net.H)]
    weights = iter([softmax_cols(ctx, s) for s in scores])
    out = []
    for z in zs:
        a = None
        for h in range(net.H):
            head = ctx.mm(ctx.mm(net.wo[i][h], net.wv[i][h]), z, next(weights))
            a = head if a is None else ctx.add(a, head)
        out.append(a)
    return out


def _ffn(ctx: Context, net: TFN, i: int, z: Any, a: Any) -> Any:
    opt = net.options
    if opt.residual:
        a = ctx.add(a, z)
    if opt.layer_norm:
        a = layer_norm(ctx, a)
    ones = ctx.ones(1, ctx.shape(z)[1])
    hidden = ctx.relu(ctx.add(ctx.mm(net.w1[i], a), ctx.mm(net.b1[i], ones)))
    out = ctx.add(ctx.mm(net.w2[i], hidden), ctx.mm(net.b2[i], ones))
    if opt.residual:
        out = ctx.add(out, a)
    if opt.layer_norm:
        out = layer_norm(ctx, out)
    return out


def block(ctx: Context, net: TFN, i: int, zs: Sequence[Any]) -> list[Any]:
    """The outputs of block i (0-based) for each input Z in `zs`, with the optional residuals and norms."""
    return [_ffn(ctx, net, i, z, a) for z, a in zip(zs, attention(ctx, net, i, zs), strict=True)]


def forward_many(ctx: Context, net: TFN, xs: Sequence[Any]) -> list[Any]:
    """The TFN outputs W_o Z_L for several inputs X (D x N each, columns are tokens)."""
    zs = list(xs)
    for i in range(net.L):
        zs = block(ctx, net, i, zs)
    return [ctx.mm(net.wout, z) for z in zs]


def forward(ctx: Context, net: TFN, x: Any) -> Any:
    """The TFN output W_o Z_L for an input X (D x N, columns are tokens)."""
    return forward_many(ctx, net, [x])[0]


# -- the construction ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Pair:
    """One two-layer linear problem: `weights[0]` acts first, their product should become `target`."""

    label: str
    gap_index: int  # i of G_i (1-based): block l for the (Q,K) and (V,O) pairs, L+1 for (W_2L, W_o)
    head: int  # 0-based head of the (Q,K) and (V,O) pairs; -1 for (W_2L, W_o)
    weights: tuple[Any, Any]
    target: Any


def pair_targets(ctx: Context, f: TFN, t: TFN) -> list[Pair]:
    """The 2 L H + 1 linear problems of the construction, in block order, then (W_2L, W_o).

    In block l, C2 = Wbar_{2,l-1} W_{2,l-1}^{-1} (the identity for l = 1) maps the frozen model's
    Z_{l-1} to the target's once the earlier blocks are matched.
    """
    d = ctx.shape(f.wout)[0]
    pairs = []
    c2 = ctx.eye(d)
    for i in range(f.L):
        w1inv = ctx.inv(f.w1[i])
        for h in range(f.H):
            kbar = ctx.mm(ctx.T(c2), ctx.T(t.wk[i][h]), t.wq[i][h], c2)
            pairs.append(Pair(f"QK[{i + 1},{h + 1}]", i + 1, h, (f.wq[i][h], ctx.T(f.wk[i][h])), kbar))
            vbar = ctx.mm(w1inv, t.w1[i], t.wo[i][h], t.wv[i][h], c2)
            pairs.append(Pair(f"VO[{i + 1},{h + 1}]", i + 1, h, (f.wv[i][h], f.wo[i][h]), vbar))
        c2 = ctx.mm(t.w2[i], ctx.inv(f.w2[i]))
    pairs.append(Pair("out", f.L + 1, -1, (f.w2[-1], f.wout), ctx.mm(t.wout, t.w2[-1])))
    return pairs


@dataclass(frozen=True, slots=True)
class Construction:
    """The adapted TFN, its adapters in factor form, and the parameter identities it must satisfy.

    `adapters` holds (label, (B, A) or None) with dW = B A; `identities` holds (label, lhs, rhs)
    with lhs == rhs required for f = fbar.
    """

    adapted: TFN
    adapters: tuple[tuple[str, tuple[Any, Any] | None], ...]
    identities: tuple[tuple[str, Any, Any], ...]


def _adapt(ctx: Context, w: Any, ad: tuple[Any, Any] | None) -> Any:
    return w if ad is None else ctx.add(w, ctx.mm(ad[0], ad[1]))


def construct(ctx: Context, f: TFN, t: TFN, r: int) -> Construction:
    """The R-TFN construction with LoRA-rank r (R-LIN with L = 2 on every pair, then the biases).

    Raises InstanceError / PrecisionExhausted where an inverse it needs does not exist (or cannot
    be certified), i.e. where the A-TFN assumption fails.
    """
    pairs = pair_targets(ctx, f, t)
    sols = [lora_adapters(ctx, list(p.weights), p.target, [r, r]) for p in pairs]
    adapters: list[tuple[str, tuple[Any, Any] | None]] = []
    new: dict[str, list[list[Any]]] = {k: [[None] * f.H for _ in range(f.L)] for k in ("q", "k", "v", "o")}
    for p, (a1, a2) in zip(pairs[:-1], sols[:-1], strict=True):
        i, h = p.gap_index - 1, p.head
        if p.label.startswith("QK"):
            # the pair's second layer is W_K^T, so dW_K is the transpose of its adapter
            a2k = None if a2 is None else (ctx.T(a2[1]), ctx.T(a2[0]))
            adapters += [(f"dW_Q[{i + 1},{h + 1}]", a1), (f"dW_K[{i + 1},{h + 1}]", a2k)]
            new["q"][i][h], new["k"][i][h] = _adapt(ctx, f.wq[i][h], a1), _adapt(ctx, f.wk[i][h], a2k)
        else:
            adapters += [(f"dW_V[{i + 1},{h + 1}]", a1), (f"dW_O[{i + 1},{h + 1}]", a2)]
            new["v"][i][h], new["o"][i][h] = _adapt(ctx, f.wv[i][h], a1), _adapt(ctx, f.wo[i][h], a2)
    a2l, aout = sols[-1]
    adapters += [(f"dW_2[{f.L}]", a2l), ("dW_o", aout)]
    w2 = [*f.w2[:-1], _adapt(ctx, f.w2[-1], a2l)]
    wout = _adapt(ctx, f.wout, aout)
    # biases: bhat_1l = bbar_1l, bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (l < L), bhat_2L = (W_o+dW_o)^{-1} Wbar_o bbar_2L
    b2 = [ctx.mm(f.w2[i], ctx.inv(t.w2[i]), t.b2[i]) for i in range(f.L - 1)]
    b2.append(ctx.mm(ctx.inv(wout), t.wout, t.b2[-1]))
    heads = (tuple(tuple(row) for row in new[k]) for k in ("q", "k", "v", "o"))
    adapted = TFN(*heads, w1=f.w1, b1=tuple(t.b1), w2=tuple(w2), b2=tuple(b2), wout=wout, options=f.options)
    return Construction(adapted, tuple(adapters), tuple(parameter_identities(ctx, adapted, t)))


def parameter_identities(ctx: Context, a: TFN, t: TFN) -> list[tuple[str, Any, Any]]:
    """(label, lhs, rhs): the identities that make the adapted TFN `a` equal the target `t`.

    With C2 = Wbar_{2,l-1} W_{2,l-1}^{-1}, Zbar_{l-1} = C2 Z_{l-1} holds block by block: equal
    scores C2^T Kbar C2 = K' give equal softmax weights per head, W_1 V'_h = Wbar_1 Vbar_h C2 per
    head gives W_1 A_l = Wbar_1 Abar_l (the heads are summed after the same weights), equal first
    biases give equal ReLU outputs, and Wbar_2l W_2l^{-1} bhat_2l = bbar_2l carries Zbar_l = C2' Z_l.
    """
    out = []
    d = ctx.shape(a.wout)[0]
    c2 = ctx.eye(d)
    for i in range(a.L):
        for h in range(a.H):
            tag = f"[{i + 1},{h + 1}]"
            out.append((f"scores{tag}: W_K'^T W_Q' = C2^T Wbar_K^T Wbar_Q C2", ctx.mm(ctx.T(a.wk[i][h]), a.wq[i][h]),
                        ctx.mm(ctx.T(c2), ctx.T(t.wk[i][h]), t.wq[i][h], c2)))
            out.append((f"values{tag}: W_1 W_O' W_V' = Wbar_1 Wbar_O Wbar_V C2",
                        ctx.mm(a.w1[i], a.wo[i][h], a.wv[i][h]), ctx.mm(t.w1[i], t.wo[i][h], t.wv[i][h], c2)))
        out.append((f"b1[{i + 1}]: bhat_1 = bbar_1", a.b1[i], t.b1[i]))
        if i < a.L - 1:
            c2 = ctx.mm(t.w2[i], ctx.inv(a.w2[i]))
            out.append((f"b2[{i + 1}]: Wbar_2 W_2^{{-1}} bhat_2 = bbar_2", ctx.mm(c2, a.b2[i]), t.b2[i]))
    out.append(("out: W_o' W_2L' = Wbar_o Wbar_2L", ctx.mm(a.wout, a.w2[-1]), ctx.mm(t.wout, t.w2[-1])))
    out.append(("out: W_o' bhat_2L = Wbar_o bbar_2L", ctx.mm(a.wout, a.b2[-1]), ctx.mm(t.wout, t.b2[-1])))
    return out


# -- exact analysis of an instance (rank gaps, assumption data), cached per instance object ---

@dataclass(frozen=True, slots=True)
class ExactAnalysis:
    """Exact data of an instance: per pair (label, G-index, frozen product, target), and the gaps."""

    pairs: tuple[tuple[str, int, RatMatrix, RatMatrix], ...]
    pair_ranks: tuple[int, ...]
    gaps: tuple[int, ...]  # G_1 .. G_{L+1}

    @property
    def threshold(self) -> int:
        """max_i ceil(G_i / 2)."""
        return max(ceil(g / 2) for g in self.gaps)


_CACHE: dict[int, tuple[Instance, ExactAnalysis]] = {}


def _to_rat(m: Any) -> RatMatrix:
    return RatMatrix(m.nrows(), m.ncols(), tuple(Fraction(int(x.p), int(x.q)) for x in m.entries()))


def exact_analysis(inst: Instance) -> ExactAnalysis:
    """Pair products, targets and rank gaps of `inst`, exactly (python-flint rationals).

    Raises:
        InstanceError: when a matrix the targets invert (W_1l, W_2l) is singular.
    """
    hit = _CACHE.get(id(inst))
    if hit is not None and hit[0] is inst:
        return hit[1]
    ctx = get_context("exact")
    b = ctx.bind([inst])
    f, t = load_tfn(b), load_tfn(b, target=True)
    pairs, ranks = [], []
    gaps = [0] * (f.L + 1)
    for p in pair_targets(ctx, f, t):
        base = ctx.mm(p.weights[1], p.weights[0])
        k = ctx.rank(ctx.sub(p.target, base))
        pairs.append((p.label, p.gap_index, _to_rat(base), _to_rat(p.target)))
        ranks.append(k)
        gaps[p.gap_index - 1] = max(gaps[p.gap_index - 1], k)
    out = ExactAnalysis(tuple(pairs), tuple(ranks), tuple(gaps))
    if len(_CACHE) > 512:  # instances are small; the bound only stops unbounded growth in long searches
        _CACHE.clear()
    _CACHE[id(inst)] = (inst, out)
    return out


def rank_gaps(inst: Instance) -> tuple[int, ...]:
    """(G_1, ..., G_{L+1}) of THEOREMS.md, exact ranks over the rationals."""
    return exact_analysis(inst).gaps


def threshold(inst: Instance) -> int:
    """The stated sufficient LoRA-rank max_i ceil(G_i / 2)."""
    return exact_analysis(inst).threshold


def sample_inputs(inst: Instance, count: int) -> list[RatMatrix]:
    """`count` exact inputs X (D x N): the instance's aux "X" if it has them, else seeded N(0, 1) dyadics.

    Raises:
        InstanceError: when an input in aux "X" is not D x N.
    """
    import numpy as np

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
