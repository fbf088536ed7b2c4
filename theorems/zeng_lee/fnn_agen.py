"""A-GEN (Assumption 2, p31): the non-singularity hypothesis of Theorem 6 for a partition P and per-layer
ranks (R_l), as printed: W_1..W_L non-singular and prod_{l in P_i} W_l + LR_r(Wbar_i - prod_{l=min P_i..max P_i - 1}
W_l) non-singular for all r <= sum_{l=min P_i..max P_i - 1} R_l (the product inside LR_r omits the block's last
layer). Checked on instances exactly (determinants) or certified (s_min enclosures); the whole-block reading
that Lemma 10 needs is checked beside it as an interpretation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorems.zeng_lee._common import PAPER
from theorems.zeng_lee.fnn_partition import OPTIONS, blocks_of, partitioned, ranks_of, singular_target_block
from theorems.zeng_lee.models.fnn import fnn_shapes
from theorems.zeng_lee.models.fnn.agen import Reading, check, comparisons, families
from verifier import Claim, Comparison, Instance, Parameter, Refutation, Theorem

ID = "A-GEN"

PRINTED = (r"$W_1, \dots, W_L$ non-singular and $\prod_{l \in P_i} W_l + \mathrm{LR}_r(\bar W_i - "
           r"\prod_{l=\min P_i}^{\max P_i - 1} W_l)$ non-singular for all "
           r"$r \le \sum_{l=\min P_i}^{\max P_i - 1} R_l$, $i \in [\bar L]$")
BLOCK = (r"$\prod_{l \in P_i} W_l + \mathrm{LR}_r(\bar W_i - \prod_{l \in P_i} W_l)$ non-singular for all "
         r"$r \le \sum_{l=\min P_i}^{\max P_i - 1} R_l$ (Lemma 10's hypothesis for each block)")


def shapes(p: Mapping[str, int]) -> dict[str, Any]:
    return fnn_shapes(p["D"], p["L"], p["Lbar"])


def constraints(p: Mapping[str, int]) -> str | None:
    return None if p["Lbar"] <= p["L"] else f"need Lbar <= L, got Lbar={p['Lbar']} > L={p['L']}"


def generate(rng: np.random.Generator, index: int = 0, params: Mapping[str, int] | None = None) -> Instance:
    """Random partitions and rank allocations; instance 1: a singular one-block target where the printed
    assumption holds but the whole-block reading fails (exactly)."""
    if params is None and index == 1:
        return singular_target_block(ID, rng, 3, index)
    if params is None:
        d, big_l = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        params = {"D": d, "L": big_l, "Lbar": int(rng.integers(1, min(big_l, 3) + 1))}
    return partitioned(ID, rng, params, index)


def _fams(b: Any, reading: Reading) -> Any:
    inst = b.instances[0]
    m = inst.matrices
    return families(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), ranks_of(inst), reading)


def _evaluate(reading: Reading) -> Any:
    what = "Q_i + LR_r(Wbar_i - prod_(P_i minus its last layer) W)" if reading == "printed" else \
        "Q_i + LR_r(Wbar_i - Q_i)"

    def evaluate(ctx: Any, b: Any, c: Any) -> list[Comparison]:
        return comparisons(_fams(b, reading), what)

    return evaluate


def _refute(reading: Reading) -> Any:
    def refute(inst: Instance) -> Refutation | None:
        m = inst.matrices
        res = check(m["W"], m["Wbar"], blocks_of(inst.parameters, inst.options), ranks_of(inst), reading)
        return Refutation("exact", res.detail) if res.status == "violated" and res.evidence == "exact" else None

    return refute


A_GEN = Theorem(
    id=ID,
    title="A-GEN: non-singularity for a general partition and per-layer ranks (Assumption 2, as printed)",
    statement=r"For the partition $P$ and ranks $(R_l)$: " + PRINTED + ".",
    source=PAPER.at("Assumption 2", page="31"),
    parameters=(
        Parameter("D", description="width", low=1, high=16),
        Parameter("L", description="frozen depth", low=1, high=8),
        Parameter("Lbar", description="target depth", low=1, high=8),
    ),
    claims=(
        Claim("holds-on-instance", statement="Assumption 2 as printed holds on the instance: " + PRINTED +
              r" (exact determinants where the matrix is rational, certified $s_{\min} > 0$ otherwise; refuted only "
              r"by an exact zero determinant)", quantifier="exists", levels=("certified",),
              evaluate=_evaluate("printed"), refute=_refute("printed")),
        Claim("block-reading", statement="the whole-block reading holds on the instance: " + BLOCK,
              quantifier="exists", levels=("certified",), evaluate=_evaluate("block"), refute=_refute("block"),
              role="interpretation",
              interpretation="The printed product inside LR_r omits the block's last layer; Lemma 10 (used by "
                             "Theorem 6's proof) needs E^(i) = Wbar_i - prod over the whole block."),
    ),
    shapes=shapes,
    generate=generate,
    constraints=constraints,
    interpretation=("An assumption, encoded as a checkable condition on an instance (its partition and ranks are "
                    "options; defaults: the uniform partition and rank(E^(i)) split evenly per block)."),
    default_examples=6,
    generic_instances=True,  # a hypothesis that holds almost surely (Lemma 11): null-set instances prove nothing
    options_schema=dict(OPTIONS),
)
