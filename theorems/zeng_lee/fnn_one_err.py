"""R-FNN1E (Lemma 2 / Lemma 9, error part): E||f(x) - fbar(x)||_2^2 <= ||Sigma||_F s_{RL+1}(E)^2.

The adapters and biases are Lemma 9's (built from X, not from the law of x). Expectations are exact
over a finite-support law on rational points of X (the columns of the instance matrix `xs`), or
certified for x uniform on the box X (options.law = "box"). Proof steps E1-E3 are claims of role
"step", E3 as printed, including the moment identity E||x||^2 = ||Sigma||_F it uses; the reading the
proof needs (E||x||^2 = tr Sigma) is checked as an interpretation. For one adapted layer (L = 1) the
statement is refuted over every adapter and bias by a certified lower bound (verifier.evidence).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee import fnn_one_steps as st
from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_one import OPTIONS as ONE_OPTIONS
from theorems.zeng_lee.fnn_one import lemma9_assumption, one_layer_instance
from theorems.zeng_lee.fnn_one_instances import bound_breaker, law_points, mats_for
from theorems.zeng_lee.models.fnn import fnn_shapes
from theorems.zeng_lee.models.fnn.one import ranks_all
from verifier import Assumption, Claim, Instance, Parameter, Theorem

ID = "R-FNN1E"
OPTIONS = {**ONE_OPTIONS, "law": {"type": "string", "enum": ["finite", "box"], "default": "finite",
                                  "description": "the law of x: uniform on the columns of xs (exact), or uniform "
                                                 "on the box X (certified enclosures; rational constructions only)"}}


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return {**fnn_shapes(p["D"], p["L"], 1), "xs": (p["D"], p["N"])}


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["R"] <= p["D"] else f"need R in [D], got R={p['R']} > D={p['D']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """The one-layer family of R-FNN1 with a finite law on points of X; index 3 is the structured instance
    on which the bound fails for every adapter (`bound_breaker`), index 5 a rational D = 2 instance under
    the uniform law on the box X."""
    if params is None and index == 3:
        mats, aux, p = bound_breaker(rng)
        return Instance(ID, {**p, "N": mats["xs"].ncols}, mats, aux=aux, seed=index)
    if params is None and index == 5:
        mats, aux = mats_for(rng, 2, 1, "rational", svals=[2, 1])
        mats["xs"] = law_points({"D": 2}, {}, index)
        return Instance(ID, {"D": 2, "L": 1, "R": 1, "N": mats["xs"].ncols}, mats, aux=aux, options={"law": "box"},
                        seed=index)
    base = None if params is None else {k: v for k, v in params.items() if k != "N"}
    p, mats, aux, opts = one_layer_instance(ID, rng, index, base)
    xs = law_points(p, opts, index)
    if params is not None and "N" in params:
        from theorems.zeng_lee.fnn_one_instances import support
        from theorems.zeng_lee.models.fnn import domain_from_options

        xs = support(domain_from_options(opts, p["D"]), params["N"], index)
    return Instance(ID, {**p, "N": xs.ncols}, {**mats, "xs": xs}, aux=aux, options=opts, seed=index)


def _ranks(inst: Any) -> list[int]:
    return ranks_all(inst.parameters)


SIGMA = r"\|\Sigma\|_F\,\sigma^2_{RL\wedge R_E+1}(E)"
LR = r"\mathrm{LR}_{RL\wedge R_E}(E)"
CLAIMS = (
    Claim("error-bound", statement=r"the adapters and biases of Lemma 9 (built from $\mathcal X$) give "
          rf"$\mathbb E\|f(x) - \bar f(x)\|_2^2 \le {SIGMA}$", quantifier="exists", levels=st.STEP_LEVELS,
          evaluate=st.error_bound, refute=st.refute_error_for(_ranks)),
    Claim("E1", statement=rf"$\mathbb E\|f(x) - \bar f(x)\|^2 \le \mathbb E\|({LR} - E)x\|^2$ (ReLU is 1-Lipschitz)",
          levels=st.STEP_LEVELS, evaluate=st.e1, role="step", label="E1", cites=("R-FNN1/F1", "R-FNN1/F2")),
    Claim("E2", statement=rf"$\mathbb E\|({LR} - E)x\|^2 \le \|{LR} - E\|_2^2\,\mathbb E\|x\|_2^2$ (by (1))",
          levels=st.STEP_LEVELS, evaluate=st.e2, role="step", label="E2", cites=("C-MAT",)),
    Claim("E3", statement=rf"$\|{LR} - E\|_2^2\,\mathbb E\|x\|_2^2 = {SIGMA}$ (as printed)", levels=st.STEP_LEVELS,
          evaluate=st.e3, role="step", label="E3"),
    Claim("E3-moment", statement=r"the identity E3 uses: $\mathbb E\|x\|_2^2 = \|\Sigma\|_F$ (as printed; "
          r"$\mathbb E\|x\|_2^2 = \mathrm{tr}\,\Sigma$)", levels=st.STEP_LEVELS, evaluate=st.e3_moment, role="step",
          label="E3"),
    Claim("E3-trace", statement=rf"E3 with $\mathbb E\|x\|_2^2 = \mathrm{{tr}}\,\Sigma$: $\|{LR} - E\|_2^2\,"
          r"\mathbb E\|x\|_2^2 = \mathrm{tr}(\Sigma)\,\sigma^2_{RL\wedge R_E+1}(E)$", levels=st.STEP_LEVELS,
          evaluate=st.e3_trace, role="interpretation",
          interpretation="E||x||_2^2 = tr(Sigma) >= ||Sigma||_F, with equality only when Sigma has rank <= 1; "
                         "with the trace, E3 is Eckart-Young's ||LR_k(E) - E||_2 = s_{k+1}(E)"),
    Claim("error-bound-trace", statement=r"what E1-E3 prove: $\mathbb E\|f(x) - \bar f(x)\|_2^2 \le "
          r"\mathrm{tr}(\Sigma)\,\sigma^2_{RL\wedge R_E+1}(E)$", levels=st.STEP_LEVELS, evaluate=st.error_bound_trace,
          role="interpretation", interpretation="the statement with tr(Sigma) = E||x||^2 in place of ||Sigma||_F"),
)

R_FNN1E = Theorem(
    id=ID,
    title="LoRA on an FNN with a one-layer target: the expected squared error below the threshold",
    statement=(r"Under the hypotheses of Lemma 2 / Lemma 9 (see R-FNN1), with $\Sigma = \mathbb E xx^\top$, the same "
               r"adapters of rank $\le R$ and biases give $\mathbb E\|f(x) - \bar f(x)\|_2^2 \le \|\Sigma\|_F\,"
               r"\sigma^2_{RL+1}(E)$ (Lemma 9 prints the index $RL\wedge R_E + 1$: the same value)."),
    source=PAPER.at("Lemma 2 / Lemma 9 (error part)", page="5, 25-26"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("R", description="LoRA rank", low=1, high=16),
                Parameter("N", description="support size of the finite law", low=1, high=32)),
    assumptions=(Assumption("lemma9-nonsingular", statement=r"every $W_l$ non-singular and $\prod_l W_l + "
                            r"\mathrm{LR}_r(E)$ non-singular for all $r \le R(L-1)$",
                            check=lemma9_assumption(_ranks)),),
    construction=st.construction(_ranks),
    construction_summary="Lemma 9's adapters and biases (as R-FNN1), built from X; the law only weighs the error.",
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-FNN1",),
    interpretation=(
        "x is uniform on the columns of xs (which must lie in X; exact expectations), or uniform on the box X "
        "(options.law = box: certified enclosures, for rational constructions). The existential bound is refuted "
        "only by a certified lower bound over every adapter and bias, available for one adapted layer (L = 1) "
        "and at most 12 support points; elsewhere a construction above the bound leaves it unresolved."),
    default_examples=6,
    options_schema=OPTIONS,
)
