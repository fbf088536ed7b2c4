"""The TFN model agrees across arithmetics (softmax included) and matches hand computations."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import flint
import numpy as np
import pytest
from flint import arb, fmpq

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee.models.tfn import TFNOptions, forward, load_tfn, sample_inputs, softmax_cols, tfn_shapes
from verifier import Instance, InstanceError, RatMatrix, get_context, get_theorem

SIZES = [  # (D, H, L, N): odd D, several heads and blocks, one token
    (3, 2, 2, 4),
    (4, 1, 1, 5),
    (5, 3, 2, 3),
    (2, 2, 3, 1),
]


def _instance(d: int, h: int, big_l: int, n: int, seed: int = 0, **options: bool) -> Instance:
    thm = get_theorem("R-TFN")
    inst = thm.generate(np.random.default_rng(seed), index=0, params={"D": d, "H": h, "L": big_l, "N": n, "R": 1})
    return Instance(inst.theorem, inst.parameters, inst.matrices, options=options, seed=seed)


def _eval(level: str, inst: Instance, x: RatMatrix, target: bool = False, **opts: int) -> object:
    ctx = get_context(level, **opts)
    with ctx.session():
        b = ctx.bind([inst])
        return forward(ctx, load_tfn(b, target=target), ctx.load([x]))


def _tight(v: object) -> arb:
    """A ball around an exact rational far narrower than any ball it is tested against."""
    old, flint.ctx.prec = flint.ctx.prec, 600
    try:
        return arb(v)
    finally:
        flint.ctx.prec = old


def _entries(m: object, level: str) -> list[object]:
    if level == "float":
        return [float(v) for v in m[0].flatten()]  # type: ignore[index]
    if level == "mp":
        return [m[i, j] for i in range(m.rows) for j in range(m.cols)]  # type: ignore[attr-defined]
    return list(m.entries())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("d", "h", "big_l", "n"), SIZES)
@pytest.mark.parametrize("target", [False, True])
def test_certified_balls_contain_mp_and_float(d: int, h: int, big_l: int, n: int, target: bool) -> None:
    inst = _instance(d, h, big_l, n, seed=d + n)
    x = sample_inputs(inst, 1)[0]
    c53 = _entries(_eval("certified", inst, x, target, prec=53), "certified")
    c128 = _entries(_eval("certified", inst, x, target, prec=128), "certified")
    mp = _entries(_eval("mp", inst, x, target, dps=50), "mp")
    fl = _entries(_eval("float", inst, x, target), "float")
    assert all(ball.contains(arb(v)) for ball, v in zip(c128, mp, strict=True))
    assert all(ball.contains(arb(v)) for ball, v in zip(c53, fl, strict=True))
    # and the balls are tight (containment alone would accept [-inf, inf])
    assert max(float(b.rad()) for b in c128) < 1e-25
    assert max(float(b.rad()) for b in c53) < 1e-8


@pytest.mark.parametrize("n", [1, 3])
def test_exact_where_rational(n: int) -> None:
    """N = 1 (softmax of one score is 1) and repeated tokens (uniform softmax) are rational."""
    d = 4
    inst = _instance(d, 2, 2, n, seed=7)
    rng = np.random.default_rng(1)
    col = np.round(rng.standard_normal((d, 1)) * 64) / 64
    x = RatMatrix.from_numpy(np.repeat(col, n, axis=1))
    exact = _entries(_eval("exact", inst, x), "exact")
    balls = _entries(_eval("certified", inst, x, prec=128), "certified")
    assert all(ball.contains(_tight(v)) for ball, v in zip(balls, exact, strict=True))
    # repeated tokens stay repeated: every output column equals the first
    cols = np.array([float(v) for v in exact]).reshape(d, n)
    assert np.all(cols == cols[:, :1])


def test_exact_softmax_refuses_irrational_columns() -> None:
    ctx = get_context("exact")
    s = ctx.load([RatMatrix.from_rows([[1, 0], [2, 0]])])
    with pytest.raises(InstanceError, match="irrational"):
        softmax_cols(ctx, s)
    uniform = softmax_cols(ctx, ctx.load([RatMatrix.from_rows([[5, 1], [5, 1], [5, 1]])]))
    assert all(v == fmpq(1, 3) for v in uniform.entries())


def test_hand_computed_one_by_one() -> None:
    """D = H = L = N = 1: f(x) = w_o (w_2 ReLU(w_1 w_O w_V x + b_1) + b_2), softmax = 1."""
    p = {"D": 1, "H": 1, "L": 1, "N": 1, "R": 1}
    vals = {"WQ": 3, "WK": 5, "WV": 2, "WO": Fraction(1, 2), "W1": -1, "b1": 4, "W2": 3, "b2": -1, "Wout": 2}
    mats: dict[str, object] = {}
    for name, shape in tfn_shapes(p).items():
        v = RatMatrix.from_rows([[str(vals[name.removesuffix("bar")])]])
        mats[name] = tuple(v for _ in shape) if isinstance(shape, list) else v
    inst = Instance("R-TFN", p, mats)  # type: ignore[arg-type]
    for x, want in ((1, 2 * (3 * 3 - 1)), (10, 2 * (3 * 0 - 1))):  # ReLU(-x + 4): active, then clipped
        out = _eval("exact", inst, RatMatrix.from_rows([[x]]))
        assert list(out.entries()) == [want]  # type: ignore[attr-defined]


@pytest.mark.parametrize("options", [{"residual": True}, {"layer_norm": True}, {"residual": True, "layer_norm": True}])
def test_options_agree_across_arithmetics(options: dict[str, bool]) -> None:
    inst = _instance(3, 2, 2, 4, seed=5, **options)
    x = sample_inputs(inst, 1)[0]
    balls = _entries(_eval("certified", inst, x, prec=128), "certified")
    mp = _entries(_eval("mp", inst, x), "mp")
    fl = _entries(_eval("float", inst, x), "float")
    plain = _entries(_eval("float", _instance(3, 2, 2, 4, seed=5), x), "float")
    assert all(ball.contains(arb(v)) for ball, v in zip(balls, mp, strict=True))
    assert np.allclose([float(b.mid()) for b in balls], fl, rtol=1e-9, atol=1e-9)
    assert not np.allclose(fl, plain)  # the option changes the model


def test_layer_norm_not_exact_and_options_validated() -> None:
    inst = _instance(2, 1, 1, 1, seed=2, layer_norm=True)
    with pytest.raises(InstanceError, match="layer norm"):
        _eval("exact", inst, RatMatrix.from_rows([[1], [2]]))
    with pytest.raises(InstanceError, match="true or false"):
        TFNOptions.from_mapping({"residual": "yes"})
    with pytest.raises(InstanceError, match="unknown TFN option"):
        TFNOptions.from_mapping({"dropout": True})


def test_float_batches_instances() -> None:
    """Two instances stacked in one float batch give the same outputs as each alone."""
    a, b = _instance(3, 2, 1, 4, seed=1), _instance(3, 2, 1, 4, seed=2)
    x = sample_inputs(a, 1)[0]
    ctx = get_context("float")
    both = forward(ctx, load_tfn(ctx.bind([a, b])), ctx.load([x, x]))
    for k, inst in enumerate((a, b)):
        alone = forward(ctx, load_tfn(ctx.bind([inst])), ctx.load([x]))
        assert np.allclose(both[k].numpy(), alone[0].numpy(), rtol=0, atol=1e-13)


def test_importing_the_model_loads_neither_torch_nor_flint() -> None:
    code = ("import sys, verifier, theorems.zeng_lee.models.tfn; "
            "bad = [m for m in ('torch', 'flint') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
