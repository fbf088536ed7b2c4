"""R-FNN1V (Lemma 10, p26-27): Lemma 9 with per-layer ranks R_l.

Hypothesis: W_l and prod W + LR_r(E) non-singular for r <= sum_{l<L} R_l. Conclusions: (i) and the
error bound of Lemma 9 with (sum_l R_l) ∧ R_E in place of RL ∧ R_E, and (ii) f = fbar on X if
sum_l R_l >= R_E. The ranks are the instance's 1 x L matrix `ranks` (integers in 0..D). Proof: Lemma 9
with Lemma 8 (the per-layer-rank linear result), checked as step V1.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from theorems.zeng_lee import fnn_one_steps as st
from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_one_err import OPTIONS
from theorems.zeng_lee.fnn_one_instances import law_points, mats_for
from theorems.zeng_lee.models.fnn import corrections_assumption, fnn_shapes, refute_total_rank
from verifier import Assumption, AssumptionResult, Claim, Instance, InstanceError, Parameter, RatMatrix, Theorem

ID = "R-FNN1V"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {**fnn_shapes(p["D"], p["L"], 1), "xs": (p["D"], p["N"]), "ranks": (1, p["L"])}


def ranks_of(inst: Any) -> list[int]:
    """The per-layer ranks R_l (exact integers in 0..D), or InstanceError."""
    m, d = inst.matrices["ranks"], inst.p("D")
    out = []
    for v in m.entries:
        if v.denominator != 1 or not 0 <= v <= d:
            raise InstanceError(f"ranks must be integers in 0..D={d}, got {[str(x) for x in m.entries]}")
        out.append(int(v))
    return out


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Small instances with a Gaussian, low-rank or rational-SVD error; ranks with sum at, above or below
    rank(E), zeros included; index 0 the paper's scale (D = 16, L = 2, ranks (2, 6): below rank E = 16)."""
    if params is None and index == 3:  # Lemma 2's bound fails for every adapter here (R-FNN1E)
        from theorems.zeng_lee.fnn_one_instances import bound_breaker

        mats, aux, p = bound_breaker(rng)
        mats["ranks"] = RatMatrix(1, 1, (Fraction(1),))
        return Instance(ID, {"D": 3, "L": 1, "N": mats["xs"].ncols}, mats, aux=aux, seed=index)
    if params is None and index == 0:
        d, big_l, kind, ranks = 16, 2, "gaussian", [2, 6]
    else:
        d = params["D"] if params else int(rng.integers(2, 6))
        big_l = params["L"] if params else int(rng.integers(1, 4))
        kind = ("rational", "lowrank", "gaussian")[index % 3]
        k = int(rng.integers(1, d + 1)) if kind == "lowrank" else d
        want = {0: k, 1: k + 1, 2: k - 1}[index % 3]
        ranks = [0] * big_l
        for _ in range(max(0, min(want, d * big_l))):
            ranks[int(rng.integers(0, big_l))] += 1
        ranks = [min(r, d) for r in ranks]
    mats, aux = mats_for(rng, d, big_l, kind, k=None if kind != "lowrank" else k)
    p = {"D": d, "L": big_l}
    xs = law_points(p, {}, index)
    if params and "N" in params:
        from theorems.zeng_lee.fnn_one_instances import support
        from theorems.zeng_lee.models.fnn import domain_from_options

        xs = support(domain_from_options({}, d), params["N"], index)
    mats = {**mats, "xs": xs, "ranks": RatMatrix(1, big_l, tuple(Fraction(r) for r in ranks))}
    return Instance(ID, {**p, "N": xs.ncols}, mats, aux=aux, seed=index)


def _assumption(inst: Instance) -> AssumptionResult:
    try:
        ranks = ranks_of(inst)
    except InstanceError as e:
        return AssumptionResult("violated", "exact", f"malformed instance: {e}")
    big_l = inst.p("L")
    return corrections_assumption(inst.matrices["W"], inst.matrices["Wbar"], (tuple(range(big_l)),), [sum(ranks[:-1])])


def _exact_applies(inst: Instance) -> bool:
    return sum(ranks_of(inst)) >= st.rank_e(inst)


