"""Lemma 7's construction as the proof writes it, in any arithmetic: (11) Q_l, (8) dW_l, and the
pieces its steps L1-L11 talk about (shared by R-LIN, R-LINV and R-WIDE).

Everything goes through the SVD basis of E = Wbar - prod W. With E = U S V^T and Q_l =
V I_{a:b} V^T, the product E' Q_l = E V I_{a:b ∩ [R_E']} V^T is LR_b(E) - LR_{a-1}(E), so each
piece is a difference of best low-rank approximations, built at the strongest level available:

- exactly, when LR_k(E) is rational: k >= rank(E) (then LR_k(E) = E), or E has a rational SVD
  basis (E^T E diagonal: V is the permutation sorting its diagonal);
- in certified arithmetic as a ball containing LR_k(E) for every truncated SVD
  (`verifier.linalg.lowrank_ball`), so later products and inverses enclose the true pieces;
- approximately (mpmath, float) from the arithmetic's SVD.

Which positions a..b each Q_l covers is a *rule*: the print of (11) (R-LIN), the print of Lemma 8
(R-LINV, start index without "+1"), or the reading the proof needs (consecutive disjoint blocks).
Ranks of Q_l and E' Q_l follow from the rule alone (V is orthogonal and s_i(E) > 0 for
i <= rank(E)), so rank statements about them are decided exactly, as counts.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from verifier import Context, InstanceError, PrecisionExhausted, RatMatrix, exact_product, exact_rank, exact_sub

Rule = Literal["printed-11", "printed-lemma8", "intended"]


def block(rule: Rule, layer: int, ranks: Sequence[int], re_prime: int) -> tuple[int, int]:
    """Positions (lo, hi), 1-based and inclusive, of the diagonal of I_{a:b,D} in Q_layer (lo > hi: empty).

    "printed-11":     a = (R(l-1)+1) ∧ R_E',  b = (Rl) ∧ R_E'            (11), as printed
    "printed-lemma8": a = (sum_{i<l} R_i) ∧ R_E',  b = (sum_{i<=l} R_i) ∧ R_E'  (Lemma 8, as printed)
    "intended":       a = sum_{i<l} R_i + 1,  b = (sum_{i<=l} R_i) ∧ R_E'   (disjoint blocks)
    Position 0 does not exist (I_{0:b} has ones at 1..b).
    """
    before, upto = sum(ranks[: layer - 1]), sum(ranks[:layer])
    if rule == "printed-11":
        a, b = min(before + 1, re_prime), min(upto, re_prime)
    elif rule == "printed-lemma8":
        a, b = min(before, re_prime), min(upto, re_prime)
    elif rule == "intended":
        a, b = before + 1, min(upto, re_prime)
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return max(a, 1), b


def blocks(rule: Rule, ranks: Sequence[int], re_prime: int) -> tuple[tuple[int, int], ...]:
    return tuple(block(rule, l, ranks, re_prime) for l in range(1, len(ranks) + 1))


def size(bl: tuple[int, int], cap: int | None = None) -> int:
    """Number of positions of a block (those <= cap, when given)."""
    lo, hi = bl
    hi = hi if cap is None else min(hi, cap)
    return max(hi - lo + 1, 0)


def multiplicities(bls: Sequence[tuple[int, int]], upto: int) -> list[int]:
    """How many blocks cover each position 1..upto."""
    return [sum(lo <= i <= hi for lo, hi in bls) for i in range(1, upto + 1)]


# -- exact data of an instance ------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def error_matrix(ws: tuple[RatMatrix, ...], wbar: RatMatrix) -> RatMatrix:
    """E = Wbar - prod W_l, exactly (memoised: every step of a check asks for it)."""
    return exact_sub(wbar, exact_product(list(ws), wbar.nrows))


def transpose(m: RatMatrix) -> RatMatrix:
    n = m.ncols
    return RatMatrix(n, m.nrows, tuple(m.entries[r * n + c] for c in range(n) for r in range(m.nrows)))


@functools.lru_cache(maxsize=64)
def rational_basis(e: RatMatrix) -> RatMatrix | None:
    """A rational V with E = U S V^T when E^T E is diagonal (the permutation sorting it), else None."""
    n = e.ncols
    gram = exact_product([e, transpose(e)], n).entries  # E^T E (the first factor acts first)
    if any(gram[i * n + j] != 0 for i in range(n) for j in range(n) if i != j):
        return None
    order = sorted(range(n), key=lambda i: -gram[i * n + i])  # stable: ties keep index order
    return RatMatrix(n, n, tuple(Fraction(int(order[c] == r)) for r in range(n) for c in range(n)))


def columns(v: RatMatrix, k: int) -> RatMatrix:
    return RatMatrix(v.nrows, k, tuple(v.entries[r * v.ncols + c] for r in range(v.nrows) for c in range(k)))


def fingerprint_rng(*mats: RatMatrix, salt: int = 0) -> np.random.Generator:
    """A generator seeded by the instance's data, so checks derived from it replay from the file alone."""
    h = hashlib.sha256(str(salt).encode())
    for m in mats:
        h.update(repr(m.shape).encode())
        h.update(",".join(map(str, m.entries)).encode())
    return np.random.default_rng(int.from_bytes(h.digest()[:8], "little"))


