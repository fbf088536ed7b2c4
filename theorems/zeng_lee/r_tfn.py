"""R-TFN (Theorem 7): LoRA on a transformer; exact representation above max_i ceil(G_i / 2)."""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER, gaussian, small_int
from theorems.zeng_lee.models.tfn import (
    HEAD_NAMES,
    TFNOptions,
    construct,
    exact_analysis,
    forward_many,
    load_tfn,
    sample_inputs,
    tfn_shapes,
    threshold,
)
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
    exact_det,
    exact_inv,
    exact_product,
    exact_rank,
    exact_sub,
)
from verifier.linalg import lowrank_corrections_nonsingular

ID = "R-TFN"

#: Sample inputs per instance for the output claim: many in float, a few in the slow arithmetics.
INPUTS = {"float": 16, "mp": 1, "certified": 3}


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return tfn_shapes(p)


# -- instances -----------------------------------------------------------------------------


def _mm(*ms: RatMatrix) -> RatMatrix:
    """Left-to-right exact product (exact_product takes the first-acting factor first)."""
    return exact_product(list(reversed(ms)))


def _t(m: RatMatrix) -> RatMatrix:
    n = m.ncols
    return RatMatrix(n, m.nrows, tuple(m.entries[i * n + j] for j in range(n) for i in range(m.nrows)))


def _delta(rng: np.random.Generator, d: int, k: int) -> RatMatrix:
    """A d x d matrix of rank <= k (a.s. k) with entries on the 1/4 grid."""
    if k == 0:
        return RatMatrix.from_numpy(np.zeros((d, d)))
    c, f = small_int(rng, d, k).to_numpy(), small_int(rng, k, d).to_numpy()
    return RatMatrix.from_numpy((c @ f) / 4)


def _frozen(rng: np.random.Generator, p: Mapping[str, int], suffix: str = "") -> dict[str, Any]:
    d, big_l, big_h = p["D"], p["L"], p["H"]
    s = 1 / np.sqrt(d)
    out: dict[str, Any] = {n + suffix: tuple(gaussian(rng, d, d, s) for _ in range(big_l * big_h)) for n in HEAD_NAMES}
    out["W1" + suffix] = tuple(gaussian(rng, d, d, s) for _ in range(big_l))
    out["b1" + suffix] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    out["W2" + suffix] = tuple(gaussian(rng, d, d, s) for _ in range(big_l))
    out["b2" + suffix] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    out["Wout" + suffix] = gaussian(rng, d, d, s)
    return out


def _low_gap_target(
    rng: np.random.Generator, p: Mapping[str, int], fz: dict[str, Any], gaps: list[int], shared: bool
) -> dict[str, Any]:
    """A target whose pair errors have the given ranks (one per pair, in `pair_targets` order).

    `shared` keeps W_1, W_2, W_K, W_O of the frozen model (so C2 = I); otherwise they are random
    and W_Q, W_V, W_o are solved for exactly, so that C2 != I and the gaps still are the given ranks.
    """
    d, big_l, big_h = p["D"], p["L"], p["H"]
    tg = _frozen(rng, p, "bar") if not shared else {k + "bar": v for k, v in fz.items()}
    if shared:
        tg["b1bar"] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
        tg["b2bar"] = tuple(gaussian(rng, d, 1, 1.0) for _ in range(big_l))
    wq, wv = list(tg["WQbar"]), list(tg["WVbar"])
    c2inv = RatMatrix.identity(d)
    g = iter(gaps)
    for blk in range(big_l):
        w1, w1b = fz["W1"][blk], tg["W1bar"][blk]
        for h in range(big_h):
            i = blk * big_h + h
            kq = _mm(_t(fz["WK"][i]), fz["WQ"][i]) + _delta(rng, d, next(g))
            wq[i] = _mm(exact_inv(_t(tg["WKbar"][i])), _t(c2inv), kq, c2inv)
            ov = _mm(fz["WO"][i], fz["WV"][i]) + _delta(rng, d, next(g))
            wv[i] = _mm(exact_inv(_mm(w1b, tg["WObar"][i])), w1, ov, c2inv)
        c2inv = _mm(fz["W2"][blk], exact_inv(tg["W2bar"][blk]))
    tg["WQbar"], tg["WVbar"] = tuple(wq), tuple(wv)
    out = _mm(fz["Wout"], fz["W2"][-1]) + _delta(rng, d, next(g))
    tg["Woutbar"] = _mm(out, exact_inv(tg["W2bar"][-1]))
    return tg


