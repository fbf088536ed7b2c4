"""The constructions of Theorems 7 and 8 (multi- and single-head), written once against `Context`.

The proof matches the target block by block. With C_l := Wbar_{2,l-1} W_{2,l-1}^{-1} (C_1 = I), block l
poses one two-factor problem per head and pair (K2, K6), each solved by Lemma 7 with L = 2 (K3):

    (W_Q, W_K^T) -> C_l^T Wbar_K^T Wbar_Q C_l                       (both models)
    (W_V, W_O)   -> W_1l^{-1} Wbar_1l Wbar_O Wbar_V C_l             (multi-head; W_1l unadapted)
    (W_V, W_1l)  -> Wbar_1l Wbar_V C_l                               (single-head)
    (W_2L, W_o)  -> Wbar_o Wbar_2L                                   (output, K8)

and the biases bhat_1l = bbar_1l, bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (l < L, K5),
bhat_2L = (W_o + dW_o)^{-1} Wbar_o bbar_2L (K8). `parameter_identities` lists the equalities that make
the adapted model equal the target for every input (the certificate of "f(X) = fbar(X) for all X").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.zeng_lee.models.linear import lora_adapters
from theorems.zeng_lee.models.tfn import TFN
from verifier import Context, InstanceError, RatMatrix

Adapter = tuple[Any, Any] | None  # (B, A) with dW = B A, or None for dW = O


@dataclass(frozen=True, slots=True)
class Pair:
    """One two-factor problem of the proof: `weights[0]` acts first; their product should become `target`."""

    label: str
    kind: str  # "qk", "vo" (multi-head), "v1" (single-head), "out"
    block: int  # l of G_l (1-based): the block, L + 1 for the output pair
    head: int  # 0-based head; 0 for single-head pairs, -1 for the output pair
    weights: tuple[Any, Any]
    target: Any


def c_matrix(ctx: Context, f: TFN, t: TFN, i: int) -> Any:
    """C_{i+1} = Wbar_{2,i} W_{2,i}^{-1} for block i (0-based; the identity for the first block)."""
    d = ctx.shape(f.wout)[0]
    return ctx.eye(d) if i == 0 else ctx.mm(t.w2[i - 1], ctx.inv(f.w2[i - 1]))


def pair_targets(ctx: Context, f: TFN, t: TFN) -> list[Pair]:
    """The two-factor problems in block order (per head: (Q, K) then the value pair), then (W_2L, W_o)."""
    pairs = []
    for i in range(f.L):
        c = c_matrix(ctx, f, t, i)
        for h in range(f.H):
            tag = f"[{i + 1}]" if f.single else f"[{i + 1},{h + 1}]"
            kbar = ctx.mm(ctx.T(c), ctx.T(t.wk[i][h]), t.wq[i][h], c)
            pairs.append(Pair("QK" + tag, "qk", i + 1, h, (f.wq[i][h], ctx.T(f.wk[i][h])), kbar))
            if f.single:
                pairs.append(Pair("V1" + tag, "v1", i + 1, h, (f.wv[i][h], f.w1[i]), ctx.mm(t.w1[i], t.wv[i][h], c)))
            else:
                vbar = ctx.mm(ctx.inv(f.w1[i]), t.w1[i], t.wo[i][h], t.wv[i][h], c)  # type: ignore[index]
                pairs.append(Pair("VO" + tag, "vo", i + 1, h, (f.wv[i][h], f.wo[i][h]), vbar))  # type: ignore[index]
    pairs.append(Pair("out", "out", f.L + 1, -1, (f.w2[-1], f.wout), ctx.mm(t.wout, t.w2[-1])))
    return pairs


def printed_gap(ctx: Context, f: TFN, t: TFN, p: Pair) -> Any:
    """The matrix whose rank enters G_l as printed (Theorem 7 (23), Theorem 8), for the pair `p`.

    Block l >= 2 carries W_{2,l-1} on the right (and W_{2,l-1}^T on the left for (Q, K)); the value
    gaps carry W_1l on the left. K7 asserts that their ranks equal those of the pairs' own gaps.
    """
    i, h = p.block - 1, p.head
    if p.kind == "out":
        return ctx.sub(ctx.mm(t.wout, t.w2[-1]), ctx.mm(f.wout, f.w2[-1]))
    right = [] if i == 0 else [t.w2[i - 1]]
    fright = [] if i == 0 else [f.w2[i - 1]]
    if p.kind == "qk":
        lt = [] if i == 0 else [ctx.T(t.w2[i - 1])]
        lf = [] if i == 0 else [ctx.T(f.w2[i - 1])]
        return ctx.sub(ctx.mm(*lt, ctx.T(t.wk[i][h]), t.wq[i][h], *right),
                       ctx.mm(*lf, ctx.T(f.wk[i][h]), f.wq[i][h], *fright))
    if p.kind == "v1":
        return ctx.sub(ctx.mm(t.w1[i], t.wv[i][h], *right), ctx.mm(f.w1[i], f.wv[i][h], *fright))
    return ctx.sub(ctx.mm(t.w1[i], t.wo[i][h], t.wv[i][h], *right),  # type: ignore[index]
                   ctx.mm(f.w1[i], f.wo[i][h], f.wv[i][h], *fright))  # type: ignore[index]


@dataclass(frozen=True, slots=True)
class Construction:
    """The adapted TFN and its adapters in factor form: (name, (B, A) or None), dW = B A."""

    adapted: TFN
    adapters: tuple[tuple[str, Adapter], ...]
    pairs: tuple[Pair, ...]


def _adapt(ctx: Context, w: Any, ad: Adapter) -> Any:
    return w if ad is None else ctx.add(w, ctx.mm(ad[0], ad[1]))


def _grid(f: TFN) -> list[list[Any]]:
    return [[None] * f.H for _ in range(f.L)]


Mixes = Callable[[int], Sequence[tuple[Any, Any]]]  # k -> [(M, M^-1)] of k x k invertible matrices


def split_mixes(ctx: Context, tries: int = 3) -> Mixes:
    """The exchange matrix (reversed order of the rank-one terms), then `tries` unimodular integer matrices."""
    def mixes(k: int) -> list[tuple[Any, Any]]:
        rng = np.random.default_rng([k, 17])
        j = ctx.load([RatMatrix.from_numpy(np.eye(k, dtype=int)[::-1])])
        out = [(j, j)]
        for _ in range(tries):
            lo = np.tril(rng.integers(-1, 2, size=(k, k)), -1) + np.eye(k, dtype=int)
            up = np.triu(rng.integers(-1, 2, size=(k, k)), 1) + np.eye(k, dtype=int)
            m = ctx.load([RatMatrix.from_numpy(lo @ up)])
            out.append((m, ctx.inv(m)))
        return out

    return mixes


def _mixed(ctx: Context, p: Pair, r: int, mixes: Mixes) -> list[Adapter]:
    """The two-factor solution of Lemma 7's telescoping form for E = (C M)(M^-1 F), first mix that works.

    Rational arithmetic only: its rank factorisation E = C F may hand the first factor terms that make
    W_2 (W_1 + dW_1) singular; the statement is existential, so another split of the same terms is as good.
    """
    w1, w2 = p.weights
    e = ctx.sub(p.target, ctx.mm(w2, w1))
    c, fr = ctx.rank_factor(e)
    k = ctx.shape(c)[1]
    r1 = min(r, k)
    r2 = min(r, k - r1)
    last: Exception | None = None
    for m, minv in mixes(k):
        cm, mf = ctx.mm(c, m), ctx.mm(minv, fr)
        try:
            b1 = ctx.mm(ctx.inv(w2), ctx.cols(cm, 0, r1))
            a1 = ctx.rows(mf, 0, r1)
            a2 = None if r2 == 0 else (ctx.cols(cm, r1, r1 + r2), ctx.mm(ctx.rows(mf, r1, r1 + r2),
                                                                         ctx.inv(ctx.add(w1, ctx.mm(b1, a1)))))
            return [(b1, a1), a2]
        except InstanceError as err:
            last = err
    raise last or InstanceError("no split of the gap makes the first adapted factor invertible")


def _solve(ctx: Context, p: Pair, r: int, mixes: Mixes | None) -> list[Adapter]:
    try:
        return lora_adapters(ctx, list(p.weights), p.target, [r, r])
    except InstanceError:
        if ctx.has_svd or mixes is None:
            raise
        return _mixed(ctx, p, r, mixes)


def construct(ctx: Context, f: TFN, t: TFN, r: int, mixes: Mixes | None = None) -> Construction:
    """The construction of Theorem 7 (multi-head) or 8 (single-head) with LoRA rank r.

    Lemma 7 with L = 2 (`lora_adapters`: SVD-based where the arithmetic has an SVD, an exact rank
    factorisation in rational arithmetic) on every pair, then the biases. In rational arithmetic a pair
    whose first split is undefined is retried with the splits `mixes(k)` ((M, M^-1) pairs, k = rank of the gap).
    Raises InstanceError / PrecisionExhausted where an inverse it needs does not exist (or cannot
    be certified).
    """
    pairs = pair_targets(ctx, f, t)
    q, k, v, o = _grid(f), _grid(f), _grid(f), _grid(f)
    w1 = list(f.w1)
    adapters: list[tuple[str, Adapter]] = []
    for p in pairs[:-1]:
        a1, a2 = _solve(ctx, p, r, mixes)
        i, h = p.block - 1, p.head
        tag = p.label[2:]
        if p.kind == "qk":
            # the pair's second factor is W_K^T, so dW_K is the transpose of its adapter
            a2k = None if a2 is None else (ctx.T(a2[1]), ctx.T(a2[0]))
            adapters += [("dW_Q" + tag, a1), ("dW_K" + tag, a2k)]
            q[i][h], k[i][h] = _adapt(ctx, f.wq[i][h], a1), _adapt(ctx, f.wk[i][h], a2k)
        elif p.kind == "v1":
            adapters += [("dW_V" + tag, a1), ("dW_1" + tag, a2)]
            v[i][h], w1[i] = _adapt(ctx, f.wv[i][h], a1), _adapt(ctx, f.w1[i], a2)
        else:
            adapters += [("dW_V" + tag, a1), ("dW_O" + tag, a2)]
            v[i][h], o[i][h] = _adapt(ctx, f.wv[i][h], a1), _adapt(ctx, f.wo[i][h], a2)  # type: ignore[index]
    a2l, aout = _solve(ctx, pairs[-1], r, mixes)
    adapters += [(f"dW_2[{f.L}]", a2l), ("dW_o", aout)]
    w2 = [*f.w2[:-1], _adapt(ctx, f.w2[-1], a2l)]
    wout = _adapt(ctx, f.wout, aout)
    b2 = [ctx.mm(f.w2[i], ctx.inv(t.w2[i]), t.b2[i]) for i in range(f.L - 1)]
    b2.append(ctx.mm(ctx.inv(wout), t.wout, t.b2[-1]))

    def rows(g: list[list[Any]]) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(row) for row in g)

    adapted = TFN(rows(q), rows(k), rows(v), None if f.single else rows(o), tuple(w1), tuple(t.b1), tuple(w2),
                  tuple(b2), wout)
    return Construction(adapted, tuple(adapters), tuple(pairs))


Identity = tuple[str, Any, Any]  # (label, lhs, rhs): lhs == rhs is required


def block_identities(ctx: Context, a: TFN, t: TFN, i: int) -> list[Identity]:
    """Identities that give Hhat = H in block i (0-based) and carry Zbar_i = C Zhat_i to the next block.

    With Z_{i-1} = C Zhat_{i-1} (C = Wbar_{2,i-1} W'_{2,i-1}^{-1}): equal scores C^T Kbar C = K' per head give
    equal softmax weights, W_1' V'_h = Wbar_1 Vbar_h C per head makes the head sums agree after W_1, equal
    first biases give equal ReLU outputs; C' bhat_2 = bbar_2 then gives Z_i = C' Zhat_i.
    """
    c = ctx.eye(ctx.shape(a.wout)[0]) if i == 0 else ctx.mm(t.w2[i - 1], ctx.inv(a.w2[i - 1]))
    out = []
    for h in range(a.H):
        tag = f"[{i + 1}]" if a.single else f"[{i + 1},{h + 1}]"
        out.append((f"scores{tag}: W_K'^T W_Q' = C^T Wbar_K^T Wbar_Q C", ctx.mm(ctx.T(a.wk[i][h]), a.wq[i][h]),
                    ctx.mm(ctx.T(c), ctx.T(t.wk[i][h]), t.wq[i][h], c)))
        if a.single:
            out.append((f"values{tag}: W_1' W_V' = Wbar_1 Wbar_V C", ctx.mm(a.w1[i], a.wv[i][h]),
                        ctx.mm(t.w1[i], t.wv[i][h], c)))
        else:
            out.append((f"values{tag}: W_1 W_O' W_V' = Wbar_1 Wbar_O Wbar_V C",
                        ctx.mm(a.w1[i], a.wo[i][h], a.wv[i][h]),  # type: ignore[index]
                        ctx.mm(t.w1[i], t.wo[i][h], t.wv[i][h], c)))  # type: ignore[index]
    out.append((f"b1[{i + 1}]: bhat_1 = bbar_1", a.b1[i], t.b1[i]))
    if i < a.L - 1:
        c2 = ctx.mm(t.w2[i], ctx.inv(a.w2[i]))
        out.append((f"b2[{i + 1}]: Wbar_2 W_2^-1 bhat_2 = bbar_2", ctx.mm(c2, a.b2[i]), t.b2[i]))
    return out


def output_identities(ctx: Context, a: TFN, t: TFN) -> list[Identity]:
    """W_o' W_2L' = Wbar_o Wbar_2L and W_o' bhat_2L = Wbar_o bbar_2L: equal logits once H_L matches."""
    return [("out: W_o' W_2L' = Wbar_o Wbar_2L", ctx.mm(a.wout, a.w2[-1]), ctx.mm(t.wout, t.w2[-1])),
            ("out: W_o' bhat_2L = Wbar_o bbar_2L", ctx.mm(a.wout, a.b2[-1]), ctx.mm(t.wout, t.b2[-1]))]


def parameter_identities(ctx: Context, a: TFN, t: TFN) -> list[Identity]:
    """Every identity of every block and the output: together they give f(X) = fbar(X) for all X."""
    out = [x for i in range(a.L) for x in block_identities(ctx, a, t, i)]
    return out + output_identities(ctx, a, t)


def unadapted(f: TFN, a: TFN) -> list[tuple[str, Any, Any]]:
    """(name, frozen, adapted) of the weights the theorem leaves unadapted ("others O")."""
    out = [(f"W_2[{i + 1}]", f.w2[i], a.w2[i]) for i in range(f.L - 1)]
    if not f.single:
        out += [(f"W_1[{i + 1}]", f.w1[i], a.w1[i]) for i in range(f.L)]
    return out


def pair_products(ctx: Context, c: Construction) -> list[tuple[str, Any, Any]]:
    """(label, adapted product, target) of every pair: what Lemma 7 must meet (K3)."""
    a = c.adapted
    out = []
    for p in c.pairs:
        i, h = p.block - 1, p.head
        if p.kind == "qk":
            prod = ctx.mm(ctx.T(a.wk[i][h]), a.wq[i][h])
        elif p.kind == "v1":
            prod = ctx.mm(a.w1[i], a.wv[i][h])
        elif p.kind == "vo":
            prod = ctx.mm(a.wo[i][h], a.wv[i][h])  # type: ignore[index]
        else:
            prod = ctx.mm(a.wout, a.w2[-1])
        out.append((p.label, prod, p.target))
    return out


def identity_gaps(ctx: Context, ids: Sequence[Identity]) -> list[tuple[str, Any, Any]]:
    """(label, max|lhs - rhs|, max|rhs|) of each identity."""
    return [(label, ctx.maxabs(ctx.sub(lhs, rhs)), ctx.maxabs(rhs)) for label, lhs, rhs in ids]


__all__ = ["Construction", "Mixes", "Pair", "block_identities", "c_matrix", "construct", "identity_gaps",
           "output_identities",
           "pair_products", "pair_targets", "parameter_identities", "printed_gap", "split_mixes", "unadapted"]
