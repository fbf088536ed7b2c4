"""R-LINV (Lemma 8, p24-25): LoRA on a deep linear model with a rank R_l per layer.

With E = Wbar - prod W_l and R_E = rank E: if every W_l and every prod W_l + LR_r(E),
r <= sum_{l<L} R_l, is non-singular, the best error over adapters with rank(dW_l) <= R_l is
s_{sum R_l + 1}(E), the optimal product is prod W + LR_{(sum R_l)∧R_E}(E), and it is exact when
sum R_l >= R_E. The proof is Lemma 7's with Q_l = V I_{(sum_{i<l} R_i)∧R_E' : (sum_{i<=l} R_i)∧R_E', D} V^T
as printed (start index without "+1"); its steps are the Lemma 7 steps that this Q_l changes.
Per-layer ranks are the parameters R1..R4 (depth L <= 4; ranks past L are unused).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER, product
from theorems.zeng_lee.lemma7 import error_matrix
from theorems.zeng_lee.lin_instances import MODES, linear_instance
from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters
from theorems.zeng_lee.models.probes import linear_lora_probes, np_product
from theorems.zeng_lee.r_lin_steps import STEP_LEVELS, invertible_claim, parts, rank_claim, step, sum_claim
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    Instance,
    Parameter,
    RatMatrix,
    Theorem,
    exact_rank,
)
from verifier.linalg import all_nonsingular, lowrank_corrections_nonsingular

ID = "R-LINV"
MAX_L = 4


def ranks_of(b: Any) -> list[int]:
    return [b.params[f"R{l}"] for l in range(1, b.params["L"] + 1)]


def _ranks(inst: Instance) -> list[int]:
    return [inst.p(f"R{l}") for l in range(1, inst.p("L") + 1)]


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {"W": [(p["D"], p["D"])] * p["L"], "Wbar": (p["D"], p["D"])}


DEFAULTS: tuple[tuple[dict[str, int] | None, str], ...] = (
    (None, "generic"), (None, "low-rank"), (None, "rational-basis"), (None, "just-above"),
    ({"D": 16, "L": 2, "R1": 3, "R2": 5, "R3": 0, "R4": 0}, "generic"),
    ({"D": 16, "L": 4, "R1": 1, "R2": 3, "R3": 2, "R4": 2}, "rational-basis"),
)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """As R-LIN's generator, with per-layer ranks; the defaults end with the paper's D = 16 (L = 2 at
    total rank 8, the exactness threshold of Fig. 1, and L = 4 with an uneven allocation)."""
    fixed, mode = DEFAULTS[index] if index < len(DEFAULTS) else (None, MODES[index % len(MODES)])
    if params is None:
        d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, MAX_L + 1))
        params = fixed or {"D": d, "L": big_l, **{f"R{l}": (int(rng.integers(0, d + 1)) if l <= big_l else 0)
                                                   for l in range(1, MAX_L + 1)}}
    else:
        mode = MODES[index % len(MODES)]
    ranks = [params[f"R{l}"] for l in range(1, params["L"] + 1)]
    ws, wbar, _mode = linear_instance(rng, params["D"], params["L"], ranks, mode)
    return Instance(ID, dict(params), {"W": ws, "Wbar": wbar}, seed=index)


@dataclass(frozen=True)
class LinvConstruction:
    """Lemma 8's adapters per layer (disjoint blocks of R_l singular directions), E and the residual;
    `last` is the residual with all sum R_l directions on the last layer (the remark's allocation)."""

    adapters: tuple[Any, ...]
    E: Any
    residual: Any
    last: Any


def construction(ctx: Any, b: Any) -> LinvConstruction:
    d, ranks = b.params["D"], ranks_of(b)
    ws, wbar = list(b.m("W")), b.m("Wbar")
    e = ctx.sub(wbar, ctx.prod(ws, d))
    ads = lora_adapters(ctx, ws, wbar, ranks)
    res = ctx.sub(ctx.prod(adapted_weights(ctx, ws, ads), d), wbar)
    last_ranks = [0] * (len(ranks) - 1) + [min(sum(ranks), d)]
    last = ctx.sub(ctx.prod(adapted_weights(ctx, ws, lora_adapters(ctx, ws, wbar, last_ranks)), d), wbar)
    return LinvConstruction(tuple(ads), e, res, last)


def _total(b: Any) -> int:
    return sum(ranks_of(b))


def _attained(ctx: Any, b: Any, c: LinvConstruction) -> list[Comparison]:
    scale = ctx.norm2(c.E)
    out = [Comparison("||prod(W+dW) - Wbar||_2 <= s_(sum R_l + 1)(E)", ctx.norm2(c.residual), "<=",
                      ctx.sv(c.E, _total(b) + 1), tol=ctx.witness_tol(scale), scale=scale)]
    for l, (ad, r) in enumerate(zip(c.adapters, ranks_of(b), strict=True), start=1):
        if ad is not None:
            size = ctx.rank(ctx.mm(*ad)) if ctx.level == "exact" else ctx.shape(ad[0])[1]
            out.append(Comparison(f"rank dW_{l} <= R_{l}", size, "<=", r))
    return out


def _no_better(ctx: Any, b: Any, c: LinvConstruction) -> list[Comparison]:
    d, big_l = b.params["D"], b.params["L"]
    ws, wbar = list(b.m("W")), b.m("Wbar")
    bs, as_ = b.m("probe_B"), b.m("probe_A")
    target, scale = ctx.sv(c.E, _total(b) + 1), ctx.norm2(c.E)
    out = []
    for k in range(len(bs) // big_l):
        ads = [(bs[k * big_l + l], as_[k * big_l + l]) for l in range(big_l)]
        res = ctx.sub(ctx.prod(adapted_weights(ctx, ws, ads), d), wbar)
        out.append(Comparison(f"probe {k}: ||prod(W+BA) - Wbar||_2 >= s_(sum R_l + 1)(E)", ctx.norm2(res), ">=",
                              target, scale=scale))
    return out


def _product_form(ctx: Any, b: Any, c: LinvConstruction) -> list[Comparison]:
    p = parts(ctx, b, adapters=False, ranks=ranks_of)
    prod = ctx.add(c.residual, b.m("Wbar"))
    scale = ctx.norm2(c.E)
    return [Comparison(f"max|prod(W+dW) - (prod W + LR_{p.re_prime}(E))|",
                       ctx.maxabs(ctx.sub(prod, ctx.add(p.prod_w, p.Ep))), "==", 0, tol=ctx.witness_tol(scale),
                       scale=scale)]


def _exact(ctx: Any, b: Any, c: LinvConstruction) -> list[Comparison]:
    scale = ctx.maxabs(c.E)
    return [Comparison("max|prod(W+dW) - Wbar|", ctx.maxabs(c.residual), "==", 0, tol=ctx.witness_tol(scale),
                       scale=scale)]


def _remark(ctx: Any, b: Any, c: LinvConstruction) -> list[Comparison]:
    scale = ctx.norm2(c.E)
    return [Comparison("all sum R_l directions on the last layer: ||prod(W+dW) - Wbar||_2 <= s_(sum R_l + 1)(E)",
                       ctx.norm2(c.last), "<=", ctx.sv(c.E, _total(b) + 1), tol=ctx.witness_tol(scale), scale=scale)]


def _rank_e(inst: Instance) -> int:
    return exact_rank(error_matrix(tuple(inst.matrices["W"]), inst.matrices["Wbar"]))


def probes(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    """The float64 construction perturbed by 1e-3, two random adapter sets with the per-layer ranks,
    and (where every R_l >= 1) one short descent at rank min R_l."""
    d, ranks = inst.p("D"), _ranks(inst)
    ws = [w.to_numpy() for w in inst.matrices["W"]]
    e = inst.matrices["Wbar"].to_numpy() - np_product(ws, d)
    vt = np.linalg.svd(e)[2]
    sets, warm, partial, start = [], [], np.eye(d), 0
    for l, r in enumerate(ranks):
        cols = vt[start:start + r].T
        start += r
        bm, am = np.zeros((d, r)), np.zeros((r, d))
        if cols.shape[1]:
            bm[:, :cols.shape[1]] = np.linalg.solve(np_product(ws[l + 1:], d), e @ cols)
            am[:cols.shape[1]] = cols.T @ np.linalg.inv(partial)
        warm.append((bm * (1 + 1e-3 * rng.standard_normal(bm.shape)), am))
        partial = (ws[l] + bm @ am) @ partial
    sets.append(warm)
    sets += [[(rng.standard_normal((d, r)) / np.sqrt(d), rng.standard_normal((r, d)) / np.sqrt(d)) for r in ranks]
             for _ in range(2)]
    out_b = [RatMatrix.from_numpy(bm) for s in sets for bm, _ in s]
    out_a = [RatMatrix.from_numpy(am) for s in sets for _, am in s]
    if min(ranks) >= 1:
        gd = linear_lora_probes(inst.matrices["W"], inst.matrices["Wbar"], min(ranks), rng, restarts=1, steps=150)
        out_b += gd["probe_B"][: len(ranks)]
        out_a += gd["probe_A"][: len(ranks)]
    return {"probe_B": tuple(out_b), "probe_A": tuple(out_a)}


def _w_nonsingular(inst: Instance) -> AssumptionResult:
    return all_nonsingular(inst.matrices["W"])


def _corrections(inst: Instance) -> AssumptionResult:
    d = inst.p("D")
    rmax = sum(_ranks(inst)[:-1])
    return lowrank_corrections_nonsingular(product(inst.matrices["W"], d), inst.matrices["Wbar"], rmax)


ASSUMPTIONS = (
    Assumption("W-nonsingular", statement=r"every frozen $W_l$ is non-singular", check=_w_nonsingular),
    Assumption("corrections-nonsingular",
               statement=r"$\prod_l W_l + \mathrm{LR}_r(E)$ is non-singular for every $r \le \sum_{l=1}^{L-1} R_l$",
               check=_corrections),
)

_LAYERS = "Lemma 8's " + r"$Q_l = V I_{(\sum_{i<l} R_i)\wedge R_E' : (\sum_{i\le l} R_i)\wedge R_E', D} V^T$"
_INTENDED = r"$Q_l = V I_{\sum_{i<l} R_i + 1 : (\sum_{i\le l} R_i)\wedge R_E', D} V^T$ (disjoint blocks)"
_WHY = ("As printed the start index lacks '+1': block l >= 2 starts at the last position of block l-1, so Q_l has "
        "R_l + 1 directions (rank dW_l can exceed R_l) and consecutive blocks share a direction ((7) counts it "
        "twice). Lemma 7's (11) has the '+1'; the proof needs disjoint blocks.")

CLAIMS = (
    Claim("optimum-attained", statement=r"the construction has $\mathrm{rank}(\Delta W_l) \le R_l$ and "
          r"$\|\prod(W_l+\Delta W_l) - \bar W\|_2 = \sigma_{\sum_l R_l + 1}(E)$", quantifier="exists",
          levels=("float", "mp", "certified"), evaluate=_attained, cites=("R-LIN",)),
    Claim("no-better-adapters", statement=r"no adapters with $\mathrm{rank}(\Delta W_l) \le R_l$ do better than "
          r"$\sigma_{\sum_l R_l + 1}(E)$ (probed: perturbed construction, random, descent; a finite check)",
          quantifier="forall", levels=("float", "mp", "certified"), evaluate=_no_better, uses_probes=True,
          cites=("EYM-2",)),
    Claim("optimal-product-form", statement=r"an optimal solution has $\prod(W_l+\Delta W_l) = \prod W_l + "
          r"\mathrm{LR}_{(\sum_l R_l)\wedge R_E}(E)$", quantifier="exists", levels=STEP_LEVELS,
          evaluate=_product_form),
    Claim("exact-above-threshold", statement=r"if $\sum_l R_l \ge R_E$ then $\prod(W_l+\Delta W_l) = \bar W$",
          quantifier="exists", levels=("float", "mp", "certified", "exact"), evaluate=_exact,
          applies=lambda inst: sum(_ranks(inst)) >= _rank_e(inst)),
    Claim("remark-allocation", statement=r"Remark (p25): the error depends on the ranks only through "
          r"$\sum_l R_l$: all of it on the last layer (rank $\sum_l R_l \le D$, others 0) also attains "
          r"$\sigma_{\sum_l R_l + 1}(E)$", quantifier="exists", levels=("float", "mp", "certified"),
          evaluate=_remark, label="Remark p25"),
    step("Q-rank", "L8", r"Lemma 7's L8 with " + _LAYERS + r" as printed: $\mathrm{rank}\,\Delta W_l \le "
         r"\mathrm{rank}\,Q_l \le R_l$", rank_claim("printed-lemma8", False, ranks_of), cites=("R-LIN/L8",)),
    step("Q-rank-intended", "L8", r"L8 with " + _INTENDED, rank_claim("intended", False, ranks_of),
         role="interpretation", interpretation=_WHY),
    step("Q-sum", "L6", r"Lemma 7's (7) with " + _LAYERS + r" as printed: $\sum_l E'Q_l = E'$",
         sum_claim("printed-lemma8", ranks_of), cites=("R-LIN/L6",)),
    step("Q-sum-intended", "L6", r"(7) with " + _INTENDED, sum_claim("intended", ranks_of), role="interpretation",
         interpretation=_WHY),
    step("invertible", "L7", r"under the hypothesis ($r \le \sum_{l<L} R_l$), (8) is defined: $W_i + \Delta W_i$ is "
         r"invertible for $i \in [L-1]$, and $A_l = E'Q_l$", invertible_claim(lambda big_l: range(1, big_l), True,
                                                                           ranks_of), cites=("R-LIN/L7",)),
)

R_LINV = Theorem(
    id=ID,
    title="LoRA on deep linear models with a rank per layer",
    statement=(r"Let $E = \bar W - \prod_l W_l$, $R_E = \mathrm{rank}(E)$. If every $W_l$ and every "
               r"$\prod_l W_l + \mathrm{LR}_r(E)$, $r \le \sum_{l=1}^{L-1} R_l$, is non-singular, then "
               r"$\min_{\mathrm{rank}(\Delta W_l) \le R_l} \|\prod_l(W_l + \Delta W_l) - \bar W\|_2 = "
               r"\sigma_{\sum_l R_l + 1}(E)$, the optimal product is $\prod_l W_l + \mathrm{LR}_{(\sum_l R_l)\wedge "
               r"R_E}(E)$, and it equals $\bar W$ if $\sum_l R_l \ge R_E$."),
    source=PAPER.at("Lemma 8", page="24-25"),
    parameters=(Parameter("D", description="width", low=1, high=64),
                Parameter("L", description="depth", low=1, high=MAX_L),
                *(Parameter(f"R{l}", description=f"LoRA rank of layer {l} (unused when L < {l})", low=0, high=64)
                  for l in range(1, MAX_L + 1))),
    constraints=lambda p: None if all(p[f"R{l}"] <= p["D"] for l in range(1, MAX_L + 1)) else "every R_l <= D",
    assumptions=ASSUMPTIONS,
    construction=construction,
    construction_summary=("Lemma 7's construction with Q_l = V I_{(sum_{i<l} R_i)∧R_E' : (sum_{i<=l} R_i)∧R_E', D} "
                          "V^T (as printed); the statement claims use disjoint blocks of R_l singular directions."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    probes=probes,
    depends_on=("R-LIN", "EYM-2"),
    default_examples=len(DEFAULTS),
    interpretation="Per-layer ranks are the parameters R1..R4 (L <= 4); R_l = 0 (a frozen layer) is allowed, as "
                   "the remark's allocations need it.",
)