#: The largest generated size, drawn for instance MAX_INDEX (the last of the default run, with a
#: random target at the threshold); other random sizes keep (2 L H + 1) D^3 below WORK so that
#: the default check (slowest: mpmath SVDs, certified low-rank checks) stays short.
MAX_SIZE = {"D": 16, "H": 4, "L": 3, "N": 10}
MAX_INDEX = 9
WORK = 25_000


def _draw_sizes(rng: np.random.Generator, index: int) -> dict[str, int]:
    if index == MAX_INDEX:
        return {**MAX_SIZE, "R": 1}
    while True:
        p = {
            "D": int(rng.integers(1, 17)),
            "H": int(rng.integers(1, 5)),
            "L": int(rng.integers(1, 4)),
            "N": int(rng.integers(1, 11)),
            "R": 1,
        }
        if (2 * p["L"] * p["H"] + 1) * p["D"] ** 3 <= WORK:
            return p


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Gaussian N(0, 1/D) weights (dyadic, exact); the target is random (index % 3 = 0: every G_i = D
    a.s.) or has chosen pair gaps (with C2 = I or not, at random).

    Without `params`, D <= 16, H <= 4, L <= 3, N <= 10 are drawn, the chosen gaps lie in 0..D, and R
    is set from the exact gaps: at the threshold, one below it, or anywhere in 1..D. With `params`
    (R fixed) the chosen gaps are at most 2R (the claim applies) for index % 3 = 1, and one of them
    is 2R + 1 (it does not) for index % 3 = 2 where that fits in D.
    """
    fixed = params is not None
    if params is None:
        params = _draw_sizes(rng, index)
    p = dict(params)
    d, npairs = p["D"], 2 * p["L"] * p["H"] + 1
    fz = _frozen(rng, p)
    mode = index % 3
    if mode == 0:
        tg = _frozen(rng, p, "bar")
    else:
        cap = min(d, 2 * p["R"]) if fixed else d
        gaps = [int(rng.integers(0, cap + 1)) for _ in range(npairs)]
        if mode == 2 and fixed and 2 * p["R"] + 1 <= d:
            gaps[int(rng.integers(0, npairs))] = 2 * p["R"] + 1
        tg = _low_gap_target(rng, p, fz, gaps, shared=bool(rng.integers(0, 2)))
    inst = Instance(ID, p, {**fz, **tg}, seed=index)
    if not fixed:
        thr = threshold(inst)
        choice = (index // 3) % 3
        p["R"] = max(1, thr if choice == 0 else thr - 1 if choice == 1 else int(rng.integers(1, d + 1)))
        inst = Instance(ID, p, {**fz, **tg}, seed=index)
    return inst


# -- assumptions (A-TFN) ---------------------------------------------------------------------


def _weights(inst: Instance, suffix: str) -> list[tuple[str, RatMatrix]]:
    out = []
    for n in (*HEAD_NAMES, "W1", "W2"):
        out += [(f"{n}{suffix}[{k + 1}]", m) for k, m in enumerate(inst.matrices[n + suffix])]
    return [*out, ("Wout" + suffix, inst.matrices["Wout" + suffix])]


def _nonsingular(inst: Instance) -> AssumptionResult:
    for suffix in ("", "bar"):
        for name, m in _weights(inst, suffix):
            if exact_det(m) == 0:
                return AssumptionResult("violated", "exact", f"{name} is singular (exact determinant 0)")
    return AssumptionResult("holds", "exact", "every weight matrix of both TFNs has a non-zero determinant (exact)")


def _corrections(inst: Instance) -> AssumptionResult:
    r = inst.p("R")
    worst = "exact"
    for label, _i, base, target in exact_analysis(inst).pairs:
        res = lowrank_corrections_nonsingular(base, target, r)
        if res.status != "holds":
            return AssumptionResult(res.status, res.evidence, f"pair {label}: {res.detail}")
        worst = "certified" if res.evidence == "certified" else worst
    return AssumptionResult("holds", worst, f"for all {len(exact_analysis(inst).pairs)} pairs and r = 0..{r}")  # type: ignore[arg-type]


# -- the construction and the claims -------------------------------------------------------


def construction(ctx: Any, b: Any) -> Any:
    return construct(ctx, load_tfn(b), load_tfn(b, target=True), b.params["R"])


def _rank_claim(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    out = []
    for label, ad in c.adapters:
        if ad is None:
            continue
        size = ctx.rank(ctx.mm(*ad)) if ctx.level == "exact" else ctx.shape(ad[0])[1]
        out.append(Comparison(f"rank({label})", size, "<=", b.params["R"]))
    return out or [Comparison("rank(dW) (all zero)", 0, "<=", b.params["R"])]


def _identities(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    out = []
    for label, lhs, rhs in c.identities:
        scale = ctx.maxabs(rhs)
        out.append(
            Comparison(
                f"max|lhs - rhs| of {label}",
                ctx.maxabs(ctx.sub(lhs, rhs)),
                "==",
                0,
                tol=ctx.witness_tol(scale),
                scale=scale,
            )
        )
    return out


def _outputs(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    count = INPUTS[ctx.level]
    xs = [sample_inputs(inst, count) for inst in b.instances]
    target = load_tfn(b, target=True)
    loaded = [ctx.load([row[k] for row in xs]) for k in range(len(xs[0]))]
    out = []
    for k, (fx, fbar) in enumerate(
        zip(forward_many(ctx, c.adapted, loaded), forward_many(ctx, target, loaded), strict=True)
    ):
        scale = ctx.maxabs(fbar)
        out.append(
            Comparison(
                f"X_{k + 1}: max|f(X) - fbar(X)|",
                ctx.maxabs(ctx.sub(fx, fbar)),
                "==",
                0,
                tol=ctx.witness_tol(scale),
                scale=scale,
            )
        )
    return out


def _half_width(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    return [Comparison("max_i ceil(G_i/2) vs ceil(D/2)", threshold(inst), "<=", ceil(inst.p("D") / 2))]


def check_instance(inst: Instance) -> str | None:
    """A user's instance: aux holds at most the inputs X, each D x N (read before any work)."""
    extra = sorted(set(inst.aux) - {"X"})
    if extra:
        return f"unknown aux data {extra} for {ID}; the only aux data is X (inputs, D x N)"
    sample_inputs(inst, 1)  # raises InstanceError naming a wrongly shaped input
    return None


