"""R-FNN1 (Lemma 2, p5; Lemma 9, p25-26): LoRA on an FNN with a one-layer target, on a bounded X.

(i) there are adapters of rank <= R and biases with f(x) - fbar(x) = ReLU((LR_{RL∧R_E}(E) - E) x) for
every x in X; (ii) if R >= ceil(R_E / L), f = fbar on X. The error part of the lemma is R-FNN1E.
Proof steps F1-F4 are claims of role "step"; F4 (and with it (i)) is checked against the
construction at exact interior points of X, and (i) is refuted for all adapters by a local-Jacobian
certificate (`models/fnn/jacobian.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee import fnn_one_steps as st
from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_one_instances import mats_for
from theorems.zeng_lee.models.fnn import PAPER_OPTIONS, corrections_assumption, fnn_shapes, refute_total_rank
from theorems.zeng_lee.models.fnn.one import ranks_all
from verifier import Assumption, AssumptionResult, Claim, Instance, Parameter, Theorem

ID = "R-FNN1"
OPTIONS = dict(PAPER_OPTIONS)


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], 1)


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["R"] <= p["D"] else f"need R in [D], got R={p['R']} > D={p['D']}"


def threshold(inst: Instance) -> int:
    return -(-st.rank_e(inst) // inst.p("L"))


def one_layer_instance(theorem: str, rng: np.random.Generator, index: int,
                       params: Mapping[str, int] | None) -> tuple[dict[str, int], dict[str, Any], dict[str, Any],
                                                                  dict[str, Any]]:
    """(params, matrices, aux, options) of the one-layer family, by index (shared with R-FNN1E).

    0: the paper's scale D = 16, L = 2 at the threshold R = 8; 1: the same below it (R = 4);
    2: an error with a rational SVD below the threshold (decided exactly); then small instances with
    a Gaussian, exactly low-rank or rational-SVD error, R at, above or below the threshold, some on a ball.
    """
    opts: dict[str, Any] = {"domain": "ball", "ball_radius": 2} if index % 5 == 4 else {}
    if params is not None:
        mats, aux = mats_for(rng, params["D"], params["L"], "gaussian")
        return dict(params), mats, aux, opts
    if index in (0, 1):
        mats, aux = mats_for(rng, 16, 2, "gaussian")
        return {"D": 16, "L": 2, "R": 8 if index == 0 else 4}, mats, aux, {}
    if index == 2:
        mats, aux = mats_for(rng, 4, 2, "rational")
        return {"D": 4, "L": 2, "R": 1}, mats, aux, {}
    d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 5))
    kind = ("gaussian", "lowrank", "rational")[index % 3]
    k = int(rng.integers(0, d + 1)) if kind == "lowrank" else d
    mats, aux = mats_for(rng, d, big_l, kind, k=k)
    thr = max(1, -(-k // big_l))
    r = min(d, max(1, {0: thr, 1: thr + 1, 2: thr - 1, 3: thr - 1, 4: thr}[index % 5]))
    return {"D": d, "L": big_l, "R": r}, mats, aux, opts


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    p, mats, aux, opts = one_layer_instance(ID, rng, index, params)
    return Instance(ID, p, mats, aux=aux, options=opts, seed=index)


def lemma9_assumption(ranks: Any) -> Any:
    """W_l non-singular and prod W + LR_r(E) non-singular for all r <= sum_{l<L} R_l (Lemma 9 / Lemma 10)."""
    def check(inst: Instance) -> AssumptionResult:
        big_l = inst.p("L")
        return corrections_assumption(inst.matrices["W"], inst.matrices["Wbar"], (tuple(range(big_l)),),
                                      [sum(ranks(inst)[:-1])])

    return check


def _ranks(inst: Any) -> list[int]:
    return ranks_all(inst.parameters)


LR_TEXT = r"\mathrm{LR}_{RL\wedge R_E}(E)"
CLAIMS = (
    Claim("identity", statement=r"(i) there are adapters of rank $\le R$ and biases with "
          rf"$f(x) - \bar f(x) = \mathrm{{ReLU}}(({LR_TEXT} - E)x)$ for every $x \in \mathcal X$",
          quantifier="exists", levels=st.STEP_LEVELS, evaluate=st.identity, refute=st.refute_identity_for(_ranks)),
    Claim("exact-on-domain", statement=r"(ii) if $R \ge \lceil R_E / L \rceil$: adapters of rank $\le R$ and biases "
          r"with $f(x) = \bar f(x)$ for all $x \in \mathcal X$ (inner ReLUs certified active on $\mathcal X$, the "
          r"composed affine map equal to the target's)", quantifier="exists",
          levels=st.STEP_LEVELS, evaluate=st.exactness,
          threshold=threshold,
          threshold_param="R", refute=lambda inst: refute_total_rank(inst, inst.p("R") * inst.p("L"))),
    Claim("adapter-rank", statement=r"the constructed adapters have $\mathrm{rank}(\Delta W_l) \le R$",
          levels=st.STEP_LEVELS, evaluate=st.adapter_ranks),
    Claim("F1", statement=r"with biases making every pre-activation of layers $1..L-1$ non-negative on $\mathcal X$, "
          r"$f(x) = \mathrm{ReLU}(\prod_l(W_l+\Delta W_l)x + \sum_{l<L}\prod_{i=l+1}^{L}(W_i+\Delta W_i)\hat b_l + "
          r"\hat b_L)$ on $\mathcal X$", levels=st.STEP_LEVELS, evaluate=st.f1, role="step", label="F1"),
    Claim("F2", statement=rf"(14) Lemma 7 gives rank-$\le R$ adapters with $\prod_l(W_l+\Delta W_l) = \prod_l W_l + "
          rf"{LR_TEXT}$", levels=st.STEP_LEVELS, evaluate=st.f2, role="step", label="F2", cites=("R-LIN",)),
    Claim("F3", statement=r"the bias choice $\hat b_L = \bar b_1 - \sum_{l<L}\prod_{i>l}(W_i+\Delta W_i)\hat b_l$ "
          r"makes "
          r"the effective bias $\bar b_1$", levels=st.STEP_LEVELS, evaluate=st.f3, role="step", label="F3"),
    Claim("F4", statement=rf"hence $f(x) - \bar f(x) = \mathrm{{ReLU}}(({LR_TEXT} - E)x)$ for $x \in \mathcal X$ "
          r"(p26), "
          r"for the construction of F1-F3", levels=st.STEP_LEVELS, evaluate=st.identity, role="step", label="F4",
          cites=("R-FNN1/F1", "R-FNN1/F2", "R-FNN1/F3")),
    Claim("identity-as-proved", statement=rf"what F1-F3 give: $f(x) = \mathrm{{ReLU}}((\prod_l W_l + {LR_TEXT})x + "
          r"\bar b_1)$ on all of $\mathcal X$, i.e. $f(x) - \bar f(x) = \mathrm{ReLU}((\bar W_1 + "
          rf"{LR_TEXT} - E)x + \bar b_1) - \mathrm{{ReLU}}(\bar W_1 x + \bar b_1)$", levels=st.STEP_LEVELS,
          evaluate=st.corrected_identity, role="interpretation",
          interpretation="F4 moves ReLU(a + c) - ReLU(a) to ReLU(c), which is false unless c = 0 (or a, c of one "
                         "sign); this claim checks the identity F1-F3 actually prove, on all of X"),
)

R_FNN1 = Theorem(
    id=ID,
    title="LoRA on an FNN with a one-layer target: identity (i) and exactness (ii) on a bounded domain",
    statement=(r"Let $\bar f(x) = \mathrm{ReLU}(\bar W_1 x + \bar b_1)$, $f$ a frozen FNN of depth $L$ (ReLU on every "
               r"layer), $E = \bar W_1 - \prod_{l=1}^L W_l$, $R \in [D]$, $W_1..W_L$ and $\prod_l W_l + "
               r"\mathrm{LR}_r(E)$ "
               r"non-singular for $r \le R(L-1)$, and $x$ random with bounded support $\mathcal X$. There are "
               r"$\Delta W_l$ of rank $\le R$ and $\hat b_l$ with (i) $f(x) - \bar f(x) = \mathrm{ReLU}((\mathrm{LR}_"
               r"{RL\wedge R_E}(E) - E)x)$ for every $x \in \mathcal X$; (ii) if $R \ge \lceil R_E/L \rceil$, "
               r"$f(x) = \bar f(x)$ for all $x \in \mathcal X$."),
    source=PAPER.at("Lemma 2 / Lemma 9", page="5, 25-26"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("R", description="LoRA rank", low=1, high=16)),
    assumptions=(Assumption("lemma9-nonsingular", statement=r"every $W_l$ non-singular and $\prod_l W_l + "
                            r"\mathrm{LR}_r(E)$ non-singular for all $r \le R(L-1)$",
                            check=lemma9_assumption(_ranks)),),
    construction=st.construction(_ranks),
    construction_summary=(
        "Lemma 9: R-LIN adapters toward prod W + LR_k(E), k = RL ∧ R_E (their product is exactly that); biases of "
        "layers 1..L-1 lift every pre-activation to >= 1 on an enclosure of X; bhat_L = bbar_1 - sum_{l<L} "
        "prod_{i>l}(W_i + dW_i) bhat_l. Built in exact rationals where LR_k(E) is rational (k >= R_E, or a rational "
        "SVD of E in the instance's aux), else around a certified ball of LR_k(E)."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-LIN",),
    interpretation=(
        "X is the box [-1, 1]^D unless the instance says otherwise (options); the model has ReLU on the output "
        "layer, as the paper's. (ii) is certified on all of X. (i) is an identity of functions on X: where "
        "LR_k(E) = E it is proved on all of X (both sides vanish); otherwise the construction is compared with it at "
        "exact interior points of X, and the existential statement is refuted only by a local-Jacobian "
        "certificate valid for every choice of adapters and biases."),
    default_examples=8,
    options_schema=OPTIONS,
)
