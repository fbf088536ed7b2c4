"""R-ERR, A-GEN, R-RANDGEN, R-GEN, R-GENERR, R-FLT0, R-FLT: every finding replays at its certified/exact level from
its instance file; the models agree across arithmetics; the certified lower bound never exceeds an achieved error;
planted false steps are refuted; true statements hold; tampered certificates refute nothing."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee.fnn_err import construction as err_construction
from theorems.zeng_lee.fnn_err_instances import spread_law_instance
from theorems.zeng_lee.models.fnn.errlower import one_layer_lower_bound
from theorems.zeng_lee.models.fnn.errparts import stated_bound
from theorems.zeng_lee.models.fnn.flt import linear_set, relu_net
from verifier import (
    CheckSettings,
    Comparison,
    Instance,
    RatMatrix,
    check_theorem,
    get_context,
    get_theorem,
    load_instance,
)
from verifier._cli import main

FINDINGS = Path(__file__).parent / "fnn_findings"
IDS = ("R-ERR", "A-GEN", "R-RANDGEN", "R-GEN", "R-GENERR", "R-FLT0", "R-FLT")

#: instance file -> (theorem, {claim: expected evidence of its violation}, claims that must hold there)
FILES: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "r_err_spread_law_small_target.json": ("R-ERR", {"expected-error": "certified", "T5": "certified",
                                                     "T9": "certified", "T12": "certified"},
                                           ("expected-error-trace", "T4", "T6", "T9-jensen", "T14")),
    "r_err_spread_law_zero_target.json": ("R-ERR", {"expected-error": "certified", "T12": "certified"},
                                          ("expected-error-trace",)),
    "r_err_t2_shrunk.json": ("R-ERR", {"T2": "certified"}, ("T2-lipschitz",)),
    "r_err_t5_shrunk.json": ("R-ERR", {"T5": "certified"}, ("T5-spectral",)),
    "r_err_t7_shrunk.json": ("R-ERR", {"T7": "exact"}, ("T7-le",)),
    "r_err_t9_shrunk.json": ("R-ERR", {"T9": "certified"}, ("T9-jensen",)),
    "r_err_what_definition_shrunk.json": ("R-ERR", {"What-definition": "exact"}, ()),
    "r_err_t10_growing_middle_layer.json": ("R-ERR", {"T10": "certified"}, ("expected-error", "T7", "T7-le")),
    "r_generr_spread_law.json": ("R-GENERR", {"expected-error": "certified"}, ("expected-error-trace",)),
    "r_gen_singular_target_block.json": ("R-GEN", {"S1": "exact"}, ("exact-on-domain", "S2", "S3")),
    "a_gen_singular_target_block.json": ("A-GEN", {"block-reading": "exact"}, ("holds-on-instance",)),
    "r_flt0_injective_second_layer.json": ("R-FLT0", {"no-tuning-matches": "exact", "G2": "exact", "G4": "exact",
                                                      "G5": "exact"}, ("G2-first-layer", "G3")),
    "r_flt0_dead_second_target_layer.json": ("R-FLT0", {"no-tuning-matches": "exact", "G1": "exact"}, ("G3",)),
    "r_flt_constant_target.json": ("R-FLT", {"no-final-layer-tuning": "exact", "H1": "exact", "H3": "certified",
                                             "bounded-domain": "exact"}, ()),
    "r_flt_covered_first_layer.json": ("R-FLT", {"H2": "exact", "H3-nonempty": "certified"},
                                       ("no-final-layer-tuning", "nonsingular-target")),
    "r_flt_shifted_first_bias.json": ("R-FLT", {"bounded-domain": "certified"},
                                      ("no-final-layer-tuning", "nonsingular-target")),
}


def _settings(examples: int = 1) -> CheckSettings:
    return CheckSettings(examples=examples, seed=0)


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_finding_replays_from_its_file(name: str) -> None:
    tid, violated, holding = FILES[name]
    thm = get_theorem(tid)
    inst = load_instance(thm, FINDINGS / name)
    v = check_theorem(thm, _settings(), [inst], claims=[*violated, *holding])
    got = {c.id: c for c in v.claims}
    for cid, level in violated.items():
        c = got[cid]
        assert c.status == "violated" and c.evidence == level, (cid, c.status, c.evidence, c.notes)
        assert c.counterexample is not None
    for cid in holding:
        assert got[cid].status == "holds", (cid, got[cid].status, got[cid].notes)


def test_proof_gap_r_gen_statement_holds_where_s1_fails() -> None:
    thm = get_theorem("R-GEN")
    inst = load_instance(thm, FINDINGS / "r_gen_singular_target_block.json")
    got = {c.id: c for c in check_theorem(thm, _settings(), [inst]).claims}
    assert got["exact-on-domain"].status == "holds" and got["exact-on-domain"].evidence == "exact"
    assert got["S1"].status == "violated" and got["S1"].evidence == "exact"


def _certificate(c: object) -> dict:  # type: ignore[type-arg]
    return next(o.refutation for o in c.outcomes if o.status == "violated")  # type: ignore[attr-defined]


def test_refutations_carry_their_certificates() -> None:
    err = get_theorem("R-ERR")
    c = check_theorem(err, _settings(), [load_instance(err, FINDINGS / "r_err_spread_law_small_target.json")],
                      claims=["expected-error"]).claims[0]
    cert = _certificate(c)
    assert cert["kind"] == "lower-bound" and Fraction(cert["value"]) > 0 and "Eckart-Young" in cert["argument"]
    flt = get_theorem("R-FLT")
    c = check_theorem(flt, _settings(), [load_instance(flt, FINDINGS / "r_flt_constant_target.json")],
                      claims=["no-final-layer-tuning"]).claims[0]
    assert _certificate(c)["form"] == "every-draw"
    c = check_theorem(flt, _settings(), [load_instance(flt, FINDINGS / "r_flt_covered_first_layer.json")],
                      claims=["H3-nonempty"]).claims[0]
    assert _certificate(c)["form"] == "open-set"
    flt0 = get_theorem("R-FLT0")
    c = check_theorem(flt0, _settings(), [load_instance(flt0, FINDINGS / "r_flt0_injective_second_layer.json")],
                      claims=["no-tuning-matches"]).claims[0]
    assert _certificate(c)["verdict"] == "equal" and _certificate(c)["domain"] == "R^3"


def test_tampered_tuning_refutes_nothing() -> None:
    flt0 = get_theorem("R-FLT0")
    inst = load_instance(flt0, FINDINGS / "r_flt0_injective_second_layer.json")
    tb = inst.aux["tune_b"][0]
    bad = RatMatrix(tb.nrows, 1, (tb.entries[0] + Fraction(1, 1024), *tb.entries[1:]))
    c = check_theorem(flt0, _settings(), [inst.with_aux({"tune_b": (bad,)})], claims=["no-tuning-matches"]).claims[0]
    assert c.status == "inconclusive", (c.status, c.notes)


def test_lower_bound_never_exceeds_an_achieved_error() -> None:
    """The certified one-layer lower bound is below the construction's error and below the error of random rank-R
    adapters with random biases (evaluated exactly, then compared with the ball's upper end)."""
    rng = np.random.default_rng(3)
    ctx = get_context("certified")
    for k, d in enumerate((3, 4, 5)):
        inst = spread_law_instance("R-ERR", rng, d, 1, 0.01 * k, k)
        with ctx.session():
            lb = one_layer_lower_bound(inst, 1, True, ctx)["lb"]
            p = err_construction(ctx, ctx.bind([inst]))
            assert lb.upper() <= p.delta(ctx, 1).upper() * (1 + 2.0**-40)
        m = inst.matrices
        x = m["X"].to_numpy()
        target = np.maximum(m["Wbar"][0].to_numpy() @ x + m["bbar"][0].to_numpy(), 0)
        for _ in range(20):
            dw = rng.standard_normal((d, 1)) @ rng.standard_normal((1, d)) * rng.uniform(0.01, 0.2)
            bias = rng.standard_normal((d, 1)) * 0.2
            f = np.maximum((m["W"][0].to_numpy() + dw) @ x + bias, 0)
            err = np.linalg.norm(f - target, axis=0).mean()
            assert float(lb.upper()) <= err + 1e-12


def test_err_models_agree_across_arithmetics() -> None:
    thm = get_theorem("R-ERR")
    for index in (1, 4):
        inst = thm.generate(np.random.default_rng(index), index)
        vals = {}
        for level in ("float", "certified"):
            ctx = get_context(level)
            with ctx.session():
                p = err_construction(ctx, ctx.bind([inst]))
                lbar = p.lbar
                vals[level] = [float(x) for x in (p.delta(ctx, lbar), stated_bound(ctx, p), p.b_term(ctx, 1),
                                                  p.sqrt_sigma_f, p.mean_x)]
        assert np.allclose(vals["float"], vals["certified"], rtol=1e-9, atol=1e-12), vals


def test_bound_is_the_printed_formula() -> None:
    """Lbar = 1: beta = max(sqrt(||Sigma||_F) ||Wbar||_F + ||bbar||, sqrt(||Sigma||_F)), bound = beta s_(RM+1)(E)."""
    inst = spread_law_instance("R-ERR", np.random.default_rng(0), 4, 1, 0.0, 0)
    ctx = get_context("certified")
    with ctx.session():
        p = err_construction(ctx, ctx.bind([inst]))
        got = float(stated_bound(ctx, p).mid())
    # Sigma = I/4, ||Sigma||_F = 1/2; Wbar = 0; ||bbar|| = (1/8) 2; E = -W_1 = -(1/16) Q has s_2 = 1/16
    assert abs(got - max(0.25, 0.5**0.5) / 16) < 1e-15


def test_flt_sets_and_networks_agree_with_float_evaluation() -> None:
    from theorems.zeng_lee.models.fnn import FNN, forward

    inst = get_theorem("R-FLT0").generate(np.random.default_rng(5), 4)
    m = inst.matrices
    l = inst.p("l")
    il = linear_set(m["W"], m["b"], l)
    net = relu_net(m["W"], m["b"], True)
    rng = np.random.default_rng(0)
    ctx = get_context("float")
    for _ in range(5):
        x = tuple(Fraction(int(v), 64) for v in rng.integers(-128, 129, size=inst.p("D")))
        lin = np.linalg.multi_dot([w.to_numpy() for w in reversed(m["W"][:l])] + [np.array(x, float)]) if l > 1 else \
            m["W"][0].to_numpy() @ np.array(x, float)
        off = np.zeros(inst.p("D"))
        for i in range(l):
            off = m["W"][i].to_numpy() @ off + m["b"][i].to_numpy()[:, 0]
        assert il.contains(x) == bool(np.all(lin + off <= 0))
        with ctx.session():
            fx = forward(ctx, FNN(tuple(ctx.load([w]) for w in m["W"]), tuple(ctx.load([v]) for v in m["b"])),
                         ctx.load([RatMatrix(len(x), 1, x)]))
        assert np.allclose(fx.numpy()[0, :, 0], [float(v) for v in net(x)], atol=1e-12)


def test_planted_false_step_is_refuted() -> None:
    """T4 without its tail term (||What_i||_F <= ||Wbar_i||_F) is false below the threshold."""
    thm = get_theorem("R-ERR")

    def planted(ctx, b, p):  # type: ignore[no-untyped-def]
        return [Comparison("planted: ||What_i||_F vs ||Wbar_i||_F", ctx.frobenius(p.What[i]), "<=", p.fro[i])
                for i in range(p.lbar)]

    bad = replace(thm, id="R-ERR-PLANTED", claims=(replace(thm.claim("T4"), id="planted", evaluate=planted),))
    v = check_theorem(bad, _settings(3))
    assert v.claims[0].status == "violated" and v.claims[0].evidence == "certified"


def test_true_statements_hold_on_random_draws() -> None:
    for tid, claims in (("R-RANDGEN", ("a-gen-every-rank", "block-reading-every-rank")),
                        ("R-FLT", ("nonsingular-target",)), ("R-GEN", ("exact-on-domain", "S2", "S3"))):
        thm = get_theorem(tid)
        v = check_theorem(thm, _settings(5), claims=list(claims))
        for c in v.claims:
            assert c.status == "holds", (tid, c.id, c.status, c.notes)
    err = get_theorem("R-ERR")
    insts = [err.generate(np.random.default_rng(k), k, {"D": 3, "L": 2, "Lbar": 2, "R": 1, "N": 6})
             for k in range(4)]
    v = check_theorem(err, _settings(), insts, claims=["expected-error-trace", "T1", "T3", "T4", "T6", "T8", "T11",
                                                       "T13", "T14", "T2-lipschitz", "T5-spectral", "T7-le"])
    for c in v.claims:
        assert c.status == "holds", (c.id, c.status, c.notes)


@pytest.mark.parametrize(("theorem_id", "code"), [("R-RANDGEN", 0), ("R-FLT", 1)])
def test_cli_exit_codes(theorem_id: str, code: int) -> None:
    assert main(["check", theorem_id, "--examples", "3", "--quiet"]) == code


def test_flt_instance_is_one_draw_with_the_target_fixed() -> None:
    inst = get_theorem("R-FLT").generate(np.random.default_rng(0), 7)
    assert isinstance(inst, Instance) and inst.p("D") >= 2 and len(inst.matrices["Wbar"]) == 1
