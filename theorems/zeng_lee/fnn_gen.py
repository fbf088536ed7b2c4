"""R-GEN (Theorem 6, exact part, p7 and p32): under Assumption 2 (as printed), if sum_{l in P_i} R_l >=
rank(Wbar_i - prod_{l in P_i} W_l) for every block, some adapters with rank(dW_l) <= R_l and biases give f = fbar
on the bounded X. The proof (p32) is Theorem 3's with P for P^u and Lemma 10 for Lemma 2: its steps are checked
as S1 (Lemma 10 applies to each block under Assumption 2: implicit), S2 (each block's composed affine map equals
target layer i) and S3 (each block's inner ReLUs are active on its inputs over all of X)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_agen import PRINTED
from theorems.zeng_lee.fnn_partition import (
    OPTIONS,
    blocks_of,
    budgets_cover,
    partitioned,
    ranks_of,
    singular_target_block,
)
from theorems.zeng_lee.models.fnn import (
    DOMAIN_OPTIONS,
    Built,
    build,
    domain_comparisons,
    fnn_shapes,
    rank_comparisons,
    refute_total_rank,
    require_active,
    sampled_comparisons,
)
from theorems.zeng_lee.models.fnn.agen import check, comparisons, families
from verifier import Assumption, AssumptionResult, Claim, Comparison, Instance, InstanceError, Parameter, Theorem

ID = "R-GEN"


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Random partitions, block error ranks k_i and allocations covering them (every fifth one rank short,
    where the claim does not apply); instance 1: a singular target block where Assumption 2 holds as printed
    but Lemma 10's hypothesis fails (S1); instance 2 at the paper's width (D = 16, (Lbar, L) = (2, 4))."""
    if params is None and index == 1:
        return singular_target_block(ID, rng, 3, index)
    if params is None and index == 2:
        return partitioned(ID, rng, {"D": 16, "L": 4, "Lbar": 2}, index, error_ranks=[6, 9])
    if params is None:
        d, big_l = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        params = {"D": d, "L": big_l, "Lbar": int(rng.integers(1, min(big_l, 3) + 1))}
    return partitioned(ID, rng, params, index, short=index % 5 == 4)


@dataclass(frozen=True)
class Lazy:
    """The block construction, built when a claim first reads it (S1 needs none, and must not wait on an
    inverse the construction may not have)."""

    ctx: Any
    b: Any

    @cached_property
    def built(self) -> Built:
        inst = self.b.instances[0]
        if any(i.options != inst.options for i in self.b.instances):
            raise InstanceError("instances of one float batch use different partitions; they are checked one by one")
        return build(self.ctx, self.b, blocks_of(self.b.params, self.b.options), ranks_of(inst))


def construction(ctx: Any, b: Any) -> Lazy:
    return Lazy(ctx, b)


def _assumption(inst: Instance) -> AssumptionResult:
    m = inst.matrices
    return check(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), ranks_of(inst), "printed")


def _s1(ctx: Any, b: Any, c: Any) -> list[Comparison]:
    inst = b.instances[0]
    m = inst.matrices
    fams = families(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), ranks_of(inst), "block")
    return comparisons(fams, "Lemma 10's Q_i + LR_r(E^(i))")


def _s2(ctx: Any, b: Any, c: Lazy) -> list[Comparison]:
    return list(c.built.check.affine)


def _s3(ctx: Any, b: Any, c: Lazy) -> list[Comparison]:
    require_active(ctx, c.built.check, "the domain " + c.built.domain.describe())
    return list(c.built.check.activity) or [Comparison("no block has inner layers", 0, "<=", 0)]


