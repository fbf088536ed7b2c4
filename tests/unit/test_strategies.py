"""Search strategies build exactly the structure they claim: shape, rank, singular spectrum."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verifier import exact_rank, get_theorem
from verifier._search import _structured as sx
from verifier._search._choosers import RandomChooser, RejectedError
from verifier._search._proxy import SteeredRNG
from verifier._search.strategies import (
    KINDS,
    InstanceConfig,
    MatrixPlan,
    build_matrix,
    candidates,
    draw_candidate,
    matrices,
    matrix_plans,
    parameter_ranges,
    parameters,
    spectra,
)

dims = st.integers(1, 6)


def _fm(m):  # type: ignore[no-untyped-def]
    from flint import fmpq, fmpq_mat

    return fmpq_mat(m.nrows, m.ncols, [fmpq(x.numerator, x.denominator) for x in m.entries])


def _gram_charpoly(m):  # type: ignore[no-untyped-def]
    """Characteristic polynomial of m^T m (exact): its roots are the squared singular values."""
    a = _fm(m)
    return (a.transpose() * a).charpoly()


def _poly_with_roots(roots):  # type: ignore[no-untyped-def]
    from flint import fmpq, fmpq_poly

    p = fmpq_poly([1])
    for r in roots:
        p *= fmpq_poly([-fmpq(r.numerator, r.denominator), 1])
    return p


@given(dims, st.integers(0, 2**32 - 1))
def test_rational_orthogonal_is_exactly_orthogonal(n: int, seed: int) -> None:
    q = sx.rational_orthogonal(n, np.random.default_rng(seed), reflections=2)
    assert _fm(q).transpose() * _fm(q) == _fm(sx.identity(n))


def test_householder_is_a_symmetric_reflection() -> None:
    h = sx.householder([1, -2, 2])
    assert _fm(h) * _fm(h) == _fm(sx.identity(3))
    assert _fm(h).transpose() == _fm(h)
    with pytest.raises(ValueError, match="non-zero"):
        sx.householder([0, 0])


@given(dims, dims, st.data())
def test_with_rank_has_exactly_that_rank(m: int, n: int, data: st.DataObject) -> None:
    r = data.draw(st.integers(0, min(m, n)))
    a = sx.with_rank(m, n, r, np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), bound=2)
    assert a.shape == (m, n)
    assert exact_rank(a) == r
    assert all(x.denominator == 1 for x in a.entries)  # small integers: exact arithmetic applies


@given(dims, dims, st.data())
def test_with_spectrum_has_exactly_that_spectrum(m: int, n: int, data: st.DataObject) -> None:
    k = min(m, n)
    s = data.draw(spectra(k))
    a = sx.with_spectrum(m, n, s, np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))))
    assert a.shape == (m, n)
    squares = [x * x for x in s] + [Fraction(0)] * (n - k)
    assert _gram_charpoly(a) == _poly_with_roots(squares)
    assert exact_rank(a) == sum(x != 0 for x in s)


@pytest.mark.parametrize("pattern", sx.SPECTRUM_PATTERNS)
def test_spectrum_patterns(pattern: sx.SpectrumPattern) -> None:
    s = sx.spectrum(pattern, 4, 6, knob=3)
    assert len(s) == 6 and sum(x != 0 for x in s) == 4
    assert list(s) == sorted(s, reverse=True)
    if pattern == "ties":
        assert s[:3] == (2, 2, 2) and s[3] == 1
    if pattern == "gap":
        assert s[0] / s[3] == 2**3
    if pattern == "cluster":
        assert s[0] - s[3] == Fraction(3, 2**11)  # (rank - 1) / 2^(8 + knob)
    if pattern == "geometric":
        assert s[0] / s[3] == 2**9  # condition number 2^(knob (rank - 1))
    if pattern == "near-singular":
        assert s[3] == Fraction(1, 2**20)


def test_spectrum_rejects_bad_rank() -> None:
    with pytest.raises(ValueError, match="rank"):
        sx.spectrum("integers", 5, 3)


@given(dims, dims, st.data())
def test_plans_build_the_declared_structure(m: int, n: int, data: st.DataObject) -> None:
    plan = data.draw(matrix_plans(m, n))
    a = build_matrix(plan, m, n)
    if plan.kind == "generator":
        assert a is None
        return
    assert a is not None and a.shape == (m, n)
    expected_rank = {"zero": 0, "identity": min(m, n), "permutation": min(m, n), "lowrank": min(plan.rank, m, n),
                     "spectrum": min(plan.rank, m, n)}
    if plan.kind in expected_rank:
        assert exact_rank(a) == expected_rank[plan.kind]


def test_permutation_plan_is_a_signed_permutation() -> None:
    a = build_matrix(MatrixPlan("permutation", seed=3), 4, 4)
    assert a is not None
    rows = a.rows()
    assert all(sorted(abs(x) for x in row) == [0, 0, 0, 1] for row in rows)
    assert _fm(a).transpose() * _fm(a) == _fm(sx.identity(4))


def test_variants_differ_but_keep_the_structure() -> None:
    plan = MatrixPlan("lowrank", seed=5, rank=2, bound=1)
    a, b = build_matrix(plan, 5, 5, 0), build_matrix(plan, 5, 5, 1)
    assert a is not None and b is not None
    assert a != b and exact_rank(a) == exact_rank(b) == 2


@given(st.data())
def test_matrices_strategy_shapes(data: st.DataObject) -> None:
    m, n = data.draw(dims), data.draw(dims)
    a = data.draw(matrices(m, n))
    assert a.shape == (m, n)


def test_kinds_are_simplest_first() -> None:
    assert KINDS[0] == "zero" and KINDS[-1] == "generator"


def test_parameters_respect_ranges_and_constraints() -> None:
    thm = get_theorem("R-LIN")
    ranges = parameter_ranges(thm, {"D": (2, 3)}, default_cap=4)
    assert ranges == {"D": (2, 3), "L": (1, 4), "R": (1, 4)}

    @given(parameters(thm, ranges))
    def check(p: dict[str, int]) -> None:
        assert 2 <= p["D"] <= 3 and 1 <= p["L"] <= 4 and 1 <= p["R"] <= 4

    check()
    with pytest.raises(ValueError, match="empty search range"):
        parameter_ranges(thm, {"D": (70, 80)})


def test_steered_rng_replays_its_choices_with_fresh_arrays() -> None:
    rng = SteeredRNG(RandomChooser(np.random.default_rng(1)), seed=7)
    k = rng.integers(0, 5)
    x = rng.standard_normal((3, 3))
    again = SteeredRNG(None, seed=8, record=rng.record)
    assert again.integers(0, 5) == k
    y = again.standard_normal((3, 3))
    assert x.shape == y.shape == (3, 3)
    assert rng.permutation(4).shape == (4,)  # anything else is numpy's


def test_candidates_meet_the_enforced_assumptions() -> None:
    thm = get_theorem("R-LIN")
    cfg = InstanceConfig(parameter_ranges(thm, default_cap=3), tuple(a.name for a in thm.assumptions),
                         aim=(thm.claim("exact-above-threshold"),), batch=2)

    @given(candidates(thm, cfg))
    def check(c) -> None:  # type: ignore[no-untyped-def]
        for inst, res in zip(c.instances, c.assumptions, strict=True):
            assert all(r.status == "holds" for r in res.values())
            shapes = thm.shapes(inst.parameters)
            assert [m.shape for m in inst.matrices["W"]] == [tuple(s) for s in shapes["W"]]
            assert inst.matrices["Wbar"].shape == shapes["Wbar"]
            assert inst.theorem == thm.id

    check()


def test_random_chooser_draws_the_same_structures() -> None:
    thm = get_theorem("R-LIN")
    cfg = InstanceConfig(parameter_ranges(thm, default_cap=3), ())
    ch = RandomChooser(np.random.default_rng(0))
    cands = []
    for _ in range(100):  # parameters the spec's constraints refuse are redrawn, then rejected
        try:
            cands.append(draw_candidate(ch, thm, cfg))
        except RejectedError:
            continue
        if len(cands) == 10:
            break
    assert len(cands) == 10
    assert all(1 <= c.params["D"] <= 3 for c in cands)
    assert len({c.description for c in cands}) > 1


def test_smaller_instances_fit_the_smaller_shapes() -> None:
    from verifier import instance_from_json, instance_to_json
    from verifier._search._simplify import simpler_instances, size_key, smaller_instances

    thm = get_theorem("R-LIN")
    inst = thm.generate(np.random.default_rng(0), index=1, params={"D": 3, "L": 2, "R": 2})
    smaller = list(smaller_instances(thm, inst))
    got = {tuple(s.parameters.values()) for s in smaller}
    assert got == {(2, 2, 2), (3, 1, 2), (3, 2, 1)}
    assert len(smaller) == 3 + 2 + 1  # D: one per deleted index; L: one per deleted layer; R: same data
    for s in smaller:
        instance_from_json(thm, instance_to_json(s))  # shapes valid for the smaller parameters
        assert size_key(s) < size_key(inst)
    assert all(size_key(s) < size_key(inst) for s in simpler_instances(inst))
