"""R-WIDE (Appendix H, p45-46): a wider frozen linear model adapted to a narrower target.

Frozen W_1..W_L are D x D, the target Wbar is Dbar x Dbar (Dbar <= D); inputs x in R^Dbar enter
as (x; 0) and (27) f((x; 0)) - (fbar(x); 0) = prod(W_l + dW_l)(x; 0) - (Wbar x; 0). Appendix H sets
Wt = Wbar on the top-left Dbar x Dbar block and prod W_l elsewhere, applies Lemma 1 to target Wt
(in Frobenius norm, (28)) and concludes that if R >= floor(Dbar/L) (floor as printed) the optimum is
prod(W_l + dW_l) = Wt, so (27) vanishes for every x. Steps W1-W4 are claims; the printed Wt keeps
the bottom-left block of prod W, which (27) does see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee import lemma7
from theorems.zeng_lee._common import PAPER, frozen_layers, gaussian, product
from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    Parameter,
    RatMatrix,
    Refutation,
    Theorem,
    exact_rank,
    exact_sub,
)
from verifier.linalg import all_nonsingular, lowrank_corrections_nonsingular

ID = "R-WIDE"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {"W": [(p["D"], p["D"])] * p["L"], "Wbar": (p["Dbar"], p["Dbar"])}


def embedded_target(inst: Instance, bottom_left: str) -> RatMatrix:
    """Wt: Wbar on the top-left block and prod W elsewhere ("printed"); with bottom_left="zero" the
    bottom-left block is 0 instead (what (27) = 0 needs)."""
    n, k = inst.p("D"), inst.p("Dbar")
    p = product(inst.matrices["W"], n).rows()
    wbar = inst.matrices["Wbar"].rows()
    rows = [[wbar[i][j] if i < k and j < k else (0 if bottom_left == "zero" and i >= k and j < k else p[i][j])
             for j in range(n)] for i in range(n)]
    return _mat(rows)


def _mat(rows: list[list[Any]]) -> RatMatrix:
    return RatMatrix(len(rows), len(rows[0]), tuple(Fraction(x) for r in rows for x in r))


def needed_change(inst: Instance) -> RatMatrix:
    """N = [Wbar - P_11; -P_21]: what prod(W+dW) - prod W must be on the first Dbar columns for (27) = 0."""
    n, k = inst.p("D"), inst.p("Dbar")
    target = embedded_target(inst, "zero")
    diff = exact_sub(target, product(inst.matrices["W"], n)).rows()
    return _mat([[diff[i][j] for j in range(k)] for i in range(n)])


DEFAULTS: tuple[dict[str, int] | None, ...] = (
    None, None, None, None, {"D": 3, "Dbar": 3, "L": 2, "R": 1},
    {"D": 16, "Dbar": 8, "L": 2, "R": 4}, {"D": 16, "Dbar": 9, "L": 2, "R": 4},
)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian N(0, 1/D) layers and target; every third instance has block-diagonal layers (the
    bottom-left block of prod W is 0, where the printed Wt works). Defaults end at the paper's D = 16
    with Dbar = 8 and 9 at L = 2, R = 4 (ceil(8/2) = 4 = floor(9/2))."""
    if params is None:
        fixed = DEFAULTS[index] if index < len(DEFAULTS) else None
        d = int(rng.integers(2, 7))
        params = fixed or {"D": d, "Dbar": int(rng.integers(1, d + 1)), "L": int(rng.integers(1, 5)),
                           "R": int(rng.integers(1, d + 1))}
    n, k, big_l = params["D"], params["Dbar"], params["L"]
    ws = frozen_layers(rng, n, big_l)
    if index % 3 == 2:
        ws = tuple(RatMatrix(n, n, tuple(x if (i < k) == (j < k) else 0 * x for (i, j), x in
                                         zip(((i, j) for i in range(n) for j in range(n)), w.entries, strict=True)))
                   for w in ws)
    return Instance(ID, dict(params), {"W": ws, "Wbar": gaussian(rng, k, k, 1 / np.sqrt(k))}, seed=index)