def _applies(inst: Instance) -> bool:
    return inst.p("R") >= threshold(inst)


def refute_exact(inst: Instance) -> Refutation | None:
    """An impossibility certificate for L = 1, H = 1, N >= 2 (the stated model, no options).

    If f = fbar for every X then f(x 1^T) = fbar(x 1^T) gives g' = gbar for the token maps
    g(a) = W_o(W_2 ReLU(W_1 W_O W_V a + b_1) + b_2); gbar is affine and injective on the open set
    where Wbar_1 Wbar_O Wbar_V a + bbar_1 > 0, so near such a point x0 the attention outputs agree:
    X s'_j(X) = X sbar_j(X). Inputs X = [u, v, ..., v] then force (u - v)^T (K' - Kbar) x_j = 0 for
    x_j in {u, v} and all u, v near x0, hence K' = Kbar with K = W_K^T W_Q: the scores must match
    exactly, and K' - W_K^T W_Q = dW_K^T (W_Q + dW_Q) + W_K^T dW_Q has rank <= 2R. So an exact
    rank(Wbar_K^T Wbar_Q - W_K^T W_Q) > 2R refutes the existence of adapters.
    """
    p = inst.parameters
    if p["L"] != 1 or p["H"] != 1 or p["N"] < 2 or TFNOptions.from_mapping(inst.options) != TFNOptions():
        return None
    m = inst.matrices
    for name in ("WVbar", "WObar", "W1bar", "W2bar"):
        if exact_det(m[name][0]) == 0:
            return None
    if exact_det(m["Woutbar"]) == 0:
        return None
    k = exact_rank(exact_sub(_mm(_t(m["WKbar"][0]), m["WQbar"][0]), _mm(_t(m["WK"][0]), m["WQ"][0])))
    if k <= 2 * p["R"]:
        return None
    return Refutation(
        "exact",
        f"L = H = 1, N = {p['N']} >= 2: f = fbar for all X forces (W_K+dW_K)^T (W_Q+dW_Q) = "
        f"Wbar_K^T Wbar_Q (token-map injectivity, then two-token inputs), a change of rank "
        f"<= 2R = {2 * p['R']}, but rank(Wbar_K^T Wbar_Q - W_K^T W_Q) = {k} (exact; "
        f"Wbar_o, Wbar_2, Wbar_1, Wbar_O, Wbar_V non-singular, exact)",
    )


STATEMENT = (
    r"Let $G_1, \dots, G_{L+1}$ be the rank gaps of the (Q,K), (V,O) and $(W_{2L}, W_o)$ pairs. If every "
    r"weight matrix of both TFNs is non-singular and every pair's product plus its best rank-$r$ "
    r"correction is non-singular for $r \le R$ (A-TFN), and $R \ge \max_i \lceil G_i / 2 \rceil$, then "
    r"adapters of rank $\le R$ on every $W_Q, W_K, W_V, W_O$, on $W_{2L}$ and on $W_o$, plus all FFN "
    r"biases, give $f(X) = \bar f(X)$ for every $X \in \mathbb{R}^{D \times N}$."
)

