"""The one-layer and uniform-partition FNN results (R-FNN1, R-FNN1E, R-FNN1V, A-UNI, R-RAND, R-UNI,
R-RANDUNI): the new models agree across arithmetics, planted false claims and steps are refuted with
certificates, true statements are never refuted, and every finding replays from its instance file."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, fmpq

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee import fnn_one_steps as st
from theorems.zeng_lee.fnn_one_instances import bound_breaker, mats_for
from theorems.zeng_lee.fnn_uni import singular_last_target
from theorems.zeng_lee.models.fnn import FNN, domain_from_options, forward, random_fnn
from theorems.zeng_lee.models.fnn.jacobian import candidate_points, refute_identity
from theorems.zeng_lee.models.fnn.lowrank import RationalSVD, exact_lowrank, lowrank
from theorems.zeng_lee.models.fnn.one import interior_points, one_layer
from verifier import (
    CheckSettings,
    Instance,
    InstanceError,
    RatMatrix,
    check_theorem,
    exact_product,
    get_context,
    get_theorem,
    load_instance,
    record_findings,
)
from verifier._cli import main
from verifier.linalg import working_prec


def _statuses(v: object) -> dict[str, str]:
    return {c.id: c.status for c in v.claims}  # type: ignore[attr-defined]


def _one(d: int, big_l: int, r: int, kind: str = "rational", seed: int = 0, **kw: object) -> Instance:
    mats, aux = mats_for(np.random.default_rng(seed), d, big_l, kind, **kw)  # type: ignore[arg-type]
    return Instance("R-FNN1", {"D": d, "L": big_l, "R": r}, mats, aux=aux)


def _certificate(c: object) -> dict[str, object]:
    return next(o.refutation for o in c.outcomes if o.status == "violated")  # type: ignore[attr-defined]


def _rows(m: object, level: str) -> list[list[float]]:
    if level == "float":
        return m[0].tolist()  # type: ignore[index]
    return [[float(m[i, j].mid()) if level == "certified" else float(m[i, j])  # type: ignore[index]
             for j in range(m.ncols())] for i in range(m.nrows())]  # type: ignore[attr-defined]


# -- models agree across arithmetics ---------------------------------------------------------------

def test_lowrank_exact_certified_float_agree() -> None:
    inst = _one(4, 2, 1, svals=[3, 2, 1, Fraction(1, 2)])
    exact = exact_lowrank(inst, 2)
    e = inst.matrices["Wbar"][0] - exact_product(list(inst.matrices["W"]), 4)
    assert exact == RationalSVD.from_aux(inst.aux, e).matrix(2)
    bare = replace(inst, aux={})  # no rational SVD: certified arithmetic must enclose LR_2(E) in balls
    ctx = get_context("certified")
    with ctx.session():
        b = ctx.bind([bare])
        lr = lowrank(ctx, b, ctx.load([e]), 2)
        assert not lr.exact
        for x, v in zip(lr.value.entries(), exact.entries, strict=True):
            assert x.contains(fmpq(v.numerator, v.denominator)), (x, v)
            assert x.rad() < 1e-30  # tight balls, not a vacuous enclosure
    fl = get_context("float")
    with fl.session():
        b = fl.bind([bare])
        got = np.array(_rows(lowrank(fl, b, fl.load([e]), 2).value, "float"))
    assert np.allclose(got, exact.to_numpy(), atol=1e-10)


def test_rational_svd_aux_is_validated() -> None:
    inst = _one(3, 1, 1)
    bad = dict(inst.aux)
    bad["svd_S"] = RatMatrix(3, 1, (Fraction(1), Fraction(2), Fraction(0)))  # not non-increasing
    with pytest.raises(InstanceError):
        exact_lowrank(replace(inst, aux=bad), 1)


@pytest.mark.parametrize(("d", "big_l", "r"), [(3, 2, 1), (4, 1, 2), (3, 3, 1)])
def test_one_layer_construction_agrees_across_arithmetics(d: int, big_l: int, r: int) -> None:
    inst = _one(d, big_l, r, seed=d + big_l)
    x = interior_points(domain_from_options({}, d), 5, seed=1)
    outs = {}
    for level in ("exact", "certified", "float"):
        ctx = get_context(level)
        with ctx.session():
            b = ctx.bind([inst])
            c = one_layer(ctx, b, [r] * big_l)
            outs[level] = (forward(ctx, c.built.adapted.net, ctx.load([x])), c.exact)
    ex, cert, fl = outs["exact"][0], outs["certified"][0], np.array(_rows(outs["float"][0], "float"))
    assert outs["exact"][1] and outs["certified"][1] and not outs["float"][1]
    with working_prec(400):  # at 400 bits the exact value's own ball is far inside the certified one
        for i in range(d):
            for j in range(5):
                assert cert[i, j].contains(arb(ex[i, j])), (cert[i, j], ex[i, j])
            assert abs(fl[i, j] - float(ex[i, j])) < 1e-8 * (1 + abs(float(ex[i, j])))


def test_ball_construction_encloses_the_exact_one() -> None:
    """Without the rational SVD, certified arithmetic builds around a ball of LR_k(E); its network's outputs
    agree with the exact construction's to within the ball (both realise prod W + LR_k(E) and bbar_1)."""
    inst = _one(3, 1, 1, seed=5)
    x = interior_points(domain_from_options({}, 3), 4, seed=2)
    ex = get_context("exact")
    with ex.session():
        c = one_layer(ex, ex.bind([inst]), [1])
        want = forward(ex, c.built.adapted.net, ex.load([x]))
    ctx = get_context("certified")
    with ctx.session():
        c = one_layer(ctx, ctx.bind([replace(inst, aux={})]), [1])
        got = forward(ctx, c.built.adapted.net, ctx.load([x]))
        assert not c.exact
    for i in range(3):
        for j in range(4):
            assert abs(float(got[i, j].mid()) - float(want[i, j])) < 1e-25