@dataclass(frozen=True)
class WideConstruction:
    """Lemma 1's construction toward the printed Wt (`printed`: its product) and toward Wt with a zero
    bottom-left block (`corrected`: its product); Wt and E = Wt - prod W as printed."""

    printed: Any
    corrected: Any
    Wt: Any
    E: Any
    adapters: tuple[Any, ...]


def construction(ctx: Any, b: Any) -> WideConstruction:
    inst = b.instances[0]
    n, r, big_l = b.params["D"], b.params["R"], b.params["L"]
    ws = list(b.m("W"))
    wt = ctx.load([embedded_target(inst, "printed")])
    wt0 = ctx.load([embedded_target(inst, "zero")])
    pw = ctx.prod(ws, n)
    ads = lora_adapters(ctx, ws, wt0, [r] * big_l)
    printed = ctx.prod(adapted_weights(ctx, ws, lora_adapters(ctx, ws, wt, [r] * big_l)), n)
    return WideConstruction(printed, ctx.prod(adapted_weights(ctx, ws, ads), n), wt, ctx.sub(wt, pw), tuple(ads))


def _first_columns(ctx: Any, m: Any, k: int) -> Any:
    return ctx.cols(m, 0, k)


def _embedded_wbar(ctx: Any, b: Any) -> Any:
    """[Wbar; 0] (D x Dbar): the target of prod(W + dW) on inputs (x; 0)."""
    n, k = b.params["D"], b.params["Dbar"]
    rows = b.instances[0].matrices["Wbar"].rows() + [[0] * k for _ in range(n - k)]
    return ctx.load([_mat(rows)])


def _eq27(ctx: Any, b: Any, prod: Any) -> Any:
    """The matrix of (27): prod(W+dW)(x; 0) - (Wbar x; 0) = M x for all x."""
    return ctx.sub(_first_columns(ctx, prod, b.params["Dbar"]), _embedded_wbar(ctx, b))


