"""R-GENERR (Theorem 6, error part, p7 and p32): for a partition P and per-layer ranks (R_l) under Assumption 2,
with E_i := s_{sum_{l in P_i} R_l + 1}(Wbar_i - prod_{l in P_i} W_l) and beta as in Theorem 5, there are adapters
(rank <= R_l) and biases with E||f(x) - fbar(x)||_2 <= beta sum_i (max_k(||Wbar_k||_F + E_k))^(Lbar-i) E_i for x on
X with E[x x^T] = Sigma. Proof (p32): Theorems 3 and 5 with P for P^u and Lemma 10 for Lemma 2, so its steps are
Theorem 5's T1-T14 on the general partition. x is uniform on the columns of X, as in R-ERR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_agen import PRINTED
from theorems.zeng_lee.fnn_err import _trace
from theorems.zeng_lee.fnn_err_instances import box_points, spread_law_instance
from theorems.zeng_lee.fnn_err_steps import LEVELS, statement_comparisons, step_claims
from theorems.zeng_lee.fnn_partition import OPTIONS, blocks_of, partitioned, ranks_of
from theorems.zeng_lee.models.fnn import DOMAIN_OPTIONS, fnn_shapes, output_relu_of
from theorems.zeng_lee.models.fnn.agen import check
from theorems.zeng_lee.models.fnn.errlower import one_layer_refutation
from theorems.zeng_lee.models.fnn.errparts import Parts, parts, stated_bound
from verifier import Assumption, AssumptionResult, Claim, Comparison, Instance, Parameter, Theorem

ID = "R-GENERR"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {**fnn_shapes(p["D"], p["L"], p["Lbar"]), "X": (p["D"], p["N"])}


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Instance 0: R-ERR's structured one-layer family (P = {{1}}, R_1 = 1); instance 1 at the paper's width
    (D = 16, (Lbar, L) = (2, 4)); then random partitions with per-layer ranks below each block's rank(E^(i)),
    x uniform on 2D dyadic points of [-1, 1]^D."""
    if params is None and index == 0:
        inst = spread_law_instance(ID, rng, 8, 1, 1 / (256 * np.sqrt(8)), index)
        params_ = {k: v for k, v in inst.parameters.items() if k != "R"}
        return Instance(ID, params_, inst.matrices, options={"partition": [1], "ranks": [1]}, seed=index)
    if params is None and index == 1:
        params = {"D": 16, "L": 4, "Lbar": 2, "N": 32}
    if params is None:
        d, big_l = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        params = {"D": d, "L": big_l, "Lbar": int(rng.integers(1, min(big_l, 3) + 1)), "N": 2 * d}
    d = params["D"]
    base = partitioned(ID, rng, {k: params[k] for k in ("D", "L", "Lbar")}, index,
                       error_ranks=[d] * params["Lbar"])
    ranks = [max(0, r - int(rng.integers(0, 2 * d // 3 + 1))) for r in base.options["ranks"]]
    mats = {**base.matrices, "X": box_points(rng, d, params["N"])}
    return Instance(ID, dict(params), mats, options={**base.options, "ranks": ranks}, seed=index)


def construction(ctx: Any, b: Any) -> Parts:
    inst = b.instances[0]
    return parts(ctx, b, blocks_of(b.params, b.options), ranks_of(inst), output_relu_of(b.options))


def _assumption(inst: Instance) -> AssumptionResult:
    m = inst.matrices
    return check(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), ranks_of(inst), "printed")


def _refute(inst: Instance) -> Any:
    ranks = ranks_of(inst)
    if len(ranks) != 1:
        return None
    return one_layer_refutation(inst, lambda ctx, b: stated_bound(ctx, construction(ctx, b)), ranks[0],
                                output_relu_of(inst.options))


def _statement(ctx: Any, b: Any, p: Parts) -> list[Comparison]:
    return statement_comparisons(ctx, b, p)


R_GENERR = Theorem(
    id=ID,
    title="Expected error for a general partition and per-layer ranks (Theorem 6, error part, bound as printed)",
    statement=(r"Under Assumption 2, with $E_i = \sigma_{\sum_{l \in P_i} R_l + 1}(\bar W_i - \prod_{l \in P_i} W_l)$ "
               r"and $\beta$ as in Theorem 5, there are adapters with $\mathrm{rank}(\Delta W_l) \le R_l$ and biases "
               r"with $E\|f(x) - \bar f(x)\|_2 \le \beta \sum_{i} (\max_k(\|\bar W_k\|_F + E_k))^{\bar L - i} E_i$ for "
               r"$x$ on bounded $\mathcal X$ with $E[xx^\top] = \Sigma$."),
    source=PAPER.at("Theorem 6", page="7, 32"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
        Parameter("N", description="support points of the law of x (columns of X)", low=1, high=64),
    ),
    assumptions=(Assumption("A-GEN", statement=PRINTED + " (as printed)", check=_assumption),),
    construction=construction,
    construction_summary=(
        "As R-ERR's, on the instance's partition with per-layer ranks R_l (Lemma 10 per block: the block weight is "
        "prod W + LR_{sum R_l}(E^(i))); exact where a block's budget covers rank(E^(i)), else the float64 "
        "construction rounded to dyadic rationals; x uniform on the columns of X."
    ),
    claims=(
        Claim("expected-error", statement=r"some adapters ($\mathrm{rank} \le R_l$) and biases give "
              r"$E\|f(x) - \bar f(x)\|_2 \le \beta\sum_i(\max_k(\|\bar W_k\|_F + E_k))^{\bar L-i}E_i$ (witness: the "
              r"proof's construction; refuted only by a certified lower bound over all adapters and biases)",
              quantifier="exists", levels=LEVELS, evaluate=_statement, refute=_refute),
        Claim("expected-error-trace", statement=r"the same with $\sqrt{\mathrm{tr}\,\Sigma}$ in place of "
              r"$\sqrt{\|\Sigma\|_F}$ in $\beta$", quantifier="exists", levels=LEVELS, evaluate=_trace,
              role="interpretation", interpretation="beta with the bound on E||x|| that holds for every law"),
        *step_claims("R-FNN1V"),
    ),
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("A-GEN", "R-ERR", "R-UNI", "R-FNN1V"),
    interpretation=("x is uniform on the columns of X inside the domain X of the options (exact finite sums). The "
                    "partition and ranks are instance options. The steps are Theorem 5's (the proof cites it)."),
    default_examples=6,
    options_schema={**DOMAIN_OPTIONS, **OPTIONS},
)
