"""The FNN model agrees across arithmetics (exact, certified containment, mp, float64); partitions,
domains and enclosures behave as documented."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import flint
import numpy as np
import pytest
from flint import arb, arb_mat

from theorems.zeng_lee.models.fnn import (
    FNN,
    absolute,
    affine_enclosure,
    box_enclosure,
    compositions,
    domain_from_options,
    forward,
    lower,
    min_entry,
    partition_from_sizes,
    random_fnn,
    relu_enclosure,
    uniform_partition,
)
from verifier import Instance, InstanceError, RatMatrix, get_context

SIZES = [(3, 3, 2), (4, 2, 1), (2, 4, 3), (5, 1, 1)]  # (D, L, N)


def _instance(d: int, big_l: int, seed: int = 0) -> Instance:
    mats = random_fnn(np.random.default_rng(seed), d, big_l, 1)
    return Instance("MODEL", {"D": d, "L": big_l}, mats)


def _inputs(d: int, n: int, seed: int = 1) -> RatMatrix:
    return RatMatrix.from_numpy(np.round(np.random.default_rng(seed).uniform(-1, 1, (d, n)) * 64) / 64)


def _run(level: str, inst: Instance, x: RatMatrix, output_relu: bool, **opts: int) -> object:
    ctx = get_context(level, **opts)
    with ctx.session():
        b = ctx.bind([inst])
        return forward(ctx, FNN(tuple(b.m("W")), tuple(b.m("b")), output_relu), ctx.load([x]))


def _flat(m: object, level: str) -> list[object]:
    if level == "float":
        return [float(v) for v in m[0].flatten()]  # type: ignore[index]
    if level == "mp":
        return [m[i, j] for i in range(m.rows) for j in range(m.cols)]  # type: ignore[attr-defined]
    return list(m.entries())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("d", "big_l", "n"), SIZES)
@pytest.mark.parametrize("output_relu", [True, False])
def test_model_agrees_across_arithmetics(d: int, big_l: int, n: int, output_relu: bool) -> None:
    inst, x = _instance(d, big_l), _inputs(d, n)
    exact = _flat(_run("exact", inst, x, output_relu), "exact")
    cert = _flat(_run("certified", inst, x, output_relu, prec=128), "certified")
    mp = _flat(_run("mp", inst, x, output_relu, dps=40), "mp")
    fl = _flat(_run("float", inst, x, output_relu), "float")
    old, flint.ctx.prec = flint.ctx.prec, 400
    try:
        for e, c, m, f in zip(exact, cert, mp, fl, strict=True):
            assert c.contains(arb(e)), (e, c)  # containment ...
            assert float(c.rad()) < 2.0**-100 * (1 + abs(float(e)))  # ... and width
            assert abs(float(m) - float(e)) <= 1e-30 * (1 + abs(float(e)))
            assert abs(f - float(e)) <= 1e-12 * (1 + abs(float(e)))
    finally:
        flint.ctx.prec = old
    if output_relu:
        assert all(v >= 0 for v in exact)


def test_hand_computed_network() -> None:
    w = RatMatrix.from_rows([[1, -1], [2, 0]])
    b = RatMatrix.from_rows([[0], [-1]])
    inst = Instance("MODEL", {"D": 2, "L": 1}, {"W": (w,), "b": (b,)})
    x = RatMatrix.from_rows([[1, 0], [2, 1]])  # columns (1, 2) and (0, 1)
    out = _flat(_run("exact", inst, x, True), "exact")
    assert out == [0, 0, 1, 0]  # ReLU((1-2, 0-1), (2-1, 0-1))
    out = _flat(_run("exact", inst, x, False), "exact")
    assert out == [-1, -1, 1, -1]


def test_interval_input_in_ball_arithmetic_encloses_every_point_of_the_box() -> None:
    """A ball per coordinate is an interval: certified `forward` on it contains all point outputs."""
    d, big_l = 3, 3
    inst = _instance(d, big_l, seed=4)
    ctx = get_context("certified", prec=128)
    with ctx.session():
        b = ctx.bind([inst])
        net = FNN(tuple(b.m("W")), tuple(b.m("b")), True)
        box = arb_mat(d, 1, [arb(0, 1)] * d)  # the box [-1, 1]^3
        out = forward(ctx, net, box)
    pts = _inputs(d, 40, seed=5)
    exact = _run("exact", inst, pts, True)
    for j in range(40):
        for i in range(d):
            assert out[i, 0].contains(arb(exact[i, j]))


@pytest.mark.parametrize("level", ["exact", "certified", "float"])
def test_enclosures_contain_point_evaluations(level: str) -> None:
    d = 3
    inst = _instance(d, 2, seed=7)
    dom = domain_from_options({"box_lo": [-1, 0, "-1/2"], "box_hi": [1, "3/4", 2]}, d)
    pts = RatMatrix.from_numpy(np.array([[float(a) + (float(b) - float(a)) * t for t in np.linspace(0, 1, 9)]
                                         for a, b in zip(dom.lo, dom.hi, strict=True)]))
    ctx = get_context(level)
    with ctx.session():
        bnd = ctx.bind([inst])
        w, bias = bnd.m("W")[0], bnd.m("b")[0]
        enc = relu_enclosure(ctx, affine_enclosure(ctx, w, bias, box_enclosure(ctx, dom)))
        lo, hi = lower(ctx, enc), ctx.add(enc.center, enc.radius)
        vals = forward(ctx, FNN((w,), (bias,)), ctx.load([pts]))
        lo_f, hi_f, v_f = _flat(lo, level), _flat(hi, level), _flat(vals, level)
    for i in range(d):
        for j in range(9):
            v = v_f[i * 9 + j]
            if level == "certified":
                assert lo_f[i] < v or lo_f[i].overlaps(v)
                assert v < hi_f[i] or hi_f[i].overlaps(v)
            elif level == "exact":
                assert lo_f[i] <= v <= hi_f[i]  # exact: no slack at all
            else:
                assert lo_f[i] <= v + 1e-12 and v <= hi_f[i] + 1e-12


@pytest.mark.parametrize("level", ["exact", "certified", "mp", "float"])
def test_absolute_and_min_entry(level: str) -> None:
    a = RatMatrix.from_rows([[1, "-3/2"], [0, "1/4"]])
    ctx = get_context(level)
    with ctx.session():
        m = ctx.load([a])
        ab = _flat(absolute(ctx, m), level)
        mn = min_entry(ctx, m)
    assert [float(v) for v in ab] == [1.0, 1.5, 0.0, 0.25]
    assert float(mn if level != "certified" else mn.mid()) == -1.5


def test_uniform_partition_matches_the_paper() -> None:
    assert uniform_partition(5, 2) == ((0, 1), (2, 3, 4))  # M = 2, the last block takes the rest
    assert uniform_partition(3, 2) == ((0,), (1, 2))
    assert uniform_partition(8, 4) == ((0, 1), (2, 3), (4, 5), (6, 7))
    assert uniform_partition(4, 1) == ((0, 1, 2, 3),)
    with pytest.raises(InstanceError, match="Lbar <= L"):
        uniform_partition(2, 3)


def test_general_partitions() -> None:
    assert partition_from_sizes([1, 3], 4) == ((0,), (1, 2, 3))
    for bad in ([1, 2], [0, 4], [2.0, 2]):
        with pytest.raises(InstanceError, match="positive integer block sizes"):
            partition_from_sizes(bad, 4)  # type: ignore[arg-type]
    comps = compositions(6, 3)
    assert len(comps) == 10 and all(sum(c) == 6 and min(c) >= 1 for c in comps)  # C(5, 2)


def test_domains_parse_and_reject_bad_options() -> None:
    box = domain_from_options({}, 2)
    assert box.kind == "box" and box.lo == (-1, -1) and box.hi == (1, 1)
    assert box.contains((Fraction(1), Fraction(0))) and not box.contains((Fraction(1), Fraction(0)), strict=True)
    ball = domain_from_options({"domain": "ball", "ball_center": [1, 0], "ball_radius": "1/2"}, 2)
    assert ball.lo == (Fraction(1, 2), Fraction(-1, 2)) and ball.contains((Fraction(5, 4), Fraction(0)))
    assert not ball.contains((Fraction(3, 2), Fraction(1, 4)))
    sigma = box.second_moment()
    assert sigma.entries == (Fraction(1, 3), 0, 0, Fraction(1, 3))
    with pytest.raises(InstanceError, match="lo < hi"):
        domain_from_options({"box_lo": 1, "box_hi": 1}, 2)
    with pytest.raises(InstanceError, match="expected 2 entries"):
        domain_from_options({"box_lo": [0, 0, 0]}, 2)
    with pytest.raises(InstanceError, match="ball_radius"):
        domain_from_options({"domain": "ball", "ball_radius": 0}, 2)


def test_importing_the_fnn_layer_loads_neither_torch_nor_flint() -> None:
    code = "import sys, theorems.zeng_lee.models.fnn; print(sorted(m for m in ('torch', 'flint') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


