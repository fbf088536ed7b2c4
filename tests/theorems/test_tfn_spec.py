"""R-TFN spec: the checks pass, a planted wrong threshold is refuted, instance files round-trip."""

from __future__ import annotations

import dataclasses
import json
from math import ceil
from pathlib import Path

import numpy as np
import pytest

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee import r_tfn
from theorems.zeng_lee.models.tfn import exact_analysis, forward, load_tfn, rank_gaps, sample_inputs, threshold
from verifier import (
    CheckSettings,
    Instance,
    InstanceError,
    RatMatrix,
    check_theorem,
    exact_inv,
    exact_product,
    get_context,
    get_theorem,
    instance_from_json,
    instance_to_json,
    load_instance,
    record_findings,
    save_instance,
)
from verifier._cli import main as cli_main

THM = get_theorem("R-TFN")


def _inst(seed: int, index: int, **params: int) -> Instance:
    return THM.generate(np.random.default_rng(seed), index=index, params=params)


def _small_instances() -> list[Instance]:
    """Random, chosen-gap (C2 = I or not) instances with H, L > 1 and odd D, at and above the threshold."""
    out = []
    for k, (d, h, big_l, n) in enumerate([(3, 2, 2, 3), (4, 2, 2, 4), (5, 1, 3, 2), (6, 3, 1, 3), (2, 2, 2, 2)]):
        for index in (0, 1):
            inst = _inst(k, index, D=d, H=h, L=big_l, N=n, R=1)
            r = max(1, threshold(inst))
            out.append(Instance(inst.theorem, {**inst.parameters, "R": r}, inst.matrices, seed=inst.seed))
    return out


@pytest.fixture(scope="module")
def small() -> list[Instance]:
    return _small_instances()


@pytest.mark.parametrize("level", ["exact", "certified", "float"])
def test_claims_hold_at_the_threshold(small: list[Instance], level: str, tmp_path: Path) -> None:
    v = check_theorem(THM, CheckSettings(level=level), small)
    assert v.eligible == len(small)
    assert v.status == "holds", [(c.id, c.status, c.notes) for c in v.claims]
    by_id = {c.id: c for c in v.claims}
    assert by_id["identities-above-threshold"].counts["holds"] == len(small)
    want = {"exact": "exact", "certified": "certified", "float": "float"}[level]
    assert by_id["identities-above-threshold"].evidence == want
    # outputs are never exact (softmax): certified is the strongest evidence
    assert by_id["exact-above-threshold"].evidence == ("float" if level == "float" else "certified")


def test_mp_level_on_one_instance(small: list[Instance], tmp_path: Path) -> None:
    v = check_theorem(THM, CheckSettings(level="mp"), small[:2])
    assert v.status == "holds"
    assert {c.id: c.evidence for c in v.claims} == {"adapter-rank": "mp", "threshold-at-most-half-width": "exact",
                                                    "identities-above-threshold": "mp", "exact-above-threshold": "mp"}


def test_below_threshold_is_not_applicable(tmp_path: Path) -> None:
    inst = _inst(3, 0, D=6, H=2, L=2, N=3, R=2)  # random target: every G_i = 6, threshold 3
    assert rank_gaps(inst) == (6, 6, 6) and threshold(inst) == 3
    v = check_theorem(THM, CheckSettings(level="exact"), [inst])
    by_id = {c.id: c for c in v.claims}
    assert by_id["exact-above-threshold"].counts["not-applicable"] == 1
    assert by_id["adapter-rank"].status == "holds"


def test_chosen_gaps_stay_within_2r() -> None:
    for seed in range(4):
        inst = _inst(seed, 1, D=7, H=2, L=2, N=3, R=2)
        assert max(rank_gaps(inst)) <= 4 and threshold(inst) <= 2
        assert exact_analysis(inst).gaps == rank_gaps(inst)


def _planted_theorem() -> object:
    """The stated claim with a wrong threshold: R >= ceil(D/2) - 1 claimed sufficient."""
    def wrong(inst: Instance) -> bool:
        return inst.p("R") >= ceil(inst.p("D") / 2) - 1

    claims = tuple(dataclasses.replace(c, applies=wrong) for c in THM.claims if c.quantifier == "exists")
    return dataclasses.replace(THM, id="R-TFN-planted", claims=claims)


@pytest.mark.parametrize("d", [4, 5, 6])
def test_planted_wrong_threshold_is_refuted_with_a_certificate(d: int, tmp_path: Path) -> None:
    inst = _inst(d, 0, D=d, H=1, L=1, N=3, R=ceil(d / 2) - 1)
    assert threshold(inst) == ceil(d / 2)  # the true claim does not apply here
    planted = _planted_theorem()
    v = record_findings(check_theorem(planted, CheckSettings(level="exact"), [inst]), tmp_path)  # type: ignore[arg-type]
    assert v.status == "violated"
    for c in v.claims:
        assert c.status == "violated" and c.evidence == "exact"
        assert c.counterexample is not None
        assert "refuted" in c.counterexample.detail and f"= {d}" in c.counterexample.detail
        replay = load_instance(planted, c.counterexample.file)  # type: ignore[arg-type]
        assert r_tfn.refute_exact(replay) is not None