def _refute_exact(inst: Instance) -> Any:
    return refute_total_rank(inst, sum(ranks_of(inst)))


LR = r"\mathrm{LR}_{(\sum_l R_l)\wedge R_E}(E)"
CLAIMS = (
    Claim("identity", statement=r"(i) adapters with $\mathrm{rank}(\Delta W_l) \le R_l$ and biases with "
          rf"$f(x) - \bar f(x) = \mathrm{{ReLU}}(({LR} - E)x)$ for every $x \in \mathcal X$", quantifier="exists",
          levels=st.STEP_LEVELS, evaluate=st.identity, refute=st.refute_identity_for(ranks_of)),
    Claim("exact-on-domain", statement=r"(ii) if $\sum_l R_l \ge R_E$: $f(x) = \bar f(x)$ for all $x \in \mathcal X$",
          quantifier="exists", levels=st.STEP_LEVELS, evaluate=st.exactness,
          applies=_exact_applies, refute=_refute_exact),
    Claim("error-bound", statement=r"the same adapters and biases give $\mathbb E\|f(x) - \bar f(x)\|_2^2 \le "
          r"\|\Sigma\|_F\,\sigma^2_{(\sum_l R_l)\wedge R_E+1}(E)$", quantifier="exists", levels=st.STEP_LEVELS,
          evaluate=st.error_bound, refute=st.refute_error_for(ranks_of)),
    Claim("adapter-rank", statement=r"the constructed adapters have $\mathrm{rank}(\Delta W_l) \le R_l$",
          levels=st.STEP_LEVELS, evaluate=st.adapter_ranks),
    Claim("V1", statement=rf"Lemma 8 gives adapters with $\mathrm{{rank}}(\Delta W_l) \le R_l$ and "
          rf"$\prod_l(W_l + \Delta W_l) = \prod_l W_l + {LR}$ (Lemma 9's (14) with Lemma 8 for Lemma 7)",
          levels=st.STEP_LEVELS, evaluate=st.f2, role="step", label="V1", cites=("R-LINV", "R-FNN1/F2")),
    Claim("error-bound-trace", statement=r"with $\mathbb E\|x\|^2 = \mathrm{tr}\,\Sigma$: $\mathbb E\|f(x) - \bar f(x)"
          r"\|_2^2 \le \mathrm{tr}(\Sigma)\,\sigma^2_{(\sum_l R_l)\wedge R_E+1}(E)$", levels=st.STEP_LEVELS,
          evaluate=st.error_bound_trace, role="interpretation",
          interpretation="as R-FNN1E/error-bound-trace: the bound the proof's steps give"),
)

R_FNN1V = Theorem(
    id=ID,
    title="Lemma 9 with per-layer ranks: identity, exactness and error bound",
    statement=(r"Lemma 9 (R-FNN1, R-FNN1E) with $\mathrm{rank}(\Delta W_l) \le R_l$: if $W_l$ and $\prod_l W_l + "
               r"\mathrm{LR}_r(E)$ are non-singular for $r \le \sum_{l<L} R_l$, there are such adapters and "
               r"biases with "
               r"(i) and the error bound with $(\sum_l R_l)\wedge R_E$ in place of $RL\wedge R_E$; $f = \bar f$ on "
               r"$\mathcal X$ if $\sum_l R_l \ge R_E$."),
    source=PAPER.at("Lemma 10", page="26-27"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("N", description="support size of the finite law", low=1, high=32)),
    assumptions=(Assumption("lemma10-nonsingular", statement=r"$R_l$ integers in $0..D$; every $W_l$ non-singular and "
                            r"$\prod_l W_l + \mathrm{LR}_r(E)$ non-singular for all $r \le \sum_{l<L} R_l$",
                            check=_assumption),),
    construction=st.construction(ranks_of),
    construction_summary="Lemma 9's construction with layer l handed R_l of the rank-one terms of LR_k(E), "
                         "k = (sum_l R_l) ∧ R_E (Lemma 8's split).",
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    depends_on=("R-FNN1", "R-FNN1E", "R-LINV"),
    interpretation="As R-FNN1 and R-FNN1E, with the instance's per-layer ranks (matrix `ranks`, 1 x L).",
    default_examples=6,
    options_schema=OPTIONS,
)
