"""R-LIN (Lemma 1, p3; Lemma 7, p20-24): LoRA on a deep linear model.

Statement (Lemma 7): with E = Wbar - prod W_l and R_E = rank E, if every W_l and every
prod W_l + LR_r(E) (0 <= r <= R(L-1)) is non-singular, then (a) the best error over adapters of rank
<= R is s_{RL+1}(E), (b) "the optimal solution" has prod(W_l + dW_l) = prod W_l + LR_{RL∧R_E}(E),
(c) if R >= ceil(R_E/L) the adapted model equals the target. The proof's steps L1-L11 are claims of
role "step" (`r_lin_steps`); the construction record is `construction` below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee import lemma7
from theorems.zeng_lee._common import PAPER, product
from theorems.zeng_lee.lin_instances import MODES, linear_instance
from theorems.zeng_lee.models.linear import adapted_weights, lora_witness
from theorems.zeng_lee.models.probes import linear_lora_probes, np_product
from theorems.zeng_lee.r_lin_steps import STEP_LEVELS, STEPS, parts
from verifier import (
    Assumption,
    AssumptionResult,
    Claim,
    Comparison,
    IdentityClaim,
    Instance,
    InstanceError,
    Parameter,
    RatMatrix,
    Refutation,
    Theorem,
    exact_rank,
    witness,
)
from verifier.linalg import all_nonsingular, lowrank_corrections_nonsingular

ID = "R-LIN"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {"W": [(p["D"], p["D"])] * p["L"], "Wbar": (p["D"], p["D"])}


def rank_e(inst: Instance) -> int:
    from verifier import exact_sub

    d = inst.p("D")
    return exact_rank(exact_sub(inst.matrices["Wbar"], product(inst.matrices["W"], d)))


#: Default instances: (parameters or None for small random ones, target mode). Every mode once at
#: small sizes, then the paper's D = 16
#: (Fig. 1: L = 2 with its threshold R = 8; the FNN depth L = 4), two of them exactly rational
#: (a singular target matched exactly, a rational SVD basis).
DEFAULTS: tuple[tuple[dict[str, int] | None, str], ...] = (
    (None, "generic"), (None, "low-rank"), (None, "just-above"), (None, "rational-basis"),
    ({"D": 4, "L": 2, "R": 2}, "singular-target"), (None, "rational-basis"),
    ({"D": 16, "L": 2, "R": 8}, "generic"), ({"D": 16, "L": 4, "R": 3}, "singular-target"),
    ({"D": 16, "L": 2, "R": 5}, "rational-basis"),
)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Frozen layers N(0, 1/D) and a target per mode: random (rank E = D a.s.), E of rank <= RL,
    rank E = RL + 1, E with a rational SVD basis (decided exactly), and a singular target matched
    exactly (diagonal, exact), where the proof's last-layer steps are delicate. Default instances
    follow `DEFAULTS`; given parameters (search), the mode cycles with the index."""
    fixed, mode = DEFAULTS[index] if index < len(DEFAULTS) else (None, MODES[index % len(MODES)])
    if params is None:
        d = int(rng.integers(2, 7))
        params = fixed or {"D": d, "L": int(rng.integers(1, 5)), "R": int(rng.integers(1, d + 1))}
    else:
        mode = MODES[index % len(MODES)]
    d, big_l, r = params["D"], params["L"], params["R"]
    ws, wbar, _mode = linear_instance(rng, d, big_l, [r] * big_l, mode)
    return Instance(ID, dict(params), {"W": ws, "Wbar": wbar}, seed=index)


@dataclass(frozen=True)
class LinearConstruction:
    """Lemma 7's adapters (B, A) per layer (None: dW_l = 0), E = Wbar - prod W, and the residual.

    In a certified check the adapters are an exact witness computed outside the balls
    (`verifier.witness`); E and the residual are certified products of exact matrices.
    """

    adapters: tuple[Any, ...]
    E: Any
    residual: Any