# -- planted false claims are refuted; findings replay ------------------------------------------------

def _hand_example() -> Instance:
    """D = 2, L = 1, R = 1, W = I, Wbar = diag(2, 3), bbar = (1, 1): LR_1(E) - E = diag(-1, 0), so (i) asks
    ReLU(w_1 x + b_1) = ReLU(2 x_1 + 1) + ReLU(-x_1), two kinks in X against one: impossible."""
    eye = RatMatrix.identity(2)
    wbar = RatMatrix.from_rows([[2, 0], [0, 3]])
    one = RatMatrix.from_rows([[1], [1]])
    swap = RatMatrix.from_rows([[0, 1], [1, 0]])  # E = diag(1, 2) = swap diag(2, 1) swap^T: a rational SVD
    aux = RationalSVD(swap, (Fraction(2), Fraction(1)), swap).aux()
    return Instance("R-FNN1", {"D": 2, "L": 1, "R": 1}, {"W": (eye,), "b": (one,), "Wbar": (wbar,), "bbar": (one,)},
                    aux=aux)


def test_identity_i_refuted_exactly_on_the_hand_example(tmp_path: Path) -> None:
    inst = _hand_example()
    v = record_findings(check_theorem(get_theorem("R-FNN1"), CheckSettings(), [inst]), tmp_path)
    c = {c.id: c for c in v.claims}
    assert c["identity"].status == "violated" and c["identity"].evidence == "exact"
    assert _certificate(c["identity"])["kind"] == "local-jacobian"
    assert c["F4"].status == "violated"
    assert c["identity-as-proved"].status == "holds" and c["F1"].status == "holds"
    assert main(["check", "R-FNN1", "--instance", c["identity"].counterexample.file, "--claim", "identity",
                 "--quiet"]) == 1


def test_local_jacobian_certificate_never_fires_on_a_true_identity() -> None:
    """At or above the threshold (i) holds (both sides vanish): the certificate must find nothing."""
    for seed in range(6):
        d, big_l = 2 + seed % 3, 1 + seed % 2
        inst = _one(d, big_l, d, kind="gaussian", seed=seed)
        k = d * big_l
        dom = domain_from_options({}, d)
        assert refute_identity(inst, k, candidate_points(inst, min(k, d), dom, interior_points(dom, 8))) is None