ASSUMPTIONS = (
    Assumption(
        "weights-nonsingular", statement=r"every weight matrix of both TFNs is non-singular", check=_nonsingular
    ),
    Assumption(
        "corrections-nonsingular",
        statement=r"for every pair, product $+\,\mathrm{LR}_r(\text{target} - \text{product})$ is non-singular for "
        r"all $r \le R$",
        check=_corrections,
    ),
)

CLAIMS = (
    Claim(
        "adapter-rank",
        statement=r"every constructed adapter has $\mathrm{rank}(\Delta W) \le R$",
        quantifier="forall",
        levels=("float", "mp", "certified", "exact"),
        evaluate=_rank_claim,
    ),
    Claim(
        "threshold-at-most-half-width",
        statement=r"$G_i \le D$, so $\max_i \lceil G_i/2 \rceil \le \lceil D/2 \rceil$: $R \ge "
                  r"\lceil D/2 \rceil$ always "
        r"suffices",
        quantifier="forall",
        levels=("exact",),
        evaluate=_half_width,
    ),
    Claim(
        "identities-above-threshold",
        statement=r"if $R \ge \max_i \lceil G_i/2 \rceil$ the construction satisfies the parameter identities "
        r"(scores per head and block, $W_1 W_O W_V$ per head, biases, $W_o W_{2L}$) that make $f = \bar f$",
        quantifier="exists",
        levels=("float", "mp", "certified", "exact"),
        evaluate=_identities,
        applies=_applies,
        refute=refute_exact,
    ),
    Claim(
        "exact-above-threshold",
        statement=r"if $R \ge \max_i \lceil G_i/2 \rceil$ then $f(X) = \bar f(X)$ for every $X$ "
                  r"(checked on sample inputs)",
        quantifier="exists",
        levels=("float", "mp", "certified"),
        evaluate=_outputs,
        applies=_applies,
        refute=refute_exact,
    ),
)

R_TFN = Theorem(
    id=ID,
    title="LoRA on transformers: exact representation above max_i ceil(G_i / 2)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 7", page="8, 37-39"),
    parameters=(
        Parameter("D", description="width", low=1, high=32),
        Parameter("H", description="heads", low=1, high=8),
        Parameter("L", description="blocks", low=1, high=6),
        Parameter("N", description="tokens", low=1, high=16),
        Parameter("R", description="LoRA rank", low=1, high=32),
    ),
    assumptions=ASSUMPTIONS,
    construction=construction,
    construction_summary=(
        "R-LIN with L = 2 on each pair, block by block with C2 = Wbar_{2,l-1} W_{2,l-1}^{-1}: (W_Q, W_K^T) toward "
        "C2^T Wbar_K^T Wbar_Q C2, (W_V, W_O) toward W_1l^{-1} Wbar_1l Wbar_O Wbar_V C2 (per head), (W_2L, W_o) toward "
        "Wbar_o Wbar_2L; bhat_1l = bbar_1l, bhat_2l = W_2l Wbar_2l^{-1} bbar_2l (l < L), "
        "bhat_2L = (W_o + dW_o)^{-1} Wbar_o bbar_2L. SVD-based (exact rank factorisation in rational arithmetic)."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    depends_on=("R-LIN",),
    interpretation=(
        "The existential claim is witnessed by the construction. The identities claim is the proof for every X: "
        "with Zbar_{l-1} = C2 Z_{l-1}, equal score matrices give equal softmax weights per head, "
        "W_1 (W_O W_V)'_h = Wbar_1 Wbar_O Wbar_V C2 per head makes the head sums agree after W_1, equal first "
        "biases give equal ReLU outputs, and the second bias carries Zbar_l = C2' Z_l; the last pair and bias give "
        "equal outputs. Sample-input outputs are checked as well (certified balls, softmax included). A failing "
        "construction is inconclusive; a refutation needs a certificate, available for L = H = 1, N >= 2 (the "
        "scores must then match exactly). The threshold is sufficient, not minimal: a target whose first-layer "
        "hidden units are the frozen ones permuted and positively rescaled (Wbar_1 = Lambda P W_1, Wbar_2 = "
        "W_2 P^T Lambda^{-1}) has G_i = D yet is matched by the biases alone."
    ),
    default_examples=10,
    check_instance=check_instance,
    options_schema={
        "residual": "bool, default false: residual connections around attention and FFN",
        "layer_norm": "bool, default false: parameter-free layer norm after each sub-layer",
    },
)