def construction(ctx: Any, b: Any) -> LinearConstruction:
    d, big_l, r = b.params["D"], b.params["L"], b.params["R"]
    ws, wbar = list(b.m("W")), b.m("Wbar")
    wit = witness(ctx, b, lambda actx, ab: lora_witness(actx, list(ab.m("W")), ab.m("Wbar"), [r] * big_l))
    adapted = adapted_weights(ctx, ws, wit.adapters)
    e = ctx.sub(wbar, ctx.prod(ws, d))
    residual = ctx.sub(ctx.prod(adapted, d), wbar)
    if wit.u is not None:
        # E ~ U S V^T, and the residual ~ E (I - V_k V_k^T) has the same singular vectors: their
        # singular values are certified from these factors by products, with no SVD in the balls
        ctx.svd_hint(e, wit.u, wit.v)
        ctx.svd_hint(residual, wit.u, wit.v)
    return LinearConstruction(tuple(wit.adapters), e, residual)


def _rank_claim(ctx: Any, b: Any, c: LinearConstruction) -> list[Comparison]:
    out = []
    for l, ad in enumerate(c.adapters, start=1):
        if ad is None:
            continue
        size = ctx.rank(ctx.mm(*ad)) if ctx.level == "exact" else ctx.shape(ad[0])[1]
        out.append(Comparison(f"rank(dW_{l})", size, "<=", b.params["R"]))
    return out or [Comparison("rank(dW) (all zero)", 0, "<=", b.params["R"])]


def _target_sv(ctx: Any, b: Any, c: LinearConstruction, offset: int = 1) -> Any:
    return ctx.sv(c.E, b.params["R"] * b.params["L"] + offset)


def _attained(ctx: Any, b: Any, c: LinearConstruction) -> list[Comparison]:
    scale = ctx.norm2(c.E)
    return [
        Comparison(
            "||prod(W+dW) - Wbar||_2 vs s_{RL+1}(E)",
            ctx.norm2(c.residual),
            "<=",
            _target_sv(ctx, b, c),
            tol=ctx.witness_tol(scale),
            scale=scale,
        )
    ]