def test_planted_threshold_minus_one_for_ii_is_refuted(tmp_path: Path) -> None:
    thm = get_theorem("R-FNN1")
    claim = thm.claim("exact-on-domain")
    planted = replace(thm, id="R-FNN1-PLANTED", claims=(replace(
        claim, statement="(planted, false) f = fbar on X for R >= ceil(R_E/L) - 1",
        threshold=lambda inst: -(-st.rank_e(inst) // inst.p("L")) - 1),))
    mats = random_fnn(np.random.default_rng(3), 3, 1, 1)
    mats["bbar"] = (RatMatrix(3, 1, (Fraction(4),) * 3),)  # the target is all-active near 0
    inst = Instance("R-FNN1", {"D": 3, "L": 1, "R": 2}, mats)
    c = check_theorem(planted, CheckSettings(), [inst]).claims[0]
    assert c.status == "violated" and c.evidence == "exact" and "all-active" in c.counterexample.detail


def test_planted_false_step_is_refuted() -> None:
    """A planted F2 with LR_{k-1}(E) in place of LR_k(E) fails with a certified counterexample."""
    thm = get_theorem("R-FNN1")

    def f2_wrong(ctx: object, b: object, c: object) -> list[object]:
        wrong = replace(c, lr=replace(c.lr, value=get_lowrank_minus_one(ctx, b, c)))  # type: ignore[arg-type]
        return st.f2(ctx, b, wrong)

    def get_lowrank_minus_one(ctx: object, b: object, c: object) -> object:
        return lowrank(ctx, b, c.e, c.k - 1).value  # type: ignore[attr-defined]

    planted = replace(thm, id="R-FNN1-PLANTED-F2", claims=(replace(thm.claim("F2"), evaluate=f2_wrong),))
    inst = _one(4, 2, 1, kind="gaussian", seed=1)
    c = check_theorem(planted, CheckSettings(), [inst]).claims[0]
    assert c.status == "violated" and c.evidence in ("certified", "exact")


def test_error_bound_finding_replays(tmp_path: Path) -> None:
    """Lemma 2's squared-error bound fails for every rank-1 adapter and bias on the structured instance."""
    thm = get_theorem("R-FNN1E")
    mats, aux, p = bound_breaker(np.random.default_rng(0))
    inst = Instance("R-FNN1E", {**p, "N": 6}, mats, aux=aux)
    v = record_findings(check_theorem(thm, CheckSettings(), [inst]), tmp_path)
    c = {c.id: c for c in v.claims}
    err = c["error-bound"]
    cert = _certificate(err)
    assert err.status == "violated" and cert["kind"] == "lower-bound"
    assert Fraction(cert["value"]) > Fraction(23, 10)  # 8/3 > 4/sqrt(3) = 2.309...
    assert c["E3-moment"].status == "violated" and c["E3"].status == "violated"
    for ok in ("E1", "E2", "E3-trace", "error-bound-trace"):
        assert c[ok].status == "holds", ok
    assert main(["check", "R-FNN1E", "--instance", err.counterexample.file, "--claim", "error-bound", "--quiet"]) == 1


def test_uni_gap_u6_while_the_statement_holds(tmp_path: Path) -> None:
    thm = get_theorem("R-UNI")
    inst = Instance("R-UNI", {"D": 2, "L": 3, "Lbar": 2, "R": 2}, singular_last_target(np.random.default_rng(2)))
    v = record_findings(check_theorem(thm, CheckSettings(), [inst]), tmp_path)
    s = _statuses(v)
    assert s["exact-above-threshold"] == "holds" and s["U6-needed"] == "holds" and s["U4-bias"] == "holds"
    assert s["U6"] == "violated" and s["U4"] == "violated"
    assert "U6" in v.proof_gaps
    u6 = {c.id: c for c in v.claims}["U6"].counterexample
    assert u6.evidence == "exact"
    assert main(["check", "R-UNI", "--instance", u6.file, "--claim", "U6", "--quiet"]) == 1


def test_rand_steps_on_draws() -> None:
    thm = get_theorem("R-RAND")
    rng = np.random.default_rng(0)
    m1 = thm.generate(rng, params={"D": 3, "L": 2, "Lbar": 2})
    m3 = thm.generate(rng, params={"D": 3, "L": 3, "Lbar": 1})
    v = check_theorem(thm, CheckSettings(), [m1, m3])
    c = {c.id: c for c in v.claims}
    assert c["a-uni-every-R"].status == "holds" and c["Q1"].status == "holds" and c["Q5"].status == "holds"
    assert c["Q4"].status == "violated" and c["Q4-bayes"].status == "holds"  # only the M = 1 draw applies
    assert c["Q2"].status == "violated" and c["Q2-all-R"].status == "holds"  # M = 3: R(M-1) > R


def test_true_statements_never_refuted() -> None:
    """Many random instances: the statements that are true (exactness (ii), Theorem 3, Corollary 4, the
    error bound with tr(Sigma), Assumption 1 on random draws) hold everywhere they apply."""
    want = {"R-FNN1": ["exact-on-domain", "identity-as-proved", "F1", "F2", "F3"],
            "R-FNN1E": ["error-bound-trace", "E1", "E2", "E3-trace"],
            "R-FNN1V": ["exact-on-domain", "V1"],
            "R-UNI": ["exact-above-threshold", "U1", "U2", "U5"],
            "R-RANDUNI": ["exact-a-s", "C1", "C2", "C3"],
            "A-UNI": ["holds-on-instance"]}
    for tid, claims in want.items():
        v = check_theorem(get_theorem(tid), CheckSettings(seed=7, examples=6), claims=claims)
        for c in v.claims:
            assert c.status in ("holds", "not-applicable"), (tid, c.id, c.status, c.notes)
            assert c.counts["violated"] == 0


def test_pieces_of_an_fnn_helper_still_run_in_float_batches() -> None:
    """The shared construction batches in float (other specs screen with it)."""
    insts = [_one(3, 2, 1, kind="gaussian", seed=s) for s in range(3)]
    ctx = get_context("float")
    with ctx.session():
        b = ctx.bind(insts)
        c = one_layer(ctx, b, [1, 1])
        net = FNN(c.built.adapted.net.weights, c.built.adapted.net.biases)
        out = forward(ctx, net, ctx.load([insts[0].matrices["W"][0]] * 3))
    assert tuple(out.shape) == (3, 3, 3)


FINDINGS = Path(__file__).parent / "fnn_findings"
REPLAYS = [
    ("R-FNN1", "r_fnn1_identity_two_kinks.json", "identity", "exact"),
    ("R-FNN1", "r_fnn1_identity_two_kinks.json", "F4", None),
    ("R-FNN1", "r_fnn1_identity_paper_scale.json", "identity", "certified"),
    ("R-FNN1E", "r_fnn1e_bound_fails_for_every_adapter.json", "error-bound", "certified"),
    ("R-FNN1E", "r_fnn1e_bound_fails_for_every_adapter.json", "E3", None),
    ("R-FNN1E", "r_fnn1e_bound_fails_for_every_adapter.json", "E3-moment", None),
    ("R-UNI", "r_uni_u6_singular_last_target.json", "U6", "exact"),
    ("R-UNI", "r_uni_u6_singular_last_target.json", "U4", "exact"),
    ("R-RAND", "r_rand_q4_uniform_law.json", "Q4", None),
    ("R-RAND", "r_rand_q2_three_layer_blocks.json", "Q2", "exact"),
]


@pytest.mark.parametrize(("tid", "name", "claim", "evidence"), REPLAYS)
def test_committed_findings_replay(tid: str, name: str, claim: str, evidence: str | None) -> None:
    """Every finding of these specs has an instance file whose replay reproduces it at certified/exact level."""
    thm = get_theorem(tid)
    c = check_theorem(thm, CheckSettings(), [load_instance(thm, FINDINGS / name)], claims=[claim]).claims[0]
    assert c.status == "violated", (c.id, c.notes)
    assert c.evidence in ("certified", "exact") and (evidence is None or c.evidence == evidence)