# -- low-rank pieces in an arithmetic ------------------------------------------------------------

class LowRank:
    """LR_k(E) for the k's a proof step needs, at the strongest level the arithmetic and E allow."""

    def __init__(self, ctx: Context, e_exact: RatMatrix, e: Any) -> None:
        self.ctx, self.e, self.n = ctx, e, e_exact.nrows
        self.rank_e = exact_rank(e_exact)
        self.basis = rational_basis(e_exact)
        self._v: Any = None
        self._cache: dict[int, Any] = {}

    def exact(self, k: int) -> bool:
        """Whether LR_k(E) is known exactly (a rational matrix) here."""
        return k <= 0 or k >= self.rank_e or self.basis is not None

    def __call__(self, k: int) -> Any:
        if k not in self._cache:
            self._cache[k] = self._build(k)
        return self._cache[k]

    def _build(self, k: int) -> Any:
        ctx = self.ctx
        if k <= 0:
            return ctx.zeros(self.n, self.n)
        if k >= self.rank_e:
            return self.e
        if self.basis is not None:
            vk = ctx.load([columns(self.basis, k)])
            return ctx.mm(self.e, vk, ctx.T(vk))
        if ctx.level == "certified":
            from verifier.linalg import lowrank_ball

            return lowrank_ball(self.e, k, ctx.prec)  # type: ignore[attr-defined]
        if ctx.has_svd:
            if self._v is None:
                self._v = ctx.svd(self.e)[1]
            vk = ctx.cols(self._v, 0, k)
            return ctx.mm(self.e, vk, ctx.T(vk))
        raise InstanceError(f"LR_{k}(E) is irrational here (no rational SVD basis): the {ctx.name} arithmetic "
                            f"cannot build it")


# -- the construction -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Lemma7:
    """The pieces of Lemma 7's construction for one rule, in one arithmetic.

    Fields: ranks (R_l), rank_e (R_E), re_prime (R_E' = sum R_l ∧ R_E), blocks (positions of
    each Q_l), lr (LR_k(E) on demand), E, Ep (E' = LR_{R_E'}(E)), EQ (E' Q_l per layer), prod_w
    (prod W_l). With `build=True` also dw (8), adapted (W_l + dW_l), partial (prod_{i<=l}(W_i +
    dW_i)) and A_terms (A_l of (3)); `exact` says whether every piece is a rational matrix.
    """

    rule: Rule
    ranks: tuple[int, ...]
    rank_e: int
    re_prime: int
    blocks: tuple[tuple[int, int], ...]
    lr: LowRank
    E: Any
    Ep: Any
    EQ: tuple[Any, ...]
    prod_w: Any
    dw: tuple[Any, ...] = ()
    adapted: tuple[Any, ...] = ()
    partial: tuple[Any, ...] = ()
    A_terms: tuple[Any, ...] = ()
    exact: bool = False

    def prefix(self, layer: int) -> int:
        """(sum_{i<=l} R_i) ∧ R_E': the rank of LR in the l-th partial sum of the proof."""
        return min(sum(self.ranks[:layer]), self.re_prime)


def later_product(ctx: Context, ws: Sequence[Any], layer: int, n: int) -> Any:
    """prod_{i=l+1..L} W_i (identity for l = L)."""
    return ctx.prod(list(ws[layer:]), n)


def build(ctx: Context, ws_exact: Sequence[RatMatrix], wbar_exact: RatMatrix, ranks: Sequence[int],
          rule: Rule, *, adapters: bool = True) -> Lemma7:
    """Lemma 7's construction with the given rule; (8) only when `adapters`.

    Raises InstanceError where (8) is undefined (a partial product it inverts is singular) or where
    a low-rank piece cannot be built in this arithmetic.
    """
    n = wbar_exact.nrows
    e_exact = error_matrix(tuple(ws_exact), wbar_exact)
    ws = [ctx.load([w]) for w in ws_exact]
    wbar = ctx.load([wbar_exact])
    prod_w = ctx.prod(ws, n)
    e = ctx.sub(wbar, prod_w)
    lr = LowRank(ctx, e_exact, e)
    rep = min(sum(ranks), lr.rank_e)
    bls = blocks(rule, ranks, rep)
    ep = lr(rep)
    eq = tuple(ctx.sub(lr(hi), lr(lo - 1)) if hi >= lo else ctx.zeros(n, n) for lo, hi in bls)
    exact = all(lr.exact(k) for lo, hi in bls for k in (hi, lo - 1)) and lr.exact(rep)
    out = Lemma7(rule, tuple(ranks), lr.rank_e, rep, bls, lr, e, ep, eq, prod_w, exact=exact)
    if not adapters:
        return out
    dws, adapted, partials, terms = by_eq8(ctx, ws, eq, n)
    return Lemma7(rule, tuple(ranks), lr.rank_e, rep, bls, lr, e, ep, eq, prod_w, dws, adapted, partials, terms, exact)


