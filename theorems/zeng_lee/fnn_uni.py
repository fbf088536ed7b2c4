"""R-UNI (Theorem 3, p6; proof p28): LoRA on a multi-layer FNN with the uniform partition.

Under Assumption 1 (A-UNI) and a bounded X, if R >= ceil(max_i Rt_i / M) (Rt_i = rank E^(i),
M = floor(L / Lbar)), there are adapters of rank <= R and biases with f = fbar on X. The construction
is Lemma 9 on each block with rank R on every layer; the claim is certified on all of X. Proof steps
U1-U6 are claims of role "step" (U4 as printed without the bias, U6 the implicit use of Lemma 9's
hypothesis), with the readings the proof needs as interpretations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee import fnn_uni_steps as us
from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.models.fnn import (
    A_UNI_STATEMENT,
    PAPER_OPTIONS,
    Built,
    a_uni_check,
    build,
    dims,
    domain_comparisons,
    first_exact,
    fnn_constraints,
    fnn_shapes,
    random_fnn,
    rank_comparisons,
    refute_total_rank,
    sweep_uniform,
    uni_threshold_of,
    uniform_blocks,
)
from verifier import Assumption, Claim, Comparison, Instance, InstanceError, Parameter, RatMatrix, Theorem

ID = "R-UNI"
OPTIONS = dict(PAPER_OPTIONS)
STEP_LEVELS = ("float", "certified", "exact")


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


constraints = fnn_constraints


def singular_last_target(rng: np.random.Generator) -> dict[str, Any]:
    """D = 2, L = 3, Lbar = 2 (M = 1, P^u_2 = {2, 3}), R = 2, Wbar_2 singular: Assumption 1 holds (it asks only
    for non-singular W_l when M = 1) but Lemma 9's hypothesis for the two-layer block P^u_2 fails at r = R = 2,
    where LR_2(E^(2)) = E^(2) and the matrix is Wbar_2. The theorem's conclusion still holds here."""
    mats = random_fnn(rng, 2, 3, 2)
    mats["Wbar"] = (mats["Wbar"][0], RatMatrix.from_rows([[1, 2], ["1/2", 1]]))
    return mats


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """0: the paper's scale D = 16, (Lbar, L) = (2, 4) at the threshold R = 8; 1: the structured instance of
    `singular_last_target`; then small Gaussian instances, every third with low-rank block errors, R at,
    above or below the threshold (below: the sweep), some on a ball, some with L not a multiple of Lbar."""
    opts: dict[str, Any] = {"domain": "ball", "ball_radius": 1} if index % 4 == 3 else {}
    if params is not None:
        d, big_l, lbar = dims(params)
        return Instance(ID, dict(params), random_fnn(rng, d, big_l, lbar), options=opts, seed=index)
    if index == 0:
        return Instance(ID, {"D": 16, "L": 4, "Lbar": 2, "R": 8}, random_fnn(rng, 16, 4, 2), seed=index)
    if index == 1:
        return Instance(ID, {"D": 2, "L": 3, "Lbar": 2, "R": 2}, singular_last_target(rng), seed=index)
    d, big_l = int(rng.integers(2, 7)), int(rng.integers(1, 7))
    lbar = int(rng.integers(1, min(big_l, 3) + 1))
    m = big_l // lbar
    ranks = [int(rng.integers(0, d + 1)) for _ in range(lbar)] if index % 3 == 1 else None
    thr = -(-(max(ranks) if ranks else d) // m) or 1
    r = min(d, max(1, {0: thr, 1: thr + 1, 2: thr - 1, 3: thr}[index % 4]))
    mats = random_fnn(rng, d, big_l, lbar, error_ranks=ranks)
    return Instance(ID, {"D": d, "L": big_l, "Lbar": lbar, "R": r}, mats, options=opts, seed=index)


def construction(ctx: Any, b: Any) -> Built:
    """Lemma 9 on each block P^u_i with rank R on every layer of the block (the printed construction)."""
    return build(ctx, b, uniform_blocks(b.params), [b.params["R"]] * b.params["L"])


def _sweep(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    thr = uni_threshold_of(inst)
    rows = sweep_uniform(inst, r_max=thr, stop_at_first=True, r_min=min(thr, 1))
    first = first_exact(rows)
    if first is None:
        raise InstanceError(f"sweep inconclusive: at R' = {thr} the construction is not certified exact "
                            f"({rows[-1].get('note', '')})")
    return [Comparison("first R' at which the uniform construction is exact on X (sweep R' = 1, 2, ...)", first, "==",
                       thr)]


def refute(inst: Instance) -> Any:
    return refute_total_rank(inst, inst.p("R") * inst.p("L"))


def _step(cid: str, statement: str, evaluate: Any, label: str, cites: tuple[str, ...] = (),
          role: str = "step", interpretation: str = "") -> Claim:
    return Claim(cid, statement=statement, evaluate=evaluate, levels=STEP_LEVELS, threshold=uni_threshold_of,
                 threshold_param="R",
                 role=role, label=label, cites=cites, interpretation=interpretation)  # type: ignore[arg-type]


LR = r"\mathrm{LR}_{RL\wedge \tilde R_i}(E^{(i)})"
CLAIMS = (
    Claim("exact-above-threshold", statement=r"if $R \ge \lceil \max_i \tilde R_i / M \rceil$: adapters of rank "
          r"$\le R$ and biases with $f(x) = \bar f(x)$ for all $x \in \mathcal X$ (every ReLU the construction needs "
          r"certified active on $\mathcal X$; the block affine maps equal)", quantifier="exists",
          levels=("float", "certified", "exact"), evaluate=lambda ctx, b, c: domain_comparisons(ctx, c),
          threshold=uni_threshold_of, threshold_param="R", refute=refute),
    Claim("adapter-rank", statement=r"every constructed adapter has $\mathrm{rank}(\Delta W_l) \le R$",
          levels=("float", "certified", "exact"), evaluate=lambda ctx, b, c: rank_comparisons(ctx, c),
          threshold=uni_threshold_of, threshold_param="R"),
    _step("U1", r"$f = f_{\bar L}\circ\dots\circ f_1$, $\bar f = \bar f_{\bar L}\circ\dots\circ\bar f_1$ with "
          r"$f_i = \mathrm{FNN}_{|P_i|,D}(\cdot; (W_l+\Delta W_l)_{l\in P^u_i}, (\hat b_l)_{l \in P^u_i})$, "
          r"$\bar f_i = \mathrm{FNN}_{1,D}(\cdot;\bar W_i,\bar b_i)$", us.u1, "U1"),
    _step("U2", rf"(15) $f_i(z) - \bar f_i(z) = \mathrm{{ReLU}}(({LR} - E^{{(i)}})z)$ on block $i$'s inputs "
          r"(subscript $RL$ as printed)", us.u2, "U2", cites=("R-FNN1",)),
    Claim("U2-subscript", statement=r"the displayed (15)-(16) carry the subscript $RL \wedge \tilde R_i$; Lemma 9 "
          r"on block $i$ gives $R|P^u_i| \wedge \tilde R_i$: the two agree (checked on every instance, below the "
          r"threshold too)", evaluate=us.u2_subscript, levels=("exact",), role="interpretation", label="U2",
          interpretation="they agree whenever Theorem 3's threshold holds, so Theorem 3 is unaffected; below it the "
                         "printed RL makes the right sides of (15)-(16) vanish once RL >= Rt_i although block i has "
                         "only R|P_i| < Rt_i ranks. Theorem 5 cites (16) below the threshold (its T12 writes RM)",
          cites=("R-ERR",)),
    _step("U3", r"(16) $\mathbb E\|f_i(z) - \bar f_i(z)\|^2 \le \|\mathbb E zz^\top\|_F\,\sigma^2_{RL\wedge \tilde "
          r"R_i+1}}(\bar W_i - \prod_{l=1}^{L} W_l)$ (as printed; $z = \bar z_{i-1}(x)$, $x$ uniform on exact points "
          r"of $\mathcal X$)", us.u3, "U3", cites=("R-FNN1E",)),
    _step("U4", r"$f_i(z) = \mathrm{ReLU}((\mathrm{LR}(E^{(i)}) + \prod_{l\in P^u_i} W_l)z)$ (printed without bias)",
          us.u4, "U4"),
    _step("U4-bias", r"U4 with the bias: $f_i(z) = \mathrm{ReLU}((\mathrm{LR}(E^{(i)}) + \prod_{l\in P^u_i} W_l)z + "
          r"\bar b_i)$ on block $i$'s inputs", lambda ctx, b, c: us.u4(ctx, b, c, with_bias=True), "U4",
          role="interpretation", interpretation="the printed U4 omits bbar_i; Lemma 9's construction keeps it"),
    _step("U5", r"$R \ge \max_i \lceil \tilde R_i / M \rceil$ gives $f_i = \bar f_i$ for all $i$ (written $g_i$), "
          r"hence $f = \bar f$", us.u5, "U5"),
    _step("U6", r"(implicit) Lemma 9's hypothesis for block $P^u_i$ (non-singularity for $r \le R(|P^u_i|-1)$) "
          r"follows from Assumption 1 ($r \le R(M-1)$); $|P^u_{\bar L}| = L - (\bar L - 1)M$", us.u6(False), "U6",
          cites=("A-UNI", "R-FNN1")),
    _step("U6-needed", r"what the construction inverts: $\prod_{P^u_i} W_l + \mathrm{LR}_r(E^{(i)})$ for "
          r"$r \le \min(R(|P^u_i|-1), \tilde R_i - 1)$, which Assumption 1 covers under the threshold "
          r"($\tilde R_i \le RM$)", us.u6(True), "U6", role="interpretation",
          interpretation="Lemma 9's hypothesis is stronger than its construction needs: the rank-one terms of "
                         "E^(i) run out after M layers, so only r < rank E^(i) <= RM matter"),
    Claim("threshold-sweep", statement=r"sweeping $R' = 1, 2, \dots$, the first rank at which the construction is "
          r"exact on $\mathcal X$ is $\lceil \max_i \tilde R_i/M \rceil$ (the construction's own threshold is tight)",
          levels=("exact",), evaluate=_sweep, role="interpretation",
          interpretation="not a claim of the paper: how the construction behaves below the stated threshold"),
)

R_UNI = Theorem(
    id=ID,
    title="LoRA on multi-layer FNNs (uniform partition): exact above ceil(max_i rank(E^(i)) / M)",
    statement=(r"Let $M = \lfloor L/\bar L \rfloor$, $P^u_i$ the uniform partition and $\tilde R_i = \mathrm{rank}"
               r"(\bar W_i - \prod_{l\in P^u_i} W_l)$. Under Assumption 1 and a bounded input space $\mathcal X$, if "
               r"$R \ge \lceil \max_i \tilde R_i / M \rceil$ there are adapters of rank $\le R$ and biases with "
               r"$f(x) = \bar f(x)$ for all $x \in \mathcal X$."),
    source=PAPER.at("Theorem 3", page="6, 28"),
    parameters=(Parameter("D", description="width", low=1, high=16),
                Parameter("L", description="frozen depth", low=1, high=8),
                Parameter("Lbar", description="target depth", low=1, high=8),
                Parameter("R", description="LoRA rank", low=1, high=16)),
    assumptions=(Assumption("A-UNI", statement=A_UNI_STATEMENT, check=a_uni_check),),
    construction=construction,
    construction_summary=(
        "Uniform partition P^u_i (M layers, the last block takes the rest). Block i: Lemma 9 toward (Wbar_i, "
        "bbar_i) with rank R on each of its layers (R-LIN adapters, SVD order in float/certified, an exact rank "
        "factorisation in exact arithmetic); inner biases lift every inner pre-activation to >= 1 on an enclosure "
        "of the block's inputs over X; the last bias cancels them and adds bbar_i."),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("R-FNN1", "A-UNI"),
    interpretation=(
        "'f = fbar on X' is certified on the whole domain: inner pre-activations are enclosed over X (exact "
        "rationals or balls) and proved >= 0, then each block's last pre-activation is the target layer's affine "
        "map. Refutation uses the all-active certificate (valid for ReLU networks), which can fire only when "
        "rank(prod Wbar - prod W) > R L. Steps are checked under the theorem's hypotheses (R at or above the "
        "threshold)."),
    default_examples=10,
    options_schema=OPTIONS,
)
