"""The proof of Lemma 7 (R-LIN), step by step (L1-L11), as claims of role "step".

Each step is checked as printed; where the print cannot be what the proof needs, a second claim of
role "interpretation" checks the reading the proof needs, and says which. Steps about the
construction use `lemma7` (pieces built exactly, as certified balls, or approximately); steps
that hold for *any* adapters are checked on exact adapter sets derived from the instance, plus the
search probes when the check computed them. Identities of matrices are compared entrywise
(max |lhs - rhs| = 0), exactly where the pieces are rational and within the witness tolerance
where they are certified balls; ranks of Q_l and E' Q_l are counted in the SVD basis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import ceil
from typing import Any

from theorems.zeng_lee import lemma7
from theorems.zeng_lee.lemma7 import Lemma7, Rule
from verifier import Claim, Comparison, Context, Instance

STEP_LEVELS = ("mp", "certified")


def ranks_of(b: Any) -> list[int]:
    return [b.params["R"]] * b.params["L"]


Ranks = Callable[[Any], list[int]]


def parts(ctx: Context, b: Any, rule: Rule = "intended", adapters: bool = True, ranks: Ranks = ranks_of) -> Lemma7:
    return lemma7.cached(ctx, b, ranks(b), rule, adapters=adapters)


def tol(ctx: Context, exact: bool, scale: Any) -> Any:
    return None if exact else ctx.witness_tol(scale)


def zero(ctx: Context, label: str, m: Any, exact: bool, scale: Any) -> Comparison:
    """`m = 0`, entrywise: exact where `m` is rational, within the witness tolerance otherwise."""
    return Comparison(label, ctx.maxabs(m), "==", 0, tol=tol(ctx, exact, scale), scale=scale)


def adapter_sets(ctx: Context, b: Any) -> list[tuple[str, list[tuple[Any, Any]]]]:
    """Exact adapter sets for steps that hold for any adapters: two derived from the instance, plus probes."""
    inst = b.instances[0]
    ws, wbar = inst.matrices["W"], inst.matrices["Wbar"]
    out = [(f"adapters #{k}", [(ctx.load([bm]), ctx.load([am])) for bm, am in sets])
           for k, sets in enumerate(lemma7.arbitrary_adapters(ws, wbar, ranks_of(b)))]
    if b.has("probe_B"):
        big_l = b.params["L"]
        bs, as_ = b.m("probe_B"), b.m("probe_A")
        out += [(f"probe {k}", [(bs[k * big_l + l], as_[k * big_l + l]) for l in range(big_l)])
                for k in range(len(bs) // big_l)]
    return out


def _loaded(ctx: Context, b: Any) -> tuple[list[Any], Any, Any, int]:
    n = b.params["D"]
    ws = list(b.m("W"))
    return ws, b.m("Wbar"), ctx.prod(ws, n), n


# -- L1-L5: the reduction to a low-rank approximation ------------------------------------------

def _l1(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    ws, wbar, pw, n = _loaded(ctx, b)
    e = ctx.sub(wbar, pw)
    out = []
    for name, pairs in adapter_sets(ctx, b):
        prod, _dws, _terms = lemma7.lora_products(ctx, ws, pairs, n)
        a = ctx.sub(prod, pw)
        out.append(zero(ctx, f"{name}: (prod(W+dW) - Wbar) - (A - E)", ctx.sub(ctx.sub(prod, wbar), ctx.sub(a, e)),
                        True, None))
    return out


def _l2(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    ws, _wbar, pw, n = _loaded(ctx, b)
    out = []
    for name, pairs in adapter_sets(ctx, b):
        prod, _dws, terms = lemma7.lora_products(ctx, ws, pairs, n)
        total = terms[0]
        for t in terms[1:]:
            total = ctx.add(total, t)
        out.append(zero(ctx, f"{name}: A - sum_l A_l", ctx.sub(ctx.sub(prod, pw), total), True, None))
    return out


def _l3(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    ws, _wbar, pw, n = _loaded(ctx, b)
    r, big_l = b.params["R"], b.params["L"]
    out = []
    for name, pairs in adapter_sets(ctx, b):
        prod, dws, terms = lemma7.lora_products(ctx, ws, pairs, n)
        for l, (dw, t) in enumerate(zip(dws, terms, strict=True), start=1):
            rdw = ctx.rank(dw)
            out.append(Comparison(f"{name}: rank A_{l} <= rank dW_{l}", ctx.rank(t), "<=", rdw))
            out.append(Comparison(f"{name}: rank dW_{l} <= R", rdw, "<=", r))
        out.append(Comparison(f"{name}: rank A <= R L", ctx.rank(ctx.sub(prod, pw)), "<=", r * big_l))
    c = parts(ctx, b, adapters=False)
    for l, bl in enumerate(c.blocks, start=1):
        out.append(Comparison(f"construction: rank dW_{l} = rank E'Q_{l} (SVD-basis count) <= R",
                              lemma7.size(bl, c.re_prime), "<=", r))
    return out


def _l4(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    ws, wbar, pw, n = _loaded(ctx, b)
    e = ctx.sub(wbar, pw)
    k = b.params["R"] * b.params["L"]
    target = ctx.sv(e, k + 1)
    scale = ctx.norm2(e)
    out = []
    for name, pairs in adapter_sets(ctx, b):
        prod, _dws, _terms = lemma7.lora_products(ctx, ws, pairs, n)
        out.append(Comparison(f"{name}: ||A - E||_2 >= s_(RL+1)(E)", ctx.norm2(ctx.sub(ctx.sub(prod, pw), e)), ">=",
                              target, scale=scale))
    c = parts(ctx, b, adapters=False)
    out.append(Comparison("A = E' = LR_(RL∧R_E)(E): ||E' - E||_2 = s_(RL+1)(E)", ctx.norm2(ctx.sub(c.Ep, e)), "==",
                          target, tol=tol(ctx, c.exact, scale), scale=scale))
    return out


def _l5(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    c = parts(ctx, b)
    _ws, wbar, pw, _n = _loaded(ctx, b)
    prod = c.partial[-1]
    scale = ctx.norm2(c.E)
    out = [
        Comparison("(a): ||prod(W+dW) - Wbar||_2 = s_(RL+1)(E)", ctx.norm2(ctx.sub(prod, wbar)), "==",
                   ctx.sv(c.E, b.params["R"] * b.params["L"] + 1), tol=tol(ctx, c.exact, scale), scale=scale),
        zero(ctx, "(b): prod(W+dW) - (prod W + LR_(RL∧R_E)(E))", ctx.sub(prod, ctx.add(pw, c.Ep)), c.exact, scale),
    ]
    if b.params["R"] >= ceil(c.rank_e / b.params["L"]):
        out.append(zero(ctx, "(c): prod(W+dW) - Wbar (R >= ceil(R_E/L))", ctx.sub(prod, wbar), c.exact, scale))
    return out


# -- L6-L11: the construction (11), (8) --------------------------------------------------------

def _sum(ctx: Context, mats: Sequence[Any], n: int) -> Any:
    out = ctx.zeros(n, n)
    for m in mats:
        out = ctx.add(out, m)
    return out


def _cover(c: Lemma7, upto: int, prefix: int) -> list[Comparison]:
    """Positions 1..prefix of E' must be covered exactly once by the first `upto` blocks (none beyond)."""
    mult = lemma7.multiplicities(c.blocks[:upto], c.re_prime)
    return [Comparison(f"SVD basis: position {i} of E' covered by Q_1..Q_{upto}", m, "==", int(i <= prefix))
            for i, m in enumerate(mult, start=1) if m != int(i <= prefix) or i in (1, c.re_prime)]