def probe_residuals(ctx: Any, b: Any) -> list[tuple[int, Any]]:
    """(probe index, ||prod(W_l + B_l A_l) - Wbar||_2) for every stored probe adapter set."""
    d, big_l = b.params["D"], b.params["L"]
    ws, wbar = list(b.m("W")), b.m("Wbar")
    bs, as_ = b.m("probe_B"), b.m("probe_A")
    out = []
    for k in range(len(bs) // big_l):
        ads = [(bs[k * big_l + l], as_[k * big_l + l]) for l in range(big_l)]
        res = ctx.sub(ctx.prod(adapted_weights(ctx, ws, ads), d), wbar)
        out.append((k, ctx.norm2(res)))
    return out


def _no_better(ctx: Any, b: Any, c: LinearConstruction) -> list[Comparison]:
    target = _target_sv(ctx, b, c)
    scale = ctx.norm2(c.E)
    return [
        Comparison(f"probe {k}: ||prod(W+BA) - Wbar||_2 vs s_{{RL+1}}(E)", v, ">=", target, scale=scale)
        for k, v in probe_residuals(ctx, b)
    ]


def _product_form(ctx: Any, b: Any, c: LinearConstruction) -> list[Comparison]:
    """(b): the construction's product is prod W + LR_{RL∧R_E}(E) (within the witness tolerance)."""
    p = parts(ctx, b, adapters=False)
    prod = ctx.add(c.residual, b.m("Wbar"))
    scale = ctx.norm2(c.E)
    return [Comparison(f"max|prod(W+dW) - (prod W + LR_{p.re_prime}(E))|",
                       ctx.maxabs(ctx.sub(prod, ctx.add(p.prod_w, p.Ep))), "==", 0, tol=ctx.witness_tol(scale),
                       scale=scale)]


def _unique_applies(inst: Instance) -> bool:
    """Rational SVD basis (so optimality is decided exactly) and s_{RL+1}(E) > 0 with R L >= 1."""
    e = lemma7.error_matrix(tuple(inst.matrices["W"]), inst.matrices["Wbar"])
    return lemma7.rational_basis(e) is not None and inst.p("R") * inst.p("L") < exact_rank(e)


def _shrink(e: RatMatrix, v: RatMatrix, k: int) -> Fraction:
    """A dyadic tau <= s_{k+1}(E) / s_1(E), from the exact squares on the diagonal of V^T E^T E V."""
    col = lemma7.columns
    s1 = sum((x * x for x in (e @ col(v, 1)).entries), Fraction(0))
    vk = RatMatrix(v.nrows, 1, tuple(v.entries[r * v.ncols + k] for r in range(v.nrows)))
    sk = sum((x * x for x in (e @ vk).entries), Fraction(0))
    tau = Fraction(1)
    while tau * tau * s1 > sk:
        tau /= 2
    return tau


def _unique(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    """Adapters that shrink E's top direction by tau s_1 <= s_{RL+1}: still optimal, another product."""
    inst = b.instances[0]
    n, r, big_l = b.params["D"], b.params["R"], b.params["L"]
    p = parts(ctx, b, adapters=False)
    e_exact = lemma7.error_matrix(tuple(inst.matrices["W"]), inst.matrices["Wbar"])
    v = p.lr.basis
    if v is None:
        raise InstanceError("no rational SVD basis: optimality of the alternative cannot be decided exactly")
    tau = _shrink(e_exact, v, r * big_l)
    v1 = ctx.load([lemma7.columns(v, 1)])
    pieces = [ctx.sub(p.EQ[0], ctx.scale(ctx.mm(p.E, v1, ctx.T(v1)), tau)), *p.EQ[1:]]
    dws, _adapted, partials, _terms = lemma7.by_eq8(ctx, list(b.m("W")), pieces, n)
    prod = partials[-1]
    checks = [Comparison("alternative is optimal", ctx.norm2(ctx.sub(prod, b.m("Wbar"))), "<=",
                         ctx.sv(p.E, r * big_l + 1))]
    checks += [Comparison(f"rank dW_{l} <= R", ctx.rank(dw), "<=", r) for l, dw in enumerate(dws, start=1)]
    undecided = [c.label for c in checks if any(d.status != "holds" for d in ctx.decide(c))]
    if undecided:
        raise InstanceError(f"the alternative adapters are not certified admissible and optimal ({undecided[0]})")
    return [Comparison(f"optimal adapters (top direction shrunk by tau = {tau}): "
                       f"max|prod(W+dW) - (prod W + LR_{p.re_prime}(E))|",
                       ctx.maxabs(ctx.sub(prod, ctx.add(p.prod_w, p.Ep))), "==", 0)]


def _exact(ctx: Any, b: Any, c: LinearConstruction) -> list[Comparison]:
    scale = ctx.maxabs(c.E)
    return [
        Comparison("max|prod(W+dW) - Wbar|", ctx.maxabs(c.residual), "==", 0, tol=ctx.witness_tol(scale), scale=scale)
    ]


def threshold(inst: Instance) -> int:
    return ceil(rank_e(inst) / inst.p("L"))


def refute_exact(inst: Instance) -> Refutation | None:
    """No rank-R adapters can be exact when rank(E) > R L: prod(W+dW) - prod W has rank <= R L."""
    k, rl = rank_e(inst), inst.p("R") * inst.p("L")
    if k > rl:
        return Refutation(
            "exact",
            f"rank(E) = {k} > R*L = {rl} (exact rank), while prod(W_l+dW_l) - prod W_l "
            f"is a sum of L terms of rank <= R",
        )
    return None


def probes(inst: Instance, rng: np.random.Generator) -> dict[str, Any]:
    """Gradient-descent adapters, a random adapter set and the float64 construction perturbed by 1e-3.

    Valid but ill-conditioned instances (det ~1e-30, entries spanning 1e30) must not crash: a
    singular float64 solve falls back to least squares, and a warm start that is still not finite
    is left out (the claim is then probed by the other adapter sets; every probe is re-checked
    exactly, so a poor probe weakens the search, never the verdict).
    """
    d, big_l, r = inst.p("D"), inst.p("L"), inst.p("R")
    ws = [w.to_numpy() for w in inst.matrices["W"]]
    warm: list[tuple[np.ndarray, np.ndarray] | None] | None = []
    with np.errstate(all="ignore"):
        try:
            e = inst.matrices["Wbar"].to_numpy() - np_product(ws, d)
            _u, _s, vt = np.linalg.svd(e)
            partial = np.eye(d)
            for l in range(big_l):
                cols = vt[l * r : (l + 1) * r].T
                later = np_product(ws[l + 1 :], d)
                bm = np.zeros((d, r))
                am = np.zeros((r, d))
                if cols.shape[1]:
                    bm[:, : cols.shape[1]] = _solve(later, e @ cols)
                    am[: cols.shape[1]] = cols.T @ _inverse(partial)
                noise = 1 + 1e-3 * rng.standard_normal(bm.shape)
                warm.append((bm * noise, am))
                partial = (ws[l] + bm @ am) @ partial
        except (np.linalg.LinAlgError, ValueError):  # SVD of non-finite data: no warm start
            warm = None
    if warm is not None and not all(np.isfinite(m).all() for ad in warm if ad is not None for m in ad):
        warm = None
    # Two short descents: the perturbed construction (warm) is the probe that comes closest to the bound.
    return linear_lora_probes(inst.matrices["W"], inst.matrices["Wbar"], r, rng, restarts=2, steps=200, warm=warm)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a^-1 b in float64, by least squares where a is (numerically) singular."""
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(a, b, rcond=None)[0]


def _inverse(a: np.ndarray) -> np.ndarray:
    """a^-1 in float64, the pseudo-inverse where a is (numerically) singular."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(a)


def _w_nonsingular(inst: Instance) -> AssumptionResult:
    return all_nonsingular(inst.matrices["W"])


def _corrections(inst: Instance) -> AssumptionResult:
    d = inst.p("D")
    return lowrank_corrections_nonsingular(
        product(inst.matrices["W"], d), inst.matrices["Wbar"], inst.p("R") * (inst.p("L") - 1)
    )


STATEMENT = (
    r"Let $E = \bar W - \prod_{l=1}^{L} W_l$, $R_E = \mathrm{rank}(E)$, $R \in [D]$. If every $W_l$ is "
    r"non-singular and $\prod_l W_l + \mathrm{LR}_r(E)$ is non-singular for every integer $0 \le r \le R(L-1)$, "
    r"then (a) $\min_{\mathrm{rank}(\Delta W_l) \le R} \|\prod_l (W_l + \Delta W_l) - \bar W\|_2 = "
    r"\sigma_{RL+1}(E)$; (b) the optimal solution has $\prod_l (W_l + \Delta W_l) = \prod_l W_l + "
    r"\mathrm{LR}_{RL\wedge R_E}(E)$; (c) if $R \ge \lceil R_E/L \rceil$, the optimum gives "
    r"$\prod_l (W_l + \Delta W_l) = \bar W$, i.e. $f \equiv \bar f$."
)

ASSUMPTIONS = (
    Assumption("W-nonsingular", statement=r"every frozen $W_l$ is non-singular", check=_w_nonsingular),
    Assumption(
        "corrections-nonsingular",
        statement=r"$\prod_l W_l + \mathrm{LR}_r(E)$ is non-singular for every integer $0 \le r \le R(L-1)$",
        check=_corrections,
    ),
)

CLAIMS = (
    Claim(
        "adapter-rank",
        statement=r"(a) the constructed adapters are admissible: $\mathrm{rank}(\Delta W_l) \le R$",
        quantifier="forall",
        levels=("float", "mp", "certified", "exact"),
        evaluate=_rank_claim,
        label="(a)",
    ),
    Claim(
        "optimum-attained",
        statement=r"(a), attained: rank-$R$ adapters reach $\|\prod(W_l+\Delta W_l) - \bar W\|_2 = "
        r"\sigma_{RL+1}(E)$ (the construction is the witness)",
        quantifier="exists",
        levels=("float", "mp", "certified"),
        evaluate=_attained,
        label="(a)",
    ),
    Claim(
        "no-better-adapters",
        statement=r"(a), universal: no rank-$R$ adapters do better, $\|\prod(W_l+B_lA_l) - \bar W\|_2 \ge "
        r"\sigma_{RL+1}(E)$ (checked on probes: gradient descent, random and perturbed adapters; a finite "
        r"check of a universal claim)",
        quantifier="forall",
        levels=("float", "mp", "certified"),
        evaluate=_no_better,
        uses_probes=True,
        label="(a)",
        cites=("EYM-2",),
    ),
    Claim(
        "optimal-product-form",
        statement=r"(b) an optimal solution has $\prod(W_l+\Delta W_l) = \prod W_l + "
        r"\mathrm{LR}_{RL\wedge R_E}(E)$ (the construction is the witness)",
        quantifier="exists",
        levels=STEP_LEVELS,
        evaluate=_product_form,
        label="(b)",
    ),
    Claim(
        "optimal-product-unique",
        statement=r"(b) read with its definite article: every optimal adapter set has $\prod(W_l+\Delta W_l) = "
        r"\prod W_l + \mathrm{LR}_{RL\wedge R_E}(E)$ (checked on optimal adapters that shrink the top singular "
        r"direction of $E$ by $\tau\sigma_1(E) \le \sigma_{RL+1}(E)$, decided exactly)",
        quantifier="forall",
        levels=STEP_LEVELS,
        evaluate=_unique,
        applies=_unique_applies,
        label="(b)",
        role="interpretation",
        interpretation="Lemma 7 says 'the optimal solution ... satisfies'. Read as uniqueness it fails whenever "
        "s_{RL+1}(E) > 0: spectral-norm best approximations are not unique (||E - A'||_2 = max(tau s_1, "
        "s_{RL+1}) for A' = E' - tau s_1 u_1 v_1^T). The proof only shows that one optimal solution has this "
        "product; the claim 'optimal-product-form' checks that reading.",
    ),
    Claim(
        "exact-above-threshold",
        statement=r"(c) if $R \ge \lceil R_E/L \rceil$ then $\prod(W_l+\Delta W_l) = \bar W$ exactly",
        quantifier="exists",
        levels=("float", "mp", "certified", "exact"),
        evaluate=_exact,
        threshold=threshold,
        threshold_param="R",
        refute=refute_exact,
        label="(c)",
    ),
)


def _telescoping(n: int, form: str) -> Any:
    from theorems.zeng_lee.models.symbolic import prove_telescoping  # SymPy only when a proof is asked for

    return prove_telescoping(n, form)  # type: ignore[arg-type]


IDENTITIES = tuple(
    IdentityClaim(
        f"telescoping-L{n}-{form}",
        statement=f"L10's repeated substitution of (8): prod(W_l + dW_l) = prod W_l + sum_l T_l for L = {n} "
        f"({'T_l = E Q_l' if form == 'svd' else 'T_l = C_l F_l'}), any D (SymPy, symbolic)",
        prove=(lambda n=n, form=form: _telescoping(n, form)),
        role="step",
        label="L10",
    )
    for n in (2, 3)
    for form in ("svd", "rank_factor")
)

def _sum_of_terms(n: int) -> Any:
    from theorems.zeng_lee.models.symbolic import prove_sum_of_terms

    return prove_sum_of_terms(n)


IDENTITIES += tuple(
    IdentityClaim(f"sum-of-terms-L{n}", statement=f"(3) A = sum_l A_l for L = {n} and arbitrary adapters, any D "
                  f"(SymPy, symbolic)", prove=(lambda n=n: _sum_of_terms(n)), role="step", label="L2")
    for n in (2, 3, 4)
)

R_LIN = Theorem(
    id=ID,
    title="LoRA on deep linear models: optimal error, optimal product, exact representation",
    statement=STATEMENT,
    source=PAPER.at("Lemma 7 (= Lemma 1)", page="3, 20-24",
                    note="Lemma 1 (p3) in the main text; Lemma 7 (p20) is the detailed form with (b), proof p21-24"),
    parameters=(
        Parameter("D", description="width", low=1, high=64),
        Parameter("L", description="depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=64),
    ),
    constraints=lambda p: None if p["R"] <= p["D"] else "R in [D]: the LoRA rank is at most the width",
    assumptions=ASSUMPTIONS,
    construction=construction,
    construction_summary=(
        "SVD E = U S V^T; E' = LR_{RL∧R_E}(E); (11) Q_l = V I_{(R(l-1)+1)∧R_E' : (Rl)∧R_E', D} V^T; for "
        "l = 1..L in order, (8) dW_l = (prod_{i>l} W_i)^{-1} E' Q_l (prod_{i<l}(W_i + dW_i))^{-1}. The product "
        "telescopes to prod W + E' sum_l Q_l. The statement claims use `construction` (disjoint blocks; an exact "
        "rank factorisation in rational arithmetic); the steps rebuild (11) as printed and as the proof needs it."
    ),
    claims=CLAIMS + STEPS,
    identities=IDENTITIES,
    generate=generate,
    shapes=shapes,
    probes=probes,
    depends_on=("C-MAT", "EYM-2", "RANK-PRODUCT", "RANK-SUBADD"),
    default_examples=len(DEFAULTS),
    interpretation=(
        "(a) is checked as two claims: the construction attains s_{RL+1}(E) (existential, within the witness "
        "tolerance of a finite-precision SVD) and no probed adapters beat it (universal over a finite set of "
        "probes: evidence, not a proof). (b) 'the optimal solution' is read existentially (the construction is "
        "optimal and has that product)."
    ),
)
