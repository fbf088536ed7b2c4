"""Exact data of a TFN instance: the pairs of the proof, their rank gaps (G_l as printed and as the
pairs have them), and a full-rank witness of the proof's sufficient conditions (K2, K5, K6, K8).

Everything is computed once per instance in rational arithmetic (the exact `Context`) and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee.models.tfn import TFN, load_tfn
from theorems.zeng_lee.models.tfn_construct import pair_targets, printed_gap
from verifier import Context, Instance, InstanceError, RatMatrix, exact_inv, get_context


def to_rat(a: Any) -> RatMatrix:
    """An exact-context matrix as a RatMatrix."""
    return RatMatrix(a.nrows(), a.ncols(), tuple(Fraction(str(x)) for x in a.entries()))


@dataclass(frozen=True, slots=True)
class PairData:
    """One pair of the proof, exactly: base = product of its frozen factors, target, and ranks."""

    label: str
    kind: str
    block: int
    head: int
    base: RatMatrix
    target: RatMatrix
    rank: int  # rank(target - base): the pair's own gap (K2, K6)
    printed_rank: int  # the rank of the matrix printed in G_l (K7: equal to `rank`)


@dataclass(frozen=True, slots=True)
class ExactAnalysis:
    """The pairs and G_1..G_{L+1} as printed (max over the block's pairs of `printed_rank`)."""

    pairs: tuple[PairData, ...]
    gaps: tuple[int, ...]

    @property
    def threshold(self) -> int:
        """max_i ceil(G_i / 2): the rank Theorems 7 and 8 ask for."""
        return max(ceil(g / 2) for g in self.gaps)


_CACHE: dict[tuple[int, str], tuple[Instance, Any]] = {}


def cached(inst: Instance, key: str, make: Any) -> Any:
    """`make()`, computed once per instance object and key."""
    hit = _CACHE.get((id(inst), key))
    if hit is not None and hit[0] is inst:
        return hit[1]
    value = make()
    if len(_CACHE) > 1024:  # instances are small; the bound only stops unbounded growth in long searches
        _CACHE.clear()
    _CACHE[(id(inst), key)] = (inst, value)
    return value


def _exact_nets(inst: Instance) -> tuple[Context, TFN, TFN]:
    ctx = get_context("exact")
    b = ctx.bind([inst])
    return ctx, load_tfn(b), load_tfn(b, target=True)


def exact_analysis(inst: Instance) -> ExactAnalysis:
    """Pairs, ranks and G_i of `inst`, exactly.

    Raises:
        InstanceError: when a matrix the targets invert (W_1l, W_2l) is singular.
    """
    def make() -> ExactAnalysis:
        ctx, f, t = _exact_nets(inst)
        pairs = []
        gaps = [0] * (f.L + 1)
        for p in pair_targets(ctx, f, t):
            base = ctx.mm(p.weights[1], p.weights[0])
            k = int(ctx.rank(ctx.sub(p.target, base)))
            kp = int(ctx.rank(printed_gap(ctx, f, t, p)))
            pairs.append(PairData(p.label, p.kind, p.block, p.head, to_rat(base), to_rat(p.target), k, kp))
            gaps[p.block - 1] = max(gaps[p.block - 1], kp)
        return ExactAnalysis(tuple(pairs), tuple(gaps))

    return cached(inst, "analysis", make)


def rank_gaps(inst: Instance) -> tuple[int, ...]:
    """(G_1, ..., G_{L+1}) as printed, exact ranks over the rationals."""
    return exact_analysis(inst).gaps


def threshold(inst: Instance) -> int:
    """max_i ceil(G_i / 2), or D + 1 (never met) where a matrix the gaps invert is singular."""
    try:
        return exact_analysis(inst).threshold
    except InstanceError:
        return inst.p("D") + 1


def _unimodular(rng: np.random.Generator, d: int) -> tuple[RatMatrix, RatMatrix]:
    """An integer matrix of determinant 1 (unit lower times unit upper triangular) and its inverse."""
    lo = np.tril(rng.integers(-1, 2, size=(d, d)), -1) + np.eye(d, dtype=int)
    up = np.triu(rng.integers(-1, 2, size=(d, d)), 1) + np.eye(d, dtype=int)
    m = RatMatrix.from_numpy(lo @ up)
    return m, exact_inv(m)


def condition_witness(inst: Instance) -> TFN:
    """Adapted weights that meet the proof's sufficient conditions exactly, without any rank limit.

    Per block and head, with random unimodular S, T (and U for the output):
    W_Q' = S Wbar_Q C, W_K' = S^{-T} Wbar_K C (so W_K'^T W_Q' = C^T Wbar_K^T Wbar_Q C);
    multi-head W_V' = T Wbar_V C, W_O' = W_1^{-1} Wbar_1 Wbar_O T^{-1} (W_1 unadapted);
    single-head W_V' = T Wbar_V C, W_1' = Wbar_1 T^{-1};
    bhat_1 = bbar_1, bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (W_2l unadapted, l < L);
    W_2L' = U Wbar_2L, W_o' = Wbar_o U^{-1}, bhat_2L = W_o'^{-1} Wbar_o bbar_2L = U bbar_2L.
    The steps K2, K4-K6 and K8 say that such weights give Hhat_l = H_l, Zhat_l = W_2l Wbar_2l^{-1} Z_l
    and f = fbar; the witness lets them be checked independently of Lemma 7.
    """
    def make() -> TFN:
        ctx, f, t = _exact_nets(inst)
        d = inst.p("D")
        rng = np.random.default_rng([d, f.L, f.H, 13])

        def uni() -> tuple[Any, Any]:
            u, ui = _unimodular(rng, d)
            return ctx.load([u]), ctx.load([ui])

        q, k, v, o, w1, b2, w2 = [], [], [], [], list(f.w1), [], list(f.w2)
        for i in range(f.L):
            c = ctx.eye(d) if i == 0 else ctx.mm(t.w2[i - 1], ctx.inv(f.w2[i - 1]))
            rq, rk, rv, ro = [], [], [], []
            for h in range(f.H):
                s, si = uni()
                rq.append(ctx.mm(s, t.wq[i][h], c))
                rk.append(ctx.mm(ctx.T(si), t.wk[i][h], c))
                tt, ti = uni()
                rv.append(ctx.mm(tt, t.wv[i][h], c))
                if f.single:
                    w1[i] = ctx.mm(t.w1[i], ti)
                else:
                    ro.append(ctx.mm(ctx.inv(f.w1[i]), t.w1[i], t.wo[i][h], ti))  # type: ignore[index]
            q.append(tuple(rq))
            k.append(tuple(rk))
            v.append(tuple(rv))
            o.append(tuple(ro))
            if i < f.L - 1:
                b2.append(ctx.mm(f.w2[i], ctx.inv(t.w2[i]), t.b2[i]))
        u, ui = uni()
        w2[-1] = ctx.mm(u, t.w2[-1])
        b2.append(ctx.mm(u, t.b2[-1]))
        net = TFN(tuple(q), tuple(k), tuple(v), None if f.single else tuple(o), tuple(w1), tuple(t.b1),
                  tuple(w2), tuple(b2), ctx.mm(t.wout, ui))
        return _map(net, to_rat)

    return cached(inst, "witness", make)


def exact_adapted(inst: Instance) -> TFN:
    """The adapted TFN of the construction in rational arithmetic (rank factorisations, other splits where
    the first is undefined), as RatMatrix weights.

    Raises:
        InstanceError: where no split tried gives invertible factors.
    """
    return _exact_construction(inst)[0]


def adapter_ranks(inst: Instance) -> tuple[tuple[str, int], ...]:
    """(name, exact rank) of every non-zero adapter of the rational construction."""
    return _exact_construction(inst)[1]


def _exact_construction(inst: Instance) -> tuple[TFN, tuple[tuple[str, int], ...]]:
    from theorems.zeng_lee.models.tfn_construct import construct, split_mixes

    def make() -> tuple[TFN, tuple[tuple[str, int], ...]]:
        ctx, f, t = _exact_nets(inst)
        con = construct(ctx, f, t, inst.p("R"), split_mixes(ctx))
        ranks = tuple((name, int(ctx.rank(ctx.mm(*ad)))) for name, ad in con.adapters if ad is not None)
        return _map(con.adapted, to_rat), ranks

    return cached(inst, "construction", make)


def _map(net: TFN, fn: Any) -> TFN:
    def heads(hs: Any) -> Any:
        return None if hs is None else tuple(tuple(fn(w) for w in row) for row in hs)

    return TFN(heads(net.wq), heads(net.wk), heads(net.wv), heads(net.wo), tuple(fn(w) for w in net.w1),
               tuple(fn(w) for w in net.b1), tuple(fn(w) for w in net.w2), tuple(fn(w) for w in net.b2),
               fn(net.wout))


def load_witness(ctx: Context, insts: list[Instance]) -> TFN:
    """The condition witnesses of a batch of instances, loaded into `ctx` (one matrix per field)."""
    return _load(ctx, [condition_witness(inst) for inst in insts])


def load_exact_adapted(ctx: Context, insts: list[Instance]) -> TFN:
    """The rational constructions of a batch of instances, loaded into `ctx`."""
    return _load(ctx, [exact_adapted(inst) for inst in insts])


def _load(ctx: Context, nets: list[TFN]) -> TFN:
    first = nets[0]
    flat = [_flatten(n) for n in nets]
    loaded = iter([ctx.load([row[j] for row in flat]) for j in range(len(flat[0]))])
    return _map(first, lambda _w: next(loaded))


def _flatten(net: TFN) -> list[RatMatrix]:
    out: list[RatMatrix] = []
    _map(net, lambda w: out.append(w) or w)
    return out


__all__ = ["ExactAnalysis", "PairData", "adapter_ranks", "cached", "condition_witness", "exact_adapted",
           "exact_analysis", "load_exact_adapted", "load_witness", "rank_gaps", "threshold", "to_rat"]