def by_eq8(ctx: Context, ws: Sequence[Any], pieces: Sequence[Any], n: int) -> tuple[tuple[Any, ...], ...]:
    """(8) for l = 1..L in order: dW_l = (prod_{i>l} W_i)^{-1} T_l (prod_{i<l}(W_i + dW_i))^{-1}.

    Returns (dW_l, W_l + dW_l, prod_{i<=l}(W_i + dW_i), A_l) per layer; A_l is the term of (3).
    """
    dws, adapted, partials, terms = [], [], [], []
    partial = None
    for l in range(1, len(ws) + 1):
        later = later_product(ctx, ws, l, n)
        right = _inverse(ctx, partial, l) if partial is not None else None
        dw = ctx.mm(ctx.inv(later), pieces[l - 1], *([right] if right is not None else []))
        w_ad = ctx.add(ws[l - 1], dw)
        terms.append(ctx.mm(later, dw, partial) if partial is not None else ctx.mm(later, dw))
        partial = w_ad if partial is None else ctx.mm(w_ad, partial)
        dws.append(dw)
        adapted.append(w_ad)
        partials.append(partial)
    return tuple(dws), tuple(adapted), tuple(partials), tuple(terms)


def _inverse(ctx: Context, m: Any, layer: int) -> Any:
    """m^{-1}; InstanceError when m is decided singular (an exact rank), so (8) is undefined there.
    Where singularity is not decided the arithmetic's own error propagates (certified escalates)."""
    try:
        return ctx.inv(m)
    except (InstanceError, PrecisionExhausted):
        if ctx.rank(m) < ctx.shape(m)[0]:
            raise InstanceError(f"(8) is undefined at layer {layer}: prod_(i<{layer}) (W_i + dW_i) is singular "
                                f"(exact rank)") from None
        raise


_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, Any, Lemma7]] = OrderedDict()


def cached(ctx: Context, b: Any, ranks: Sequence[int], rule: Rule, *, adapters: bool = True,
           ws_name: str = "W", wbar_name: str = "Wbar") -> Lemma7:
    """`build` for a bound instance, memoised per (arithmetic, instance, rule): the proof steps of
    one check share it. Entries keep their context and instance alive, so ids are never reused."""
    inst = b.instances[0]
    key = (id(ctx), id(inst), rule, tuple(ranks), adapters, ws_name, wbar_name)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is ctx and hit[1] is inst:
        _CACHE.move_to_end(key)
        return hit[2]
    wbar = inst.matrices[wbar_name]
    ws = inst.matrices[ws_name]
    out = build(ctx, ws, wbar, ranks, rule, adapters=adapters)
    _CACHE[key] = (ctx, inst, out)
    while len(_CACHE) > 24:
        _CACHE.popitem(last=False)
    return out


def lora_products(ctx: Context, ws: Sequence[Any], pairs: Sequence[tuple[Any, Any]], n: int) -> tuple[Any, list[Any],
                                                                                                       list[Any]]:
    """For adapters dW_l = B_l A_l: (prod (W_l + dW_l), [dW_l], [A_l of (3)])."""
    dws = [ctx.mm(bm, am) for bm, am in pairs]
    terms, partial = [], None
    for l, dw in enumerate(dws, start=1):
        later = later_product(ctx, ws, l, n)
        terms.append(ctx.mm(later, dw, partial) if partial is not None else ctx.mm(later, dw))
        w_ad = ctx.add(ws[l - 1], dw)
        partial = w_ad if partial is None else ctx.mm(w_ad, partial)
    return partial, dws, terms


def arbitrary_adapters(ws: Sequence[RatMatrix], wbar: RatMatrix, ranks: Sequence[int],
                       count: int = 2) -> list[list[tuple[RatMatrix, RatMatrix]]]:
    """`count` exact rank-<=R_l adapter sets (small dyadic factors) derived from the instance's data:
    the "any adapters" of steps that hold for every choice, replayable from the instance alone."""
    rng = fingerprint_rng(*ws, wbar, salt=len(ranks))
    n = wbar.nrows
    out = []
    for _ in range(count):
        out.append([(RatMatrix.from_numpy(rng.integers(-4, 5, size=(n, r)) / 4),
                     RatMatrix.from_numpy(rng.integers(-4, 5, size=(r, n)) / 4)) for r in ranks])
    return out


__all__ = ["Lemma7", "LowRank", "Rule", "arbitrary_adapters", "block", "blocks", "build", "by_eq8", "cached", "columns",
           "error_matrix", "fingerprint_rng", "later_product", "lora_products", "multiplicities",
           "rational_basis", "size", "transpose"]
