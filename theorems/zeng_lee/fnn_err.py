"""R-ERR (Theorem 5, p6; proof p29-31): the expected error of rank-R LoRA on an FNN, any R.

Statement as printed: under Assumption 1, for x random on a bounded X with E[x x^T] = Sigma, there
are adapters of rank <= R and biases with E||f(x) - fbar(x)||_2 <= beta sum_i (max_k(||Wbar_k||_F +
E_k))^(Lbar-i) E_i, E_i = s_(RM+1)(E^(i)), beta as printed (with sqrt(||Sigma||_F)). The law of x is
uniform on the columns of the instance matrix X (a finite law: expectations are exact finite sums)
inside the domain X of the options (default [-1, 1]^D), for which the construction is designed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_err_instances import box_points, growing_middle_layer, spread_law_instance
from theorems.zeng_lee.fnn_err_steps import LEVELS, statement_comparisons, step_claims
from theorems.zeng_lee.models.fnn import (
    A_UNI_STATEMENT,
    DOMAIN_OPTIONS,
    a_uni_check,
    fnn_shapes,
    output_relu_of,
    random_fnn,
    uniform_partition,
    uniform_ranks,
)
from theorems.zeng_lee.models.fnn.errlower import one_layer_refutation
from theorems.zeng_lee.models.fnn.errparts import Parts, exact_zero, parts, plus, stated_bound
from verifier import Assumption, Claim, Comparison, Instance, InstanceError, Parameter, RatMatrix, Theorem

ID = "R-ERR"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {**fnn_shapes(p["D"], p["L"], p["Lbar"]), "X": (p["D"], p["N"])}


def constraints(p: Mapping[str, int]) -> str | None:
    if p["Lbar"] > p["L"]:
        return f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"
    return None if p["R"] <= p["D"] else f"need R <= D, got R={p['R']} > D={p['D']}"


#: Default instances: the structured family where the printed bound fails (a small generic target at
#: D = 8, the zero target at D = 4), the paper's scale (D = 16, (Lbar, L) = (1, 2), (2, 4), below the
#: threshold 8), a three-layer target where T10 fails, then small random ones (every third with a symmetric law).
FIXED: tuple[tuple[str, dict[str, int]], ...] = (
    ("spread", {"D": 8, "R": 1}), ("paper", {"D": 16, "L": 2, "Lbar": 1, "R": 4, "N": 32}),
    ("paper", {"D": 16, "L": 4, "Lbar": 2, "R": 4, "N": 32}), ("spread-zero", {"D": 4, "R": 1}),
    ("t10", {}),
)


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """See FIXED; random instances: Gaussian FNNs, x uniform on N dyadic points of [-1, 1]^D."""
    if params is None and index < len(FIXED):
        kind, fixed = FIXED[index]
        if kind == "t10":
            return growing_middle_layer(ID, rng, index)
        if kind.startswith("spread"):
            return spread_law_instance(ID, rng, fixed["D"], fixed["R"], 0.0 if kind == "spread-zero" else
                                       1 / (256 * np.sqrt(fixed["D"])), index)
        params = fixed
    if params is None:
        d, big_l = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        lbar = int(rng.integers(1, min(big_l, 3) + 1))
        params = {"D": d, "L": big_l, "Lbar": lbar, "R": int(rng.integers(1, d + 1)), "N": 2 * d}
    d, big_l, lbar, n = params["D"], params["L"], params["Lbar"], params["N"]
    mats: dict[str, Any] = dict(random_fnn(rng, d, big_l, lbar))
    if index % 3 == 2 and n % 2 == 0:  # a symmetric law {+-p_i}
        rows = box_points(rng, d, n // 2).rows()
        mats["X"] = RatMatrix(d, n, tuple(v for row in rows for v in (*row, *(-x for x in row))))
    else:
        mats["X"] = box_points(rng, d, n)
    return Instance(ID, dict(params), mats, seed=index)


def construction(ctx: Any, b: Any) -> Parts:
    big_l, lbar = b.params["L"], b.params["Lbar"]
    return parts(ctx, b, uniform_partition(big_l, lbar), uniform_ranks(b.params, b.params["R"]),
                 output_relu_of(b.options))


def _statement(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return statement_comparisons(ctx, b, p)


def _trace(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return statement_comparisons(ctx, b, p, p.sqrt_trace)


def _refute(inst: Instance) -> Any:
    return one_layer_refutation(inst, lambda ctx, b: stated_bound(ctx, construction(ctx, b)), inst.p("R"),
                                output_relu_of(inst.options))


def _printed_what(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    """What_i - Q_i against the printed LR_(RL∧Rt_i)(Wbar_1 - Q_i): a best rank-k approximation of
    M = Wbar_1 - Q_i (k = RL∧Rt_i) is exactly a matrix of rank <= k with ||M - X||_F^2 = sum_(j>k) s_j(M)^2
    (Eckart-Young; this also accepts every choice of LR_k where singular values of M tie)."""
    d, big_l, r = b.params["D"], b.params["L"], b.params["R"]
    out = []
    for i, blk in enumerate(p.blocks):
        q = ctx.prod([b.m("W")[li] for li in blk], d)
        m = ctx.sub(b.m("Wbar")[0], q)
        ks = {min(r * big_l, rt) for rt in p.rt[i]}
        if len(ks) != 1:
            raise InstanceError("instances of one float batch have different rank(E^(i)): decided one by one")
        k = ks.pop()
        resid = ctx.frobenius_sq(ctx.sub(m, ctx.sub(p.What[i], q)))
        best = ctx.const(0)
        for j in range(k + 1, d + 1):
            s = ctx.sv(m, j)
            best = plus(ctx, best, s if exact_zero(ctx, s) else s * s)
        out.append(Comparison(f"block {i + 1}: rank(What_i - Q_i) vs k = RL∧Rt_i", ctx.rank(ctx.sub(p.What[i], q)),
                              "<=", k))
        scale = plus(ctx, resid, best)
        tol = None if not p.rounded or ctx.level == "float" else scale * ctx.const(2.0**-30)
        out.append(Comparison(f"block {i + 1}: ||(Wbar_1 - Q_i) - (What_i - Q_i)||_F^2 vs "
                              f"sum_(j>k) s_j^2(Wbar_1 - Q_i)", resid, "==", best, tol=tol, scale=scale))
    return out


STATEMENT = (
    r"Under Assumption 1, for any $R \in [D]$ and $x$ random on a bounded $\mathcal X$ with $E[xx^\top] = \Sigma$, "
    r"there are adapters of rank $\le R$ and biases with $E\|f(x) - \bar f(x)\|_2 \le \beta \sum_{i=1}^{\bar L} "
    r"(\max_{k \in [\bar L]}(\|\bar W_k\|_F + E_k))^{\bar L - i} E_i$, $E_i = \sigma_{RM+1}(E^{(i)})$, "
    r"$\beta = \max_{i}(\sqrt{\|\Sigma\|_F}\prod_{j=1}^{i}\|\bar W_j\|_F + \sum_{j=1}^{i}\prod_{k=j+1}^{i-1}"
    r"\|\bar W_k\|_F\|\bar b_j\|_2) \vee \sqrt{\|\Sigma\|_F}$."
)

CLAIMS: tuple[Claim, ...] = (
    Claim("expected-error", statement=r"some rank-$\le R$ adapters and biases give $E\|f(x) - \bar f(x)\|_2 \le "
          r"\beta\sum_i(\max_k(\|\bar W_k\|_F + E_k))^{\bar L-i}E_i$ (witness: the proof's construction; refuted "
          r"only by a certified lower bound over all adapters and biases)", quantifier="exists", levels=LEVELS,
          evaluate=_statement, refute=_refute),
    Claim("expected-error-trace", statement=r"the same with $\sqrt{\mathrm{tr}\,\Sigma}$ (which bounds $E\|x\|_2$) in "
          r"place of $\sqrt{\|\Sigma\|_F}$ in $\beta$", quantifier="exists", levels=LEVELS, evaluate=_trace,
          role="interpretation", interpretation="beta with the bound on E||x|| that holds for every law (T9 "
          "corrected); checked on the same construction"),
    Claim("What-definition", statement=r"the construction's block weight is $\hat W_i = \mathrm{LR}_{RL\wedge "
          r"\tilde R_i}(\bar W_1 - \prod_{l\in P^u_i} W_l) + \prod_{l\in P^u_i} W_l$ (as printed: $\bar W_1$, $RL$)",
          levels=LEVELS, evaluate=_printed_what, role="step", label="What (p29)"),
    *step_claims("R-FNN1"),
)

R_ERR = Theorem(
    id=ID,
    title="Expected error of rank-R LoRA on an FNN, any R (Theorem 5, bound as printed)",
    statement=STATEMENT,
    source=PAPER.at("Theorem 5", page="6, 29-31"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("R", description="LoRA rank", low=1, high=16),
        Parameter("N", description="support points of the law of x (columns of X)", low=1, high=64),
    ),
    assumptions=(Assumption("A-UNI", statement=A_UNI_STATEMENT, check=a_uni_check),),
    construction=construction,
    construction_summary=(
        "Theorem 3's construction below the threshold: per block of the uniform partition, R-LIN adapters "
        "(rank R on the first M layers: the block weight is prod W + LR_{RM}(E^(i))), inner biases lifting "
        "the block's inner pre-activations to >= 1 on a box enclosing both the adapted and the target values "
        "over all of X, last bias bbar_i. Exact where a block's budget covers rank(E^(i)); else the float64 "
        "construction rounded to dyadic rationals (factor form, so rank <= R exactly). Every claim reads this "
        "exact witness; x is uniform on the columns of X (exact finite sums)."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-UNI", "A-UNI", "R-FNN1"),
    interpretation=(
        "The random input is uniform on finitely many rational points inside the bounded domain X (its "
        "support is bounded, E||.|| is a finite sum decided in certified arithmetic). A construction above the "
        "bound leaves the existential statement unresolved; it is refuted only by a certified lower bound "
        "over every rank-R adapter and bias (one-layer networks, symmetric laws)."
    ),
    default_examples=8,
    options_schema=dict(DOMAIN_OPTIONS),
)