CLAIMS = (
    Claim("exact-on-domain", statement=r"if $\sum_{l \in P_i} R_l \ge \mathrm{rank}(\bar W_i - \prod_{l \in P_i} "
          r"W_l)$ for every block: some adapters and biases give $f = \bar f$ on all of $\mathcal X$ (certified on "
          r"the domain: needed ReLUs active, block affine maps equal); refuted only by an impossibility certificate",
          quantifier="exists", levels=("float", "certified", "exact"), evaluate=lambda ctx, b, c: domain_comparisons(
              ctx, c.built), applies=budgets_cover, refute=lambda inst: refute_total_rank(inst, sum(ranks_of(inst)))),
    Claim("adapter-rank", statement=r"the witness's adapters have $\mathrm{rank}(\Delta W_l) \le R_l$",
          levels=("float", "certified", "exact"), evaluate=lambda ctx, b, c: rank_comparisons(ctx, c.built),
          applies=budgets_cover),
    Claim("sampled-agreement", statement=r"$f(x) = \bar f(x)$ on sampled inputs of $\mathcal X$ (float evidence only)",
          quantifier="exists", levels=("float",), evaluate=lambda ctx, b, c: sampled_comparisons(
              ctx, b, c.built.adapted.net), applies=budgets_cover, role="interpretation",
          interpretation="Sampled agreement is float evidence beside the certificate on all of X."),
    Claim("S1", statement=r"(implicit) Lemma 10 applies to every block under Assumption 2: $\prod_{l \in P_i} W_l + "
          r"\mathrm{LR}_r(E^{(i)})$ non-singular for $r \le \sum_{l < \max P_i} R_l$ (exact determinants, certified "
          r"$s_{\min}$)", levels=("certified",), evaluate=_s1, role="step", label="S1 (p32)",
          cites=("A-GEN", "R-FNN1V")),
    Claim("S2", statement=r"each block's composed affine map equals target layer $i$: "
          r"$\prod_{l\in P_i}(W_l + \Delta W_l) = \bar W_i$ and offset $\bar b_i$ (Lemma 10's construction per block)",
          quantifier="exists",
          levels=("float", "certified", "exact"), evaluate=_s2, applies=budgets_cover, role="step", label="S2 (p32)",
          cites=("R-FNN1V", "R-LINV")),
    Claim("S3", statement=r"each block's inner ReLUs are active on the block's inputs over all of $\mathcal X$ "
          r"(biases from enclosures; Theorem 3's step with $P$ for $P^u$)", quantifier="exists",
          levels=("float", "certified", "exact"), evaluate=_s3, applies=budgets_cover, role="step", label="S3 (p32)",
          cites=("R-UNI",)),
)

R_GEN = Theorem(
    id=ID,
    title="General partitions and per-layer ranks: exact when every block's budget covers rank(E^(i)) (Theorem 6)",
    statement=(r"Under Assumption 2 (" + PRINTED + r"), if $\sum_{l \in P_i} R_l \ge \mathrm{rank}(\bar W_i - "
               r"\prod_{l \in P_i} W_l)$ for all $i$, there are adapters with $\mathrm{rank}(\Delta W_l) \le R_l$ and "
               r"biases with $f = \bar f$ on $\mathcal X$."),
    source=PAPER.at("Theorem 6", page="7, 32"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
    ),
    assumptions=(Assumption("A-GEN", statement=PRINTED + " (as printed)", check=_assumption),),
    construction=construction,
    construction_summary=(
        "Per block, Lemma 10 (R-LIN with per-layer ranks: layer l gets R_l rank-one terms of E^(i)), inner biases "
        "from an enclosure of the block's inputs over X, last bias matching bbar_i; exact rationals where the "
        "construction is rational."
    ),
    claims=CLAIMS,
    generate=generate,
    shapes=shapes,
    constraints=constraints,
    depends_on=("A-GEN", "R-FNN1V", "R-UNI"),
    interpretation=(
        "The partition and the per-layer ranks are instance options (defaults: the uniform partition and rank(E_i) "
        "split evenly). The 'same parameter count whatever the allocation' remark belongs to Lemma 8 (R-LINV)."
    ),
    default_examples=6,
    options_schema={**DOMAIN_OPTIONS, **OPTIONS},
)
