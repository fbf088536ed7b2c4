"""Piecewise-linear networks decided exactly: hand-made cases with known answers."""

from __future__ import annotations

from fractions import Fraction as Q

import numpy as np
import pytest
from flint import fmpq_mat

from verifier import UsageError
from verifier.evidence import (
    Budget,
    Polyhedron,
    ReLUNet,
    activation_regions,
    decide_equal,
    first_layers_agree,
    open_cell,
    verify_equality,
)


def split(rows: list[list[int]]) -> tuple[ReLUNet, ReLUNet]:
    """W x and [I, -I] ReLU([W; -W] x): equal on all of R^D."""
    d = len(rows)
    eye = [[int(i == j) for j in range(d)] for i in range(d)]
    return (ReLUNet.build([rows]),
            ReLUNet.build([rows + [[-v for v in r] for r in rows], [e + [-v for v in e] for e in eye]]))


def test_equal_on_rd_with_a_certificate_that_rechecks() -> None:
    f, g = split([[1, 2, 0], [3, -1, 1], [0, 1, -2]])
    d = decide_equal(f, g)
    assert d.status == "equal" and d.equal is True
    cert = d.certificate(full=True)
    assert cert["verdict"] == "equal" and cert["evidence"] == "exact"
    assert len(cert["regions"]) == d.stats["regions"] > 1
    assert verify_equality(f, g, cert)


def test_a_tampered_certificate_is_rejected() -> None:
    f, g = split([[1, 2], [3, -1]])
    cert = decide_equal(f, g).certificate(full=True)
    short = dict(cert, regions=cert["regions"][1:])
    with pytest.raises(ValueError):
        verify_equality(f, g, short)
    side = cert["empty_sides"][0]
    bad = dict(cert, empty_sides=[{"prefix": side["prefix"], "multipliers": {"0": 1}}, *cert["empty_sides"][1:]])
    with pytest.raises(ValueError):
        verify_equality(f, g, bad)


def test_unequal_with_an_exact_witness() -> None:
    f = ReLUNet.build([[[1, -1], [2, 1]]], output_relu=True)
    g = ReLUNet.build([[[1, -1], [2, 1]]])
    d = decide_equal(f, g)
    assert d.status == "differ" and d.witness is not None
    assert f(d.witness) == d.f_value != d.g_value == g(d.witness)
    assert d.certificate()["witness"]["checked"]


def test_a_difference_only_the_enumeration_finds() -> None:
    f = ReLUNet.build([[[1]]], [[-1000]], output_relu=True)  # ReLU(x - 1000): zero where the probes look
    g = ReLUNet.build([[[0]]])
    d = decide_equal(f, g, budget=Budget(probes=4))
    assert d.status == "differ" and d.witness[0] > 1000
    assert "region" in d.reason


def test_equal_on_a_box_but_not_on_rd() -> None:
    f = ReLUNet.build([[[1, 0], [0, 1]]], [[1, 1]], output_relu=True)  # ReLU(x + 1)
    g = ReLUNet.build([[[1, 0], [0, 1]]], [[1, 1]])                   # x + 1
    box = Polyhedron.box([-1, -1], [1, 1])
    on_box = decide_equal(f, g, box)
    assert on_box.status == "equal"
    assert verify_equality(f, g, on_box.certificate(full=True), box)
    off = decide_equal(f, g)
    assert off.status == "differ" and not box.contains(off.witness)


def test_lower_dimensional_and_empty_domains() -> None:
    f = ReLUNet.build([[[1, 0]]], output_relu=True)
    g = ReLUNet.build([[[1, 0]]])
    ray = Polyhedron.build([[-1, 0]], [0], E=[[0, 1]], e=[5])  # {x1 >= 0, x2 = 5}
    d = decide_equal(f, g, ray)
    assert d.status == "equal" and "parametrisation" in d.certificate()
    flat = Polyhedron.build([[0, -1], [1, 0], [-1, 0]], [0, 0, 0])  # x1 = 0 hidden in inequalities
    assert decide_equal(f, g, flat).status == "equal"
    line = Polyhedron.build([[0, -1]], [0], E=[[1, 1]], e=[5])     # x1 + x2 = 5, x2 >= 0: x1 can be < 0
    d = decide_equal(f, g, line)
    assert d.status == "differ" and line.contains(d.witness)
    empty = Polyhedron.build([[1, 0], [-1, 0]], [-1, -1])
    assert decide_equal(f, g, empty).status == "equal"


