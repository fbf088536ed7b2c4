"""The linear family and the auxiliary results (R-LIN, R-LINV, R-WIDE, C-MAT, R-DET, R-POLY).

- Every finding against the paper has a hand-made instance in `linear_findings/` whose replay is a
  certified or exact violation, while (for a proof gap) the statement still holds there.
- The proof-step claims agree across arithmetics (mpmath vs certified balls, exact vs certified).
- Planted false steps are refuted; true statements and the readings the proofs need are never
  refuted on many instances, nor by a short search.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from theorems.zeng_lee import r_lin_steps, r_linv
from theorems.zeng_lee.r_lin_steps import parts, ranks_of, zero
from verifier import Claim, Comparison, check_theorem, get_context, get_theorem, load_instance
from verifier._search import SearchSettings, search_theorem
from verifier._verdicts import CheckSettings

FINDINGS = Path(__file__).parent / "linear_findings"
NO_PROBES = CheckSettings(probes=False)

# file, theorem, claims violated there, claims that hold there (a proof gap: the statement survives)
CASES = [
    ("r_lin_printed_q11_repeats.json", "R-LIN", ["L6", "L11"],
     ["optimum-attained", "optimal-product-form", "exact-above-threshold", "L6-intended", "L11-intended"]),
    ("r_lin_rank_q_below_r.json", "R-LIN", ["L8", "L6"], ["exact-above-threshold", "L8-intended"]),
    ("r_lin_q1_not_identity_block.json", "R-LIN", ["L9"], ["optimal-product-form", "L9-intended"]),
    ("r_lin_singular_last_layer.json", "R-LIN", ["L7-sketch", "L10"], ["exact-above-threshold", "L7"]),
    ("r_lin_one_layer_singular.json", "R-LIN", ["L9"], ["exact-above-threshold"]),
    ("r_lin_optimum_not_unique.json", "R-LIN", ["optimal-product-unique"], ["optimum-attained",
                                                                            "optimal-product-form"]),
    ("r_linv_overlapping_blocks.json", "R-LINV", ["Q-rank", "Q-sum"],
     ["optimum-attained", "exact-above-threshold", "Q-rank-intended", "Q-sum-intended", "invertible"]),
    ("r_wide_floor.json", "R-WIDE", ["exact-wide", "W4"], ["W2"]),
    ("r_wide_bottom_left.json", "R-WIDE", ["W1", "W4"], ["exact-wide", "exact-wide-ceil", "W1-columns", "W2"]),
    ("c_mat_trace_and_frobenius.json", "C-MAT", ["trace-product", "fro-trace-symmetric"],
     ["trace-product-psd", "fro-trace-psd", "trace-cyclic", "fro-trace", "fro-sv"]),
]


@pytest.mark.parametrize(("name", "thm_id", "violated", "holding"), CASES, ids=[c[0] for c in CASES])
def test_finding_replays(name: str, thm_id: str, violated: list[str], holding: list[str]) -> None:
    thm = get_theorem(thm_id)
    inst = load_instance(thm, FINDINGS / name)
    v = check_theorem(thm, NO_PROBES, [inst], violated + holding)
    assert v.eligible == 1, v.notes  # the instance meets every hypothesis
    got = {c.id: c for c in v.claims}
    for cid in violated:
        assert got[cid].status == "violated", (cid, got[cid].notes)
        assert got[cid].evidence in ("certified", "exact")
    for cid in holding:
        assert got[cid].status == "holds", (cid, got[cid].status, got[cid].notes)


# -- agreement across arithmetics ------------------------------------------------------------------

def _values(thm: Any, inst: Any, claim: Claim, level: str) -> list[float]:
    ctx = get_context(level)
    with ctx.session():
        b = ctx.bind([inst])
        cons = thm.construction(ctx, b) if thm.construction else None
        return [float(ctx.decide(c)[0].lhs_value) for c in claim.evaluate(ctx, b, cons)]


@pytest.mark.parametrize("thm_id", ["R-LIN", "R-LINV"])
def test_steps_agree_mp_and_certified(thm_id: str) -> None:
    thm = get_theorem(thm_id)
    rng = np.random.default_rng(3)
    insts = [thm.generate(rng, index=k) for k in range(4)]  # generic, low-rank, just-above/rational, ...
    steps = [c for c in thm.claims if c.levels == r_lin_steps.STEP_LEVELS and not c.uses_probes]
    for inst in insts:
        if any(a.check(inst).status != "holds" for a in thm.assumptions):
            continue
        for c in steps:
            if c.applies is not None and not c.applies(inst):
                continue
            mp, cert = _values(thm, inst, c, "mp"), _values(thm, inst, c, "certified")
            assert len(mp) == len(cert), c.id
            for a, b in zip(mp, cert, strict=True):
                assert abs(a - b) <= 1e-12 * (1 + abs(b)), (c.id, a, b)


@pytest.mark.parametrize("thm_id", ["C-MAT", "R-WIDE"])
def test_claims_agree_exact_and_certified(thm_id: str) -> None:
    thm = get_theorem(thm_id)
    rng = np.random.default_rng(5)
    for k in range(4):
        inst = thm.generate(rng, index=k)
        if any(a.check(inst).status != "holds" for a in thm.assumptions):
            continue
        for c in thm.claims:
            if c.quantifier == "exists" or (c.applies and not c.applies(inst)):  # witnesses differ by arithmetic
                continue
            if "exact" not in c.levels or "certified" not in c.levels:
                continue
            ex, cert = _values(thm, inst, c, "exact"), _values(thm, inst, c, "certified")
            for a, b in zip(ex, cert, strict=True):
                assert abs(a - b) <= 1e-9 * (1 + abs(a)), (c.id, a, b)


# -- planted false steps are refuted ----------------------------------------------------------------

def _planted_l4(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    c = parts(ctx, b, adapters=False)
    k = sum(ranks_of(b))
    scale = ctx.norm2(c.E)
    return [Comparison("planted: ||E' - E||_2 = s_(RL)(E)", ctx.norm2(ctx.sub(c.Ep, c.E)), "==", ctx.sv(c.E, k),
                       tol=r_lin_steps.tol(ctx, c.exact, scale), scale=scale)]


def _planted_l5(ctx: Any, b: Any, _c: Any) -> list[Comparison]:
    c = parts(ctx, b)
    # planted: the construction's product is prod W + E (exact even below the threshold)
    return [zero(ctx, "planted: prod(W+dW) - Wbar", ctx.sub(c.partial[-1], ctx.add(c.prod_w, c.E)), c.exact,
                 ctx.norm2(c.E))]


def _planted(thm_id: str, claim_id: str, **changes: Any) -> Any:
    thm = get_theorem(thm_id)
    claim = replace(thm.claim(claim_id), **changes)
    return replace(thm, id=f"{thm_id}-PLANTED-{claim_id}", claims=(claim,), identities=())


PLANTED = [
    ("R-LIN", "L4", {"evaluate": _planted_l4}),
    ("R-LIN", "L5", {"evaluate": _planted_l5}),
    ("R-LIN", "L6-intended", {"evaluate": r_lin_steps.sum_claim("printed-lemma8")}),
    ("R-LIN", "L10-intended", {"evaluate": r_lin_steps.invertible_claim(lambda big_l: range(2, big_l + 1), False),
                               "applies": None}),
    # "rank Q_l = R_l" (the literal '=' of L8) fails where the last blocks are short
    ("R-LINV", "Q-rank-intended", {"evaluate": r_lin_steps.rank_claim("intended", True, r_linv.ranks_of)}),
]


@pytest.mark.parametrize(("thm_id", "claim_id", "changes"), PLANTED, ids=[f"{t}:{c}" for t, c, _ in PLANTED])
def test_planted_false_step_is_refuted(thm_id: str, claim_id: str, changes: dict[str, Any]) -> None:
    thm = _planted(thm_id, claim_id, **changes)
    v = check_theorem(thm, replace(NO_PROBES, examples=12, seed=1))
    (c,) = v.claims
    assert c.status == "violated", c.notes
    assert c.evidence in ("certified", "exact")


def test_planted_false_auxiliary_steps_are_refuted() -> None:
    det = get_theorem("R-DET")
    d2 = det.claim("D2")

    def doubled(ctx: Any, b: Any, cons: Any) -> list[Comparison]:
        (cmp,) = d2.evaluate(ctx, b, cons)
        return [replace(cmp, label="planted: leading coefficient = 2 det Y", rhs=2 * cmp.rhs)]

    poly = get_theorem("R-POLY")
    grid = poly.claim("grid-zeros")

    def tighter(ctx: Any, b: Any, cons: Any) -> list[Comparison]:
        (cmp,) = grid.evaluate(ctx, b, cons)
        n, k = b.params["n"], b.params["k"]
        return [replace(cmp, label="planted: (deg p - 1) k^(n-1)", rhs=cmp.rhs - k ** (n - 1))]

    wide = get_theorem("R-WIDE")
    w2 = wide.claim("W2")

    def smaller(ctx: Any, b: Any, cons: Any) -> list[Comparison]:
        *_rest, rank = w2.evaluate(ctx, b, cons)
        return [replace(rank, label="planted: rank E <= Dbar - 1", rhs=rank.rhs - 1)]

    for thm, claim, fn in ((det, d2, doubled), (poly, grid, tighter), (wide, w2, smaller)):
        planted = replace(thm, id=f"{thm.id}-PLANTED", claims=(replace(claim, evaluate=fn),))
        (c,) = check_theorem(planted, NO_PROBES).claims
        assert c.status == "violated" and c.evidence == "exact", (thm.id, c.notes)


# -- true statements are never refuted ---------------------------------------------------------------

TRUE_CLAIMS = {
    "R-LIN": ["adapter-rank", "optimum-attained", "optimal-product-form", "exact-above-threshold", "L1", "L2", "L3",
              "L4", "L5", "L6-intended", "L7", "L8-intended", "L9-intended", "L10-intended", "L11-intended"],
    "R-LINV": ["optimum-attained", "optimal-product-form", "exact-above-threshold", "remark-allocation",
               "Q-rank-intended", "Q-sum-intended", "invertible"],
    "R-WIDE": ["exact-wide-ceil", "W1-columns", "W2", "W3"],
    "C-MAT": ["rank-product", "opnorm", "quadratic-form", "trace-cyclic", "trace-product-psd", "fro-trace",
              "fro-trace-psd", "fro-sv"],
    "R-DET": ["D1", "D2", "nonsingular-generic"],
    "R-POLY": ["grid-zeros", "generic-point"],
}


@pytest.mark.parametrize("thm_id", sorted(TRUE_CLAIMS))
def test_true_claims_never_refuted(thm_id: str) -> None:
    thm = get_theorem(thm_id)
    v = check_theorem(thm, replace(NO_PROBES, examples=16, seed=11), None, TRUE_CLAIMS[thm_id])
    bad = [(c.id, c.status, c.notes[:1]) for c in v.claims if c.status in ("violated", "error")]
    assert not bad
    assert not v.errors
    assert v.eligible >= 8, v.notes  # most instances meet the hypotheses: the claims were exercised


@pytest.mark.parametrize("thm_id", ["R-POLY", "R-DET", "R-WIDE"])
def test_short_search_refutes_no_true_claim(thm_id: str, tmp_path: Path) -> None:
    thm = get_theorem(thm_id)
    claims = tuple(TRUE_CLAIMS[thm_id])
    res = search_theorem(thm, SearchSettings(database=None, seed=0, time_budget=8.0, max_examples=60, claims=claims,
                                             out_dir=str(tmp_path)))
    assert not res.violations, [(f.claim, f.detail) for f in res.violations]


def test_sum_of_terms_is_proved_symbolically_and_a_wrong_one_is_not() -> None:
    import sympy
    from sympy import MatAdd, MatMul, MatrixSymbol

    from theorems.zeng_lee.models import symbolic

    assert all(symbolic.prove_sum_of_terms(n).proved for n in (1, 2, 3))
    d = sympy.Symbol("D", integer=True, positive=True)
    w1, w2, d1, d2 = (MatrixSymbol(n, d, d) for n in ("W_1", "W_2", "dW_1", "dW_2"))
    lhs = MatAdd(MatMul(MatAdd(w2, d2), MatAdd(w1, d1)), MatMul(-1, MatMul(w2, w1)))
    wrong = MatAdd(MatMul(w2, d1), MatMul(d2, w1))  # drops dW_2 dW_1: the cross term of (3)
    assert not symbolic._check("planted", lhs, wrong, (d, d))[0]


def test_tie_past_the_hypothesis_range() -> None:
    """s_{k-1}(E) = s_k(E) beyond r <= R(L-1): the steps are decided exactly on the rational basis; the
    statement's witness (an approximate SVD inside a tie) may miss the tolerance, never a violation."""
    from theorems.zeng_lee.r_lin import generate

    thm = get_theorem("R-LIN")
    inst = generate(np.random.default_rng(0), index=5 + 6 * 4, params={"D": 5, "L": 2, "R": 2})  # mode "tie"
    v = check_theorem(thm, NO_PROBES, [inst])
    got = {c.id: c for c in v.claims}
    assert v.eligible == 1
    assert all(got[c].status == "holds" and got[c].evidence == "exact" for c in ("L6", "L7", "L8", "L10", "L11"))
    assert not [c.id for c in v.claims if c.status == "violated" and c.role == "statement"]
