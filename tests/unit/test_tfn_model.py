"""The transformer models (multi- and single-head, softmax output) agree across arithmetics and match hand
computations; the exact low-rank certificate behind the Assumption 3 finding is sound."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
from flint import arb

import theorems.zeng_lee  # noqa: F401  (registers the specs)
from theorems.zeng_lee.models.tfn import TFN, load_tfn, rat_tfn, run, sample_inputs, softmax_cols
from theorems.zeng_lee.models.tfn_assume import exact_lowrank, singular_certificate
from theorems.zeng_lee.tfn_instances import mm, tfn_instance, tr
from verifier import Instance, InstanceError, RatMatrix, get_context

SIZES = [  # (D, H or None for single-head, L, N)
    (3, 2, 2, 4),
    (4, None, 2, 3),
    (5, 3, 1, 2),
    (2, None, 3, 1),
]


def _inst(d: int, h: int | None, big_l: int, n: int, seed: int = 0) -> Instance:
    p = {"D": d, "L": big_l, "N": n, "R": 1} | ({} if h is None else {"H": h})
    return tfn_instance("T", np.random.default_rng(seed), p, "random", seed)


def _run(level: str, inst: Instance, x: RatMatrix, target: bool = False, softmax_output: bool = True) -> object:
    ctx = get_context(level)
    with ctx.session():
        return run(ctx, load_tfn(ctx.bind([inst]), target=target), ctx.load([x]), softmax_output)


def _floats(m: object) -> np.ndarray:
    if hasattr(m, "tolist") and not hasattr(m, "numpy"):  # arb_mat, mpmath matrix
        return np.array([[float(v.mid()) if hasattr(v, "mid") else float(v) for v in row] for row in m.tolist()])
    return np.asarray(m.detach().cpu().numpy() if hasattr(m, "detach") else m, dtype=float).reshape(
        getattr(m, "shape", (0,))[-2:])


@pytest.mark.parametrize("size", SIZES)
def test_float_mp_certified_agree_and_balls_contain_float(size: tuple) -> None:
    inst = _inst(*size)
    x = sample_inputs(inst, 1)[0]
    outs = {lv: _run(lv, inst, x) for lv in ("float", "mp", "certified")}
    cert = outs["certified"].output
    ref = _floats(cert)
    for lv in ("float", "mp"):
        np.testing.assert_allclose(_floats(outs[lv].output), ref, rtol=1e-9, atol=1e-12)
    # the certified output is a tight enclosure, and each column is a probability vector
    assert max(float(v.rad()) for v in cert.entries()) < 1e-30
    np.testing.assert_allclose(ref.sum(axis=0), 1.0, rtol=1e-12)
    for a, b in zip(outs["certified"].hidden, outs["mp"].hidden, strict=True):
        np.testing.assert_allclose(_floats(b), _floats(a), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(3, 2, 2, 1), (4, None, 2, 1)])
def test_exact_hidden_states_for_one_token(size: tuple) -> None:
    """With N = 1 every attention softmax is 1: the hidden states and logits are rational and exact."""
    inst = _inst(*size)
    x = sample_inputs(inst, 1)[0]
    ex = _run("exact", inst, x, softmax_output=False)
    ce = _run("certified", inst, x, softmax_output=False)
    old, flint.ctx.prec = flint.ctx.prec, 2000  # the exact value as a ball far narrower than the certified one
    try:
        for a, b in zip((*ex.hidden, ex.logits), (*ce.hidden, ce.logits), strict=True):
            for q, ball in zip(a.entries(), b.entries(), strict=True):
                assert ball.contains(arb(q)) and ball.rad() < 1e-30
    finally:
        flint.ctx.prec = old
    with pytest.raises(InstanceError, match="irrational"):
        _run("exact", inst, x)  # the output softmax over D >= 2 rows is not rational


def test_hand_computed_single_head() -> None:
    """D = 1, N = 2: attention is a weighted mean of the tokens; the output softmax of one row is 1."""
    one = RatMatrix.from_rows([[1]])
    m = {"WQ": (one,), "WK": (RatMatrix.from_rows([[2]]),), "WV": (RatMatrix.from_rows([[3]]),), "W1": (one,),
         "b1": (RatMatrix.from_rows([[0]]),), "W2": (RatMatrix.from_rows([[2]]),), "b2": (RatMatrix.from_rows([[1]]),),
         "Wout": one}
    net = rat_tfn(m, {"D": 1, "L": 1, "N": 2})
    ctx = get_context("mp")
    with ctx.session():
        loaded = TFN(*(tuple(tuple(ctx.load([w]) for w in row) for row in hs) if hs else None
                       for hs in (net.wq, net.wk, net.wv, net.wo)),
                     *(tuple(ctx.load([w]) for w in ws) for ws in (net.w1, net.b1, net.w2, net.b2)),
                     ctx.load([net.wout]))
        tr_ = run(ctx, loaded, ctx.load([RatMatrix.from_rows([[1, -1]])]))
    # scores s_ij = 2 x_i x_j: column 1 (x = 1): weights e^2, e^-2 on tokens 1, -1
    e2, em2 = np.exp(2.0), np.exp(-2.0)
    a1 = 3 * (1 * e2 + (-1) * em2) / (e2 + em2)
    assert float(tr_.hidden[0][0, 0]) == pytest.approx(max(a1, 0.0), rel=1e-12)
    assert float(tr_.z[1][0, 0]) == pytest.approx(2 * max(a1, 0.0) + 1, rel=1e-12)
    assert float(tr_.output[0, 0]) == pytest.approx(1.0) and float(tr_.output[0, 1]) == pytest.approx(1.0)


def test_single_head_is_one_head_with_identity_output() -> None:
    """The single-head model equals the multi-head one with H = 1 and W_O = I."""
    inst = _inst(3, None, 2, 3, seed=4)
    m = dict(inst.matrices)
    eye = RatMatrix.identity(3)
    multi = Instance("T", {**inst.parameters, "H": 1}, {**m, "WO": (eye, eye), "WObar": (eye, eye)})
    x = sample_inputs(inst, 1)[0]
    a, b = _run("certified", inst, x).output, _run("certified", multi, x).output
    assert max(float(abs(u - v).upper()) for u, v in zip(a.entries(), b.entries(), strict=True)) < 1e-40


def test_exact_softmax_only_on_constant_columns() -> None:
    ctx = get_context("exact")
    s = ctx.load([RatMatrix.from_rows([[1, 2], [1, 2], [1, 2]])])
    out = softmax_cols(ctx, s)
    assert all(v == Fraction(1, 3) for v in RatMatrix(3, 2, tuple(Fraction(str(q)) for q in out.entries())).entries)
    with pytest.raises(InstanceError):
        softmax_cols(ctx, ctx.load([RatMatrix.from_rows([[1, 2], [0, 2]])]))


def _col(*v: int) -> RatMatrix:
    return RatMatrix.from_rows([[x] for x in v])


def test_exact_lowrank_certificate() -> None:
    """A rational and unique LR_1 is certified (and equals the float truncated SVD); generic E gets None."""
    a, b, c, d = _col(1, 1, 0), _col(2, -4, 0), _col(1, -1, 0), _col(0, 0, 1)
    e = mm(a, tr(b)) + mm(c, tr(d))
    lr = exact_lowrank(e, 1)
    assert lr == mm(a, tr(b))
    u, s, vt = np.linalg.svd(e.to_numpy())
    np.testing.assert_allclose(lr.to_numpy(), s[0] * np.outer(u[:, 0], vt[0]), atol=1e-12)
    generic = RatMatrix.from_numpy(np.round(np.random.default_rng(0).standard_normal((4, 4)) * 64) / 64)
    assert exact_lowrank(generic, 2) is None
    # a tie sigma_1 = sigma_2 makes LR_1 ambiguous: no certificate
    assert exact_lowrank(RatMatrix.identity(3), 1) is None


def test_singular_certificate_needs_a_singular_matrix() -> None:
    """E = a b^T + c d^T (a _|_ c, b _|_ d, |a||b| > |c||d|): LR_1(E) = a b^T; I + a b^T is singular iff b^T a = -1."""
    a, c, d = _col(1, 1, 0), _col(1, -1, 0), _col(0, 0, 1)
    base = RatMatrix.identity(3)
    fine = RatMatrix(3, 1, (Fraction(2), Fraction(0), Fraction(0)))  # b^T a = 2: det(I + a b^T) = 3
    assert singular_certificate(base, base + mm(a, tr(fine)) + mm(c, tr(d)), 1) is None
    bad = RatMatrix(3, 1, (Fraction(-3, 2), Fraction(1, 2), Fraction(0)))  # b^T a = -1, |b| = sqrt(5/2) > 1
    assert singular_certificate(base, base + mm(a, tr(bad)) + mm(c, tr(d)), 1) is not None