def test_budget_gives_inconclusive_with_the_reason() -> None:
    f, g = split([[1, 2, 0], [3, -1, 1], [0, 1, -2]])
    d = decide_equal(f, g, budget=Budget(max_regions=2, probes=0))
    assert d.status == "inconclusive" and d.equal is None and "budget" in d.reason


def test_first_layers_agree() -> None:
    net = ReLUNet.build([[[1, 0], [0, 1]], [[1, 1]]], [[-1, -1], [0]])
    same = first_layers_agree(net, [Q(-3), Q(-2)], [Q(0), Q(-5)], 1)  # both inactive: hidden output 0
    assert same["equal"] and same["z1"] == [0, 0]
    assert not first_layers_agree(net, [2, -2], [3, -2], 1)["equal"]


def test_activation_regions_of_a_known_arrangement() -> None:
    three_lines = ReLUNet.build([[[1, 0], [0, 1], [1, 1]]], [[0, 0, -1]], output_relu=True)
    regs = activation_regions(three_lines)
    assert regs.status == "complete" and len(regs.regions) == 7  # three lines in general position
    for r in regs.regions:
        val = three_lines(r.point)
        piece = [sum(a * x for a, x in zip(row, r.point, strict=True)) + c
                 for row, c in zip(r.M.rows(), r.m.entries, strict=True)]
        assert list(val) == piece


def test_open_cell_certificates_agree_with_the_exact_simplex() -> None:
    from verifier._evidence._lp import _exact, check_multipliers

    rng = np.random.default_rng(3)
    for _ in range(6):
        m, n = 6, 2
        A = fmpq_mat(m, n, [int(v) for v in rng.integers(-3, 4, m * n)])
        c = fmpq_mat(m, 1, [int(v) for v in rng.integers(-2, 3, m)])
        fast, slow = open_cell(A, c), _exact(A, c)
        assert fast.open == slow.open
        if not fast.open:
            assert check_multipliers(A, c, fast.multipliers)[0]


def test_bad_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        decide_equal(ReLUNet.build([[[1, 0]]]), ReLUNet.build([[[1]]]))
    with pytest.raises(UsageError):
        ReLUNet.build([[[1, 0]], [[1, 2]]])  # the second layer takes 1 input, not 2
    with pytest.raises(UsageError):
        Budget(max_regions=0)


def test_claim_helpers_keep_float_batches_apart() -> None:
    from verifier import Instance, PrecisionExhausted, RatMatrix, get_context
    from verifier.evidence import equality_claim, equality_comparison

    ctx = get_context("float")
    insts = [Instance("T", {"D": 1}, {"a": RatMatrix(1, 1, (Q(v),))}) for v in (1, -1)]
    b = ctx.bind(insts)

    def decide(inst: Instance) -> object:  # ReLU(a x) vs a x: differ for every a != 0, with gap |a| / ...
        a = inst.matrices["a"].rows()
        return decide_equal(ReLUNet.build([a], output_relu=True), ReLUNet.build([a]))

    cmp = equality_claim(ctx, b, decide, "ReLU(a x) = a x")
    assert [d.status for d in ctx.decide(cmp)] == ["fails", "fails"]
    with pytest.raises(UsageError):
        equality_comparison(ctx, decide(insts[0]), "one decision cannot stand for a batch")
    with pytest.raises(PrecisionExhausted):
        equality_claim(get_context("exact"), get_context("exact").bind(insts[:1]),
                       lambda i: decide_equal(*split([[1, 2], [3, -1]]), budget=Budget(max_regions=1, probes=0)))