def _exists(which: str) -> Any:
    def evaluate(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
        out = [Comparison("max|(27)| over the basis: prod(W+dW)(x;0) - (Wbar x;0)",
                          ctx.maxabs(_eq27(ctx, b, getattr(c, which))), "==", 0,
                          tol=ctx.witness_tol(ctx.maxabs(c.E)))]
        for l, ad in enumerate(c.adapters, start=1):
            if ad is not None:
                size = ctx.rank(ctx.mm(*ad)) if ctx.level == "exact" else ctx.shape(ad[0])[1]
                out.append(Comparison(f"rank dW_{l} <= R", size, "<=", b.params["R"]))
        return out

    return evaluate


def refute_wide(inst: Instance) -> Refutation | None:
    """(27) = 0 for all x needs (prod(W+dW) - prod W)[:, :Dbar] = N, of rank <= R L."""
    k, rl = exact_rank(needed_change(inst)), inst.p("R") * inst.p("L")
    if k > rl:
        return Refutation("exact", f"rank[Wbar - P_11; -P_21] = {k} > R L = {rl} (exact), while the first Dbar "
                          f"columns of prod(W+dW) - prod W have rank <= R L")
    return None


def _w1(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
    k = b.params["Dbar"]
    bottom_left = ctx.rows(_first_columns(ctx, c.printed, k), k, b.params["D"])
    return [Comparison("max|bottom-left block of prod(W+dW)| (rows Dbar+1..D: they enter (27))",
                       ctx.maxabs(bottom_left) if b.params["D"] > k else 0, "==", 0,
                       tol=ctx.witness_tol(ctx.maxabs(c.E)))]


def _w1_columns(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
    n, k = b.params["D"], b.params["Dbar"]
    basis = ctx.load([_mat([[int(i == j) for j in range(k)] for i in range(n)])])  # the inputs (x; 0)
    return [Comparison("max|M (e_j; 0) - M[:, :Dbar] e_j|", ctx.maxabs(ctx.sub(ctx.mm(c.printed, basis),
                                                                               _first_columns(ctx, c.printed, k))),
                       "==", 0)]


def _w2(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
    n, k = b.params["D"], b.params["Dbar"]
    outside = [ctx.maxabs(ctx.cols(c.E, k, n)), ctx.maxabs(ctx.rows(c.E, k, n))] if n > k else []
    return [*(Comparison("max|E outside the top-left block|", v, "==", 0) for v in outside),
            Comparison("rank E <= Dbar", exact_rank(lemma7.error_matrix(tuple(b.instances[0].matrices["W"]),
                                                                          embedded_target(b.instances[0], "printed"))),
                       "<=", k)]


def _w3(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
    inst = b.instances[0]
    n, rl = b.params["D"], b.params["R"] * b.params["L"]
    ws = list(b.m("W"))
    tail = ctx.frobenius_sq(ctx.sub(c.E, lemma7.LowRank(ctx, lemma7.error_matrix(
        tuple(inst.matrices["W"]), embedded_target(inst, "printed")), c.E)(rl)))
    scale = ctx.frobenius_sq(c.E)
    out = [Comparison("construction: ||prod(W+dW) - Wt||_F^2 <= sum_(i>RL) s_i(E)^2",
                      ctx.frobenius_sq(ctx.sub(c.printed, c.Wt)), "<=", tail, tol=ctx.witness_tol(scale), scale=scale)]
    for k, pairs in enumerate(lemma7.arbitrary_adapters(inst.matrices["W"], embedded_target(inst, "printed"),
                                                        [b.params["R"]] * b.params["L"])):
        prod, _d, _t = lemma7.lora_products(ctx, ws, [(ctx.load([p]), ctx.load([q])) for p, q in pairs], n)
        out.append(Comparison(f"adapters #{k}: ||prod(W+dW) - Wt||_F^2 >= sum_(i>RL) s_i(E)^2",
                              ctx.frobenius_sq(ctx.sub(prod, c.Wt)), ">=", tail, scale=scale))
    return out


def _w4(ctx: Any, b: Any, c: WideConstruction) -> list[Comparison]:
    inst = b.instances[0]
    rank_e = exact_rank(lemma7.error_matrix(tuple(inst.matrices["W"]), embedded_target(inst, "printed")))
    return [Comparison("the optimum of (28) is Wt: rank(Wt - prod W) <= R L", rank_e, "<=",
                       b.params["R"] * b.params["L"]),
            Comparison("prod = Wt gives (27) = 0: max|Wt(x;0) - (Wbar x;0)|", ctx.maxabs(_eq27(ctx, b, c.Wt)), "==", 0)]


def _floor_applies(inst: Instance) -> bool:
    return inst.p("R") >= inst.p("Dbar") // inst.p("L")


def _w_nonsingular(inst: Instance) -> AssumptionResult:
    return all_nonsingular(inst.matrices["W"])


def _corrections(inst: Instance) -> AssumptionResult:
    n = inst.p("D")
    return lowrank_corrections_nonsingular(product(inst.matrices["W"], n), embedded_target(inst, "printed"),
                                           inst.p("R") * (inst.p("L") - 1))


LEVELS = ("mp", "certified", "exact")
CLAIMS = (
    Claim("exact-wide", statement=r"if $R \ge \lfloor \bar D/L \rfloor$ (floor as printed), there are adapters of "
          r"rank $\le R$ with $f((x;0)) = (\bar f(x); 0)$ for every $x \in \mathbb{R}^{\bar D}$", quantifier="exists",
          levels=LEVELS, evaluate=_exists("corrected"), applies=_floor_applies, refute=refute_wide,
          label="App. H", cites=("R-LIN",)),
    Claim("exact-wide-ceil", statement=r"the same for $R \ge \lceil \bar D/L \rceil$ (the threshold of Lemma 1)",
          quantifier="exists", levels=LEVELS, evaluate=_exists("corrected"),
          applies=lambda inst: inst.p("R") >= ceil(inst.p("Dbar") / inst.p("L")), refute=refute_wide,
          label="App. H", role="interpretation", cites=("R-LIN",),
          interpretation="The floor cannot be meant: with R L < Dbar no adapters can work (rank). With the ceiling "
          "the statement holds, but the witness must target Wt with a zero bottom-left block (see W1, W4)."),
    Claim("W1", statement=r"the last $D - \bar D$ rows and columns of $\prod(W_l+\Delta W_l)$ do not affect (27) "
          r"(checked on the product of the construction toward the printed $\tilde W$: dropping them leaves (27) "
          r"unchanged iff its bottom-left block is 0)",
          evaluate=_w1, levels=LEVELS, role="step", label="W1"),
    Claim("W1-columns", statement=r"the last $D - \bar D$ columns of the product do not affect (27)",
          evaluate=_w1_columns, levels=LEVELS, role="interpretation", label="W1",
          interpretation="Only the columns are irrelevant: rows D-Dbar+1..D of the first Dbar columns are the "
          "second component of (27), which must vanish."),
    Claim("W2", statement=r"with $\tilde W = \bar W$ on the top-left block and $\prod W_l$ elsewhere, "
          r"$E = \tilde W - \prod W_l$ vanishes outside that block and $R_E \le \bar D$", evaluate=_w2,
          levels=LEVELS, role="step", label="W2"),
    Claim("W3", statement=r"(28) is posed in Frobenius norm: Lemma 1's construction toward $\tilde W$ reaches "
          r"$\sum_{i>RL}\sigma_i^2(E)$ and no (sampled) adapters do better", evaluate=_w3,
          levels=("mp", "certified"), role="step", label="W3", cites=("R-LIN", "EYM-F")),
    Claim("W4", statement=r"by Lemma 1, if $R \ge \lfloor \bar D/L\rfloor$ the optimum of (28) is "
          r"$\prod(W_l+\Delta W_l) = \tilde W$, so (27) is 0 for all $x$", evaluate=_w4, levels=LEVELS, role="step",
          label="W4", applies=_floor_applies, cites=("R-LIN",)),
)

R_WIDE = Theorem(
    id=ID,
    title="LoRA when the frozen model is wider than the target (linear case)",
    statement=(r"Frozen $W_l \in \mathbb{R}^{D\times D}$, target $\bar W \in \mathbb{R}^{\bar D\times\bar D}$, "
               r"$\bar D \le D$. If $R \ge \lfloor \bar D/L \rfloor$, LoRA adapters of rank $\le R$ make (27) "
               r"$f((x;0)) - (\bar f(x);0) = \prod_l(W_l+\Delta W_l)(x;0) - (\bar W x;0)$ vanish for every "
               r"$x \in \mathbb{R}^{\bar D}$."),
    source=PAPER.at("Appendix H", page="45-46", note="linear case only (the FNN case is said to be 'similar'); "
                    "floor as printed, bar inferred"),
    parameters=(Parameter("D", description="frozen width", low=1, high=64),
                Parameter("Dbar", description="target width", low=1, high=64),
                Parameter("L", description="depth", low=1, high=8),
                Parameter("R", description="LoRA rank", low=1, high=64)),
    constraints=lambda p: None if p["Dbar"] <= p["D"] and p["R"] <= p["D"] else "needs Dbar <= D and R <= D",
    assumptions=(Assumption("W-nonsingular", statement=r"every frozen $W_l$ is non-singular", check=_w_nonsingular),
                 Assumption("corrections-nonsingular", statement=r"Lemma 1's hypothesis for target $\tilde W$: "
                            r"$\prod W_l + \mathrm{LR}_r(\tilde W - \prod W_l)$ non-singular, $r \le R(L-1)$",
                            check=_corrections)),
    construction=construction,
    construction_summary=("Lemma 1's construction (rank-R adapters, disjoint blocks of singular directions) toward "
                          "Wt as printed, and toward Wt with its bottom-left block set to 0 (the witness)."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    depends_on=("R-LIN", "EYM-F"),
    default_examples=len(DEFAULTS),
)