def test_refutation_needs_its_hypotheses() -> None:
    inst = _inst(1, 0, D=4, H=1, L=1, N=3, R=1)
    assert r_tfn.refute_exact(inst) is not None
    for change in ({"H": 2}, {"L": 2}, {"N": 1}):
        other = _inst(1, 0, **{"D": 4, "H": 1, "L": 1, "N": 3, "R": 1, **change})
        assert r_tfn.refute_exact(other) is None
    with_residual = Instance(inst.theorem, inst.parameters, inst.matrices, options={"residual": True})
    assert r_tfn.refute_exact(with_residual) is None
    enough = Instance(inst.theorem, {**inst.parameters, "R": 2}, inst.matrices)
    assert r_tfn.refute_exact(enough) is None


def test_instance_file_round_trip(tmp_path: Path) -> None:
    inst = _inst(2, 1, D=3, H=2, L=2, N=2, R=2)
    path = save_instance(inst, tmp_path / "tfn.json")
    back = load_instance(THM, path)
    assert back.matrices == inst.matrices and dict(back.parameters) == dict(inst.parameters)
    assert rank_gaps(back) == rank_gaps(inst)
    code = cli_main(["check", "R-TFN", "--instance", str(path), "--level", "exact", "--quiet",
                     "--report", str(tmp_path / "rep")])
    # below the threshold the existential claims are not applicable (vacuous), which is not inconclusive
    assert code == 0


def test_instance_file_with_inputs_and_options(tmp_path: Path) -> None:
    inst = _inst(4, 0, D=2, H=1, L=1, N=2, R=1)
    data = instance_to_json(inst)
    data["aux"] = {"X": [[[1, "1/2"], [0, -2]], [[3, 1], [1, 1]]]}
    data["options"] = {"residual": False}
    back = instance_from_json(THM, data)
    v = check_theorem(THM, CheckSettings(level="certified"), [back])
    assert v.status == "holds"
    outputs = {c.id: c for c in v.claims}["exact-above-threshold"]
    assert outputs.counts["holds"] == 1


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["matrices"].pop("WKbar"), "missing matrix 'WKbar'"),
    (lambda d: d["matrices"].__setitem__("WQ", d["matrices"]["WQ"][:1]), "expected a list of 2 matrices"),
    (lambda d: d["matrices"].__setitem__("Wout", [[1, 2, 3]] * 3), "expected shape 2x2"),
    (lambda d: d["matrices"]["b1"].__setitem__(0, [[1, 2], [3, 4]]), "expected shape 2x1"),
    (lambda d: d["parameters"].pop("N"), "missing parameter 'N'"),
    (lambda d: d.__setitem__("options", {"dropout": True}), "unknown option"),
])
def test_malformed_instance_is_an_instance_error(edit: object, message: str) -> None:
    data = json.loads(json.dumps(instance_to_json(_inst(0, 0, D=2, H=2, L=1, N=2, R=1))))
    edit(data)  # type: ignore[operator]
    with pytest.raises(InstanceError, match=message):
        instance_from_json(THM, data)


def test_bad_option_value_is_an_instance_error(tmp_path: Path) -> None:
    data = instance_to_json(_inst(0, 0, D=2, H=1, L=1, N=2, R=1))
    data["options"] = {"layer_norm": "yes"}
    with pytest.raises(InstanceError, match="true or false"):  # refused by the instance reader, before any work
        instance_from_json(THM, data)


def test_inputs_of_the_wrong_shape_are_an_instance_error() -> None:
    data = instance_to_json(_inst(0, 0, D=2, H=1, L=1, N=2, R=1))
    data["aux"] = {"X": [[[1, 2, 3], [4, 5, 6]]]}
    with pytest.raises(InstanceError, match=r"aux.X\[0\]: expected an input of shape 2x2"):
        sample_inputs(instance_from_json(THM, data), 3)


def test_threshold_is_sufficient_not_minimal() -> None:
    """Hidden units permuted and positively rescaled: every G_i = D, yet biases alone match the target."""
    def mm(*ms: RatMatrix) -> RatMatrix:
        return exact_product(list(reversed(ms)))

    d = 4
    inst = _inst(0, 0, D=d, H=1, L=1, N=3, R=1)
    m = dict(inst.matrices)
    lp = RatMatrix.from_numpy(np.diag([1, 2, 4, 0.5]) @ np.eye(d)[[1, 2, 3, 0]])
    m.update({n + "bar": m[n] for n in ("WQ", "WK", "WV", "WO", "Wout", "b2")})
    m["W1bar"], m["W2bar"] = (mm(lp, m["W1"][0]),), (mm(m["W2"][0], exact_inv(lp)),)
    target = Instance("R-TFN", inst.parameters, m)
    assert rank_gaps(target) == (d, d) and threshold(target) == d // 2
    frozen_with_bias = Instance("R-TFN", inst.parameters, {**m, "b1": (mm(exact_inv(lp), m["b1bar"][0]),)})
    ctx = get_context("certified")
    with ctx.session():
        for x in sample_inputs(target, 2):
            xs = ctx.load([x])
            diff = ctx.sub(forward(ctx, load_tfn(ctx.bind([frozen_with_bias])), xs),
                           forward(ctx, load_tfn(ctx.bind([target]), target=True), xs))
            assert ctx.maxabs(diff) < 1e-40