def sum_claim(rule: Rule, ranks: Ranks = ranks_of) -> Callable[[Context, Any, Any], list[Comparison]]:
    """(7): sum_l E' Q_l = E'."""

    def evaluate(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
        c = parts(ctx, b, rule, adapters=False, ranks=ranks)
        n = b.params["D"]
        scale = ctx.norm2(c.E)
        big_l = len(c.ranks)
        return [*_cover(c, big_l, c.re_prime),
                zero(ctx, "sum_l E'Q_l - E'", ctx.sub(_sum(ctx, c.EQ, n), c.Ep), c.exact, scale)]

    return evaluate


def partial_claim(rule: Rule, ranks: Ranks = ranks_of) -> Callable[[Context, Any, Any], list[Comparison]]:
    """L11: E' sum_{i<=l} Q_i = LR_{(sum_{i<=l} R_i) ∧ R_E'}(E) for every l, and (5) sum_l A_l = E'."""

    def evaluate(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
        c = parts(ctx, b, rule, adapters=False, ranks=ranks)
        n = b.params["D"]
        scale = ctx.norm2(c.E)
        out = []
        for l in range(1, len(c.ranks) + 1):
            k = c.prefix(l)
            out += _cover(c, l, k)
            out.append(zero(ctx, f"E' sum_(i<={l}) Q_i - LR_{k}(E)", ctx.sub(_sum(ctx, c.EQ[:l], n), c.lr(k)),
                            c.exact, scale))
        out.append(zero(ctx, "(5): sum_l A_l - E' (A_l = E'Q_l by L7)", ctx.sub(_sum(ctx, c.EQ, n), c.Ep), c.exact,
                        scale))
        return out

    return evaluate


def rank_claim(rule: Rule, literal: bool, ranks: Ranks = ranks_of) -> Callable[[Context, Any, Any], list[Comparison]]:
    """L8: rank dW_l <= rank Q_l = R_l (literal) or <= R_l (the inequality the proof needs)."""

    def evaluate(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
        c = parts(ctx, b, rule, adapters=False, ranks=ranks)
        out = []
        for l, (bl, r) in enumerate(zip(c.blocks, c.ranks, strict=True), start=1):
            rq, rdw = lemma7.size(bl), lemma7.size(bl, c.re_prime)
            out.append(Comparison(f"rank dW_{l} = rank E'Q_{l} <= rank Q_{l} (SVD-basis counts)", rdw, "<=", rq))
            out.append(Comparison(f"rank dW_{l} <= R_{l} (admissible)", rdw, "<=", r))
            out.append(Comparison(f"rank Q_{l} {'=' if literal else '<='} R_{l}", rq, "==" if literal else "<=", r))
        return out

    return evaluate


def chain(ctx: Context, b: Any, c: Lemma7, i: int) -> list[Comparison]:
    """L9/L10's chain at layer i: (prod_{j>i} W_j)(W_i + dW_i)(prod_{j<i}(W_j + dW_j)) = prod W + E' sum_{j<=i} Q_j
    = prod W + LR_{k_i}(E), and that matrix has rank D (so W_i + dW_i is invertible)."""
    n = b.params["D"]
    ws = list(b.m("W"))
    scale = ctx.norm2(c.E)
    later = lemma7.later_product(ctx, ws, i, n)
    lhs = ctx.mm(later, c.adapted[i - 1], c.partial[i - 2]) if i > 1 else ctx.mm(later, c.adapted[0])
    k = c.prefix(i)
    target = ctx.add(c.prod_w, c.lr(k))
    return [
        zero(ctx, f"(prod_(j>{i}) W_j)(W_{i}+dW_{i})(prod_(j<{i})(W_j+dW_j)) - (prod W + E' sum_(j<={i}) Q_j)",
             ctx.sub(lhs, ctx.add(c.prod_w, _sum(ctx, c.EQ[:i], n))), c.exact, scale),
        zero(ctx, f"E' sum_(j<={i}) Q_j - LR_{k}(E)", ctx.sub(_sum(ctx, c.EQ[:i], n), c.lr(k)), c.exact, scale),
        Comparison(f"rank(W_{i}+dW_{i}) = rank(prod W + LR_{k}(E)) = D", ctx.rank(target), "==", n),
    ]


def invertible_claim(layers: Callable[[int], range], with_identity: bool,
                     ranks: Ranks = ranks_of) -> Callable[[Context, Any, Any], list[Comparison]]:
    """L7: A_l = E' Q_l under (8), and W_i + dW_i invertible for i in `layers(L)`."""

    def evaluate(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
        c = parts(ctx, b, ranks=ranks)
        scale = ctx.norm2(c.E)
        out = []
        if with_identity:
            out += [zero(ctx, f"A_{l} - E'Q_{l}", ctx.sub(t, eq), c.exact, scale)
                    for l, (t, eq) in enumerate(zip(c.A_terms, c.EQ, strict=True), start=1)]
        for i in layers(b.params["L"]):
            out += chain(ctx, b, c, i)
        return out

    return evaluate


def l9_literal(ctx: Context, b: Any, _c: Any) -> list[Comparison]:
    """L9 as printed: Q_1 = I_{1:R,D}, so E'Q_1 = E' I_{1:R,D} must be LR_{R∧R_E'}(E); W_1 + dW_1 invertible."""
    c = parts(ctx, b)
    n, r = b.params["D"], b.params["R"]
    from verifier import RatMatrix

    ident = ctx.load([RatMatrix(n, n, tuple(int(i == j and i < r) for i in range(n) for j in range(n)))])
    k = min(r, c.re_prime)
    scale = ctx.norm2(c.E)
    return [zero(ctx, f"E' I_(1:R,D) - LR_{k}(E) (Q_1 = I_(1:R,D) as printed)", ctx.sub(ctx.mm(c.Ep, ident), c.lr(k)),
                 c.exact, scale), *chain(ctx, b, c, 1)]


def _at_least(big_l: int) -> Callable[[Instance], bool]:
    return lambda inst: inst.p("L") >= big_l


def step(claim_id: str, label: str, statement: str, evaluate: Any, *, role: str = "step", cites: tuple[str, ...] = (),
         interpretation: str = "", applies: Callable[[Instance], bool] | None = None) -> Claim:
    return Claim(claim_id, statement=statement, evaluate=evaluate, quantifier="forall", levels=STEP_LEVELS,
                 role=role, label=label, cites=cites, interpretation=interpretation, applies=applies)  # type: ignore[arg-type]


INTENDED_Q = (r"$Q_l = V I_{(R(l-1)+1) : (Rl)\wedge R_E', D} V^T$, empty when $R(l-1)+1 > R_E'$ (disjoint "
              r"consecutive blocks of right singular vectors)")

STEPS = (
    step("L1", "L1", r"(2) $\|\prod(W_l+\Delta W_l) - \bar W\|_2 = \|A - E\|_2$ with $A = \prod(W_l+\Delta W_l) - "
         r"\prod W_l$, for any adapters (checked as the matrix identity behind it)", _l1),
    step("L2", "L2", r"(3) $A = \sum_l A_l$, $A_l = (\prod_{i>l} W_i)\,\Delta W_l\,\prod_{i<l}(W_i+\Delta W_i)$, "
         r"for any adapters", _l2),
    step("L3", "L3", r"$\mathrm{rank}\,A_l \le \mathrm{rank}\,\Delta W_l \le R$, so $\mathrm{rank}\,A \le RL$",
         _l3, cites=("RANK-PRODUCT", "RANK-SUBADD", "C-MAT")),
    step("L4", "L4", r"(4) the minimum is $\ge \min_{\mathrm{rank} A \le RL}\|A - E\|_2 = \sigma_{RL+1}(E)$, attained "
         r"by $A = E' = \mathrm{LR}_{RL\wedge R_E}(E)$ (Eckart-Young-Mirsky)", _l4, cites=("EYM-2", "R-LIN/L3")),
    step("L5", "L5", r"achieving (5) $A = E'$ with admissible adapters gives every statement of the lemma "
         r"(checked on the construction: error $\sigma_{RL+1}(E)$, product $\prod W + \mathrm{LR}_{RL\wedge R_E}(E)$, "
         r"exact when $R \ge \lceil R_E/L\rceil$)", _l5, cites=("R-LIN/L4", "R-LIN/L11")),
    step("L6", "L6", r"(7) $\sum_l E' Q_l = E'$ for the $Q_l$ of (11) as printed, "
         r"$Q_l = V I_{(R(l-1)+1)\wedge R_E' : (Rl)\wedge R_E', D} V^T$ (stated as clear)", sum_claim("printed-11")),
    step("L6-intended", "L6", r"(7) $\sum_l E' Q_l = E'$ with " + INTENDED_Q, sum_claim("intended"),
         role="interpretation",
         interpretation="As printed, (11) clips the start index to R_E' too, so every layer l with R(l-1)+1 > R_E' "
         "gets Q_l = v_{R_E'} v_{R_E'}^T instead of 0 and (7) counts that direction more than once. The proof "
         "needs the blocks to be empty there."),
    step("L7", "L7", r"under (8), $A_l = E' Q_l$; (8) needs (10) $W_i + \Delta W_i$ invertible only for "
         r"$i \in [L-1]$", invertible_claim(lambda big_l: range(1, big_l), True), cites=("R-LIN/L10",)),
    step("L7-sketch", "L7", r"the main-text sketch (p4): (10) $W_i + \Delta W_i$ is invertible for every "
         r"$i \in [L]$", invertible_claim(lambda big_l: range(1, big_l + 1), False), role="interpretation",
         interpretation="The main text's sketch says 'for i in [L]'; the appendix needs only i in [L-1]. At i = L, "
         "W_L + dW_L has the rank of prod W + E', which the hypothesis (r <= R(L-1)) does not cover; it is "
         "singular whenever the adapted product is (e.g. a singular target matched exactly)."),
    step("L8", "L8", r"$\mathrm{rank}\,\Delta W_l \le \mathrm{rank}\,Q_l = R$ (as printed, with the $Q_l$ of (11))",
         rank_claim("printed-11", True)),
    step("L8-intended", "L8", r"$\mathrm{rank}\,\Delta W_l \le \mathrm{rank}\,Q_l \le R$ with " + INTENDED_Q,
         rank_claim("intended", False), role="interpretation",
         interpretation="'rank Q_l = R' fails whenever R_E' < R L (the last blocks are short or empty); the proof "
         "only needs rank Q_l <= R."),
    step("L9", "L9", r"(12) base: $Q_1 = I_{1:R,D}$ (as printed, without $V$); $\mathrm{rank}(W_1+\Delta W_1) = "
         r"\mathrm{rank}(\prod W + E'Q_1) = \mathrm{rank}(\prod W + \mathrm{LR}_{R\wedge R_E'}(E)) = D$ "
         r"(every L, as printed)", l9_literal),
    step("L9-intended", "L9", r"(12) base with $Q_1 = V I_{1:R\wedge R_E',D} V^T$: $\mathrm{rank}(W_1+\Delta W_1) = "
         r"\mathrm{rank}(\prod W + \mathrm{LR}_{R\wedge R_E'}(E)) = D$ for $L \ge 2$",
         invertible_claim(lambda big_l: range(1, 2), False), role="interpretation", applies=_at_least(2),
         interpretation="Q_1 of (11) is V I_{1:R∧R_E'} V^T, not I_{1:R,D}; and the base case is needed only when "
         "layer 1 is not the last (L >= 2): for L = 1 the hypothesis (r <= 0) says nothing about W_1 + dW_1."),
    step("L10", "L10", r"step, $l = 2..L$ as printed: $(\prod_{i>l} W_i)(W_l+\Delta W_l)\prod_{i<l}(W_i+\Delta W_i) "
         r"= \prod W + E'\sum_{i\le l} Q_i = \prod W + \mathrm{LR}_{Rl\wedge R_E'}(E)$ of rank $D$",
         invertible_claim(lambda big_l: range(2, big_l + 1), False), applies=_at_least(2), cites=("R-LIN/L11",)),
    step("L10-intended", "L10", r"step for $l = 2..L-1$ only (what (10) needs)",
         invertible_claim(lambda big_l: range(2, big_l), False), role="interpretation", applies=_at_least(3),
         interpretation="At l = L the printed range covers prod W + LR_{RL∧R_E'}(E), outside the hypothesis "
         "(r <= R(L-1)); the induction is needed only up to L - 1 (L7)."),
    step("L11", "L11", r"$E'\sum_{i\le l} Q_i = \mathrm{LR}_{Rl\wedge R_E'}(E)$ for the $Q_l$ of (11) as printed; "
         r"summing $A_l = E'Q_l$ gives (5) $A = E'$", partial_claim("printed-11"), cites=("R-LIN/L6", "R-LIN/L7")),
    step("L11-intended", "L11", r"$E'\sum_{i\le l} Q_i = \mathrm{LR}_{Rl\wedge R_E'}(E)$ and (5) with " + INTENDED_Q,
         partial_claim("intended"), role="interpretation",
         interpretation="As for L6: with the printed clipping, layers past R_E' repeat the last direction."),
)

__all__ = [
    "STEPS",
    "STEP_LEVELS",
    "adapter_sets",
    "chain",
    "invertible_claim",
    "partial_claim",
    "parts",
    "rank_claim",
    "ranks_of",
    "step",
    "sum_claim",
    "tol",
    "zero",
]
