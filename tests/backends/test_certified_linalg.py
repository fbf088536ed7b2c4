"""Tests for the certified singular-value / low-rank toolkit in verifier._backends.linalg._svd."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, arb_mat, ctx, fmpq_mat

from verifier._backends.linalg import _lowrank as lr
from verifier._backends.linalg import _svd as cl
from verifier._errors import PrecisionExhausted

PREC = 170


def _rand(shape: tuple[int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) / np.sqrt(shape[0])


def _arb_hp(x: mpmath.mpf) -> arb:
    """Convert an mpmath number to an (almost) exact arb at 400 bits."""
    old = ctx.prec
    ctx.prec = 400
    try:
        return arb(mpmath.nstr(x, 110, strip_zeros=False))
    finally:
        ctx.prec = old


def _inside(ball: arb, x: float, tol: float = 1e-13) -> bool:
    return float(ball.lower()) - tol <= x <= float(ball.upper()) + tol


def _mp_mat(A: arb_mat) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(A[i, j].mid().str(80, radius=False)) for j in range(A.ncols())]
                          for i in range(A.nrows())])


# ----------------------------------------------------------------------------- enclosures

@pytest.mark.parametrize("shape", [(3, 3), (8, 8), (16, 16), (5, 3), (3, 5)])
def test_enclosures_contain_float64_singular_values(shape: tuple[int, int]) -> None:
    a = _rand(shape, seed=sum(shape))
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(a), PREC)
    sv = np.linalg.svd(a, compute_uv=False)
    assert len(enc) == min(shape)
    assert all(_inside(e, float(x)) for e, x in zip(enc, sv, strict=True))
    assert all(e.lower() >= 0 for e in enc)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_enclosures_contain_mpmath_singular_values_exactly(shape: tuple[int, int]) -> None:
    a = _rand(shape, seed=7 + shape[0])
    A = cl.arb_mat_from_numpy(a)
    enc = cl.singular_value_enclosures(A, PREC)
    with mpmath.workdps(60):
        S = mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False)
        assert all(e.contains(_arb_hp(S[i])) for i, e in enumerate(enc))


def test_enclosure_width_at_170_bits_well_conditioned_16() -> None:
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(_rand((16, 16), seed=1)), PREC)
    assert max(float(e.rad()) for e in enc) < 1e-35


def test_enclosures_are_sorted_and_no_precision_leaks() -> None:
    before = ctx.prec
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(_rand((8, 8), seed=2)), 300)
    assert ctx.prec == before
    assert all(float(enc[i].mid()) >= float(enc[i + 1].mid()) for i in range(len(enc) - 1))
    assert max(float(e.rad()) for e in enc) < 1e-80  # more precision -> narrower


def test_exact_low_rank_matrix() -> None:
    rng = np.random.default_rng(4)
    a = rng.integers(-3, 4, (6, 2)) @ rng.integers(-3, 4, (2, 6))
    A = cl.arb_mat_from_numpy(a.astype(float))
    enc = cl.singular_value_enclosures(A, PREC)
    for e in enc[2:]:
        assert e.contains(arb(0))
        assert float(e.upper()) < 1e-40
    assert all(e.lower() > 0 for e in enc[:2])
    assert cl.exact_rank(fmpq_mat(6, 6, [int(x) for x in a.ravel()])) == 2
    assert lr.is_nonsingular(A, PREC) in (None, False)
    assert lr.is_nonsingular(A, PREC) is not True


@pytest.mark.parametrize(("diag", "size"), [([1.0] * 5, 5), ([3.0, 3.0, 1.0, 1.0], 4)])
def test_tied_singular_values(diag: list[float], size: int) -> None:
    A = cl.arb_mat_from_numpy(np.diag(diag))
    enc = cl.singular_value_enclosures(A, PREC)
    assert all(e.contains(arb(x)) for e, x in zip(enc, sorted(diag, reverse=True), strict=True))


def test_nontrivial_ties_and_near_ties_stay_narrow() -> None:
    h = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], dtype=float)
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(h), PREC)
    assert all(e.contains(arb(2)) and float(e.rad()) < 1e-40 for e in enc)
    rng = np.random.default_rng(5)
    q1, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    q2, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    a = q1 @ np.diag([3, 3, 3, 1, 1, 0.5]) @ q2.T  # ties up to float rounding
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(a), PREC)
    assert max(float(e.rad()) for e in enc) < 1e-40
    assert all(_inside(e, float(x)) for e, x in zip(enc, np.linalg.svd(a, compute_uv=False), strict=True))


def test_zero_matrix_and_rank_deficient_rectangular() -> None:
    assert all(e.contains(arb(0)) and e.is_exact() for e in cl.singular_value_enclosures(arb_mat(3, 4), PREC))
    a = _rand((7, 4), seed=9)
    a[:, 3] = a[:, 2]
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(a), PREC)
    assert enc[-1].contains(arb(0)) and float(enc[-1].upper()) < 1e-40


@pytest.mark.parametrize("shape", [(5, 3), (4, 4), (3, 6)])
def test_zero_and_tied_singular_values_of_float_products_stay_narrow(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(47)
    m, n = shape
    u, _ = np.linalg.qr(rng.standard_normal((m, m)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    s = np.zeros(shape)
    k = min(shape)
    s[np.arange(k), np.arange(k)] = ([1.0, 1.0] + [0.0] * k)[:k]  # "zeros" become ~1e-17 after rounding
    a = u @ s @ v.T
    for prec in (PREC, 680):
        enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(a), prec)
        assert max(float(e.rad()) for e in enc) < 2.0 ** (-prec + 12)
        assert all(_inside(e, float(x), 1e-15) for e, x in zip(enc, np.linalg.svd(a, compute_uv=False), strict=True))


def test_high_precision_converges_quadratically() -> None:
    a = _rand((12, 12), seed=53)
    enc = cl.singular_value_enclosures(cl.arb_mat_from_numpy(a), 1360)
    old = ctx.prec
    ctx.prec = 1400
    try:
        assert all(e.rad() < arb(2) ** -1340 for e in enc)
    finally:
        ctx.prec = old


def test_blas_thread_count_is_restored() -> None:
    from verifier._backends.linalg._arbmat import _openblas_threads

    fns = _openblas_threads()
    before = fns[0]() if fns else None
    cl.approx_svd(cl.arb_mat_from_numpy(_rand((64, 64), seed=59)), 64)
    assert (fns[0]() if fns else None) == before


def test_ball_radius_is_propagated() -> None:
    a = _rand((16, 16), seed=11)
    A = arb_mat(16, 16, [arb(x, 1e-10) for x in a.ravel()])
    enc = cl.singular_value_enclosures(A, PREC)
    sv = np.linalg.svd(a, compute_uv=False)
    assert all(_inside(e, float(x), tol=0.0) for e, x in zip(enc, sv, strict=True))
    assert all(float(e.rad()) >= 0.5e-10 for e in enc)
    rng = np.random.default_rng(12)
    for _ in range(3):  # any matrix inside the balls
        b = a + rng.uniform(-1e-10, 1e-10, a.shape)
        assert all(_inside(e, float(x), tol=0.0) for e, x in zip(enc, np.linalg.svd(b, compute_uv=False), strict=True))


def test_singular_value_and_norms() -> None:
    a = _rand((5, 7), seed=13)
    A = cl.arb_mat_from_numpy(a)
    sv = np.linalg.svd(a, compute_uv=False)
    assert _inside(cl.singular_value(A, 2, PREC), float(sv[1]))
    z = cl.singular_value(A, 6, PREC)
    assert z.is_exact() and z.is_zero()
    with pytest.raises(ValueError):
        cl.singular_value(A, 0, PREC)
    assert _inside(cl.spectral_norm(A, PREC), float(sv[0]))
    u = cl.spectral_norm_upper(A, PREC)
    assert u.is_exact() and sv[0] * (1 - 1e-15) <= float(u) <= sv[0] * (1 + 1e-14)
    assert u >= cl.spectral_norm(A, PREC).lower()
    uc = cl.spectral_norm_upper(A, PREC, cheap=True)
    assert float(uc) >= sv[0] and float(uc) <= np.linalg.norm(a) * (1 + 1e-15)


def test_approx_svd_factors() -> None:
    for shape in [(6, 4), (4, 6), (5, 5)]:
        a = _rand(shape, seed=17)
        U, s, V = cl.approx_svd(cl.arb_mat_from_numpy(a), PREC)
        assert (U.nrows(), U.ncols(), V.nrows(), V.ncols()) == (shape[0], shape[0], shape[1], shape[1])
        assert all(x.is_exact() for x in U.entries() + V.entries() + s)
        assert all(s[i] >= s[i + 1] for i in range(len(s) - 1)) and s[-1] >= 0
        old = ctx.prec
        ctx.prec = 400
        try:
            assert float(cl.frobenius_upper(U.transpose() * U - cl.identity(shape[0]))) < 2.0**-160
            D = arb_mat(*shape)
            for i, x in enumerate(s):
                D[i, i] = x
            assert float(cl.frobenius_upper(U * D * V.transpose() - cl.arb_mat_from_numpy(a))) < 2.0**-160
        finally:
            ctx.prec = old


def test_precision_exhausted() -> None:
    A = cl.arb_mat_from_numpy(_rand((16, 16), seed=19))
    with pytest.raises(PrecisionExhausted, match="prec") as info:
        cl.singular_value_enclosures(A, 2)
    assert isinstance(info.value, ArithmeticError)


def test_is_nonsingular() -> None:
    assert lr.is_nonsingular(cl.arb_mat_from_numpy(_rand((5, 5), seed=23)), PREC) is True
    assert lr.is_nonsingular(arb_mat(3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9]), PREC) is False
    assert lr.is_nonsingular(arb_mat(3, 3, [arb(1, 1e-10), 2, 3, 4, 5, 6, 7, 8, 9]), PREC) is None
    assert lr.is_nonsingular(arb_mat(3, 3, [arb(1, 1e-10), 2, 3, 4, 5, 6, 7, 8, 10]), PREC) is True
    with pytest.raises(ValueError):
        lr.is_nonsingular(arb_mat(2, 3), PREC)


# ----------------------------------------------------------------------------- low rank

def _float_lowrank(a: np.ndarray, r: int) -> np.ndarray:
    u, s, vt = np.linalg.svd(a)
    return (u[:, :r] * s[:r]) @ vt[:r]


@pytest.mark.parametrize(("shape", "r"), [((8, 8), 3), ((7, 5), 2), ((5, 7), 4)])
def test_lowrank_approx_matches_float_and_mpmath(shape: tuple[int, int], r: int) -> None:
    a = _rand(shape, seed=29 + r)
    A = cl.arb_mat_from_numpy(a)
    L, delta = lr.lowrank_approx(A, r, PREC)
    assert all(x.is_exact() for x in L.entries())
    assert np.abs(cl.mid_to_numpy(L) - _float_lowrank(a, r)).max() < 1e-13
    assert delta.is_exact() and float(delta) < 1e-40
    with mpmath.workdps(70):
        U, S, V = mpmath.svd_r(mpmath.matrix(a.tolist()))
        k = min(shape)
        LR = U[:, :k] * mpmath.diag([S[i] if i < r else 0 for i in range(k)]) * V[:k, :]
        err = max(mpmath.svd_r(_mp_mat(L) - LR, compute_uv=False))
        assert err <= mpmath.mpf(delta.str(30, radius=False))


def test_lowrank_approx_edge_ranks_and_ties() -> None:
    a = _rand((6, 6), seed=31)
    A = cl.arb_mat_from_numpy(a)
    L0, d0 = lr.lowrank_approx(A, 0, PREC)
    assert d0.is_zero() and all(x.is_zero() for x in L0.entries())
    L6, d6 = lr.lowrank_approx(A, 9, PREC)
    assert float(d6) < 1e-40 and np.abs(cl.mid_to_numpy(L6) - a).max() < 1e-14
    # a tie at position r: the Wedin bound is unavailable, only the gap-free bound s_{r+1} + ||A - L|| remains
    T = cl.arb_mat_from_numpy(np.diag([3.0, 2.0, 2.0, 1.0]))
    _, dt = lr.lowrank_approx(T, 2, PREC)
    assert not dt.is_finite() or float(dt) >= 2.0
    # a tie at zero (r above the rank) is harmless: LR_r(A) = A there
    rng = np.random.default_rng(37)
    b = (rng.integers(-3, 4, (6, 2)) @ rng.integers(-3, 4, (2, 6))).astype(float)
    _, db = lr.lowrank_approx(cl.arb_mat_from_numpy(b), 3, PREC)
    assert float(db) < 1e-40


def test_smin_of_sum_with_lowrank() -> None:
    rng = np.random.default_rng(41)
    m = rng.standard_normal((6, 6))
    e = rng.standard_normal((6, 6)) / 3
    M, E = cl.arb_mat_from_numpy(m), cl.arb_mat_from_numpy(e)
    for r in range(4):
        enc = lr.smin_of_sum_with_lowrank(M, E, r, PREC)
        ref = np.linalg.svd(m + _float_lowrank(e, r), compute_uv=False)[-1]
        assert _inside(enc, float(ref), tol=1e-12)
        assert float(enc.rad()) < 1e-35 and enc.lower() > 0
    s0 = lr.smin_of_sum_with_lowrank(M, E, 0, PREC)
    assert s0.overlaps(cl.singular_value_enclosures(M, PREC)[-1])
    with pytest.raises(ValueError):
        lr.smin_of_sum_with_lowrank(M, arb_mat(5, 6), 1, PREC)


def test_smin_of_sum_with_tied_lowrank_is_wide_but_valid() -> None:
    M = cl.arb_mat_from_numpy(np.eye(4))
    E = cl.arb_mat_from_numpy(np.diag([3.0, 2.0, 2.0, 1.0]))
    enc = lr.smin_of_sum_with_lowrank(M, E, 2, PREC)
    assert enc.contains(arb(1))  # every choice of LR_2(E) leaves s_min(I + LR_2(E)) = 1


# ----------------------------------------------------------------------------- helpers

def test_conversion_helpers() -> None:
    before = ctx.prec
    A = cl.to_arb_mat([[1, 0.1], [Fraction(1, 3), 2**100 + 1]], PREC)
    assert ctx.prec == before
    assert A[0, 0].is_exact() and A[0, 1].is_exact() and A[1, 1].is_exact()
    assert (A[1, 1] - arb(2) ** 100).contains(arb(1)) and float(A[0, 1]) == 0.1
    assert not A[1, 0].is_exact() and float(A[1, 0].rad()) < 1e-50
    a = _rand((3, 4), seed=43)
    B = cl.arb_mat_from_numpy(a)
    assert np.array_equal(cl.mid_to_numpy(B), a)
    assert float(cl.frobenius_upper(B)) >= np.linalg.norm(a)
    assert cl.frobenius_upper(B).is_exact()
    S = cl.submatrix(B, range(1, 3), range(0, 2))
    assert np.array_equal(cl.mid_to_numpy(S), a[1:3, 0:2])
    H = cl.hstack(B, cl.identity(3))
    assert np.array_equal(cl.mid_to_numpy(H), np.hstack([a, np.eye(3)]))
    assert np.array_equal(cl.mid_to_numpy(cl.hstack([B])), a)
    with pytest.raises(ValueError):
        cl.arb_mat_from_numpy(np.array([[np.inf]]))


def test_enclosures_account_for_non_orthogonal_factors(monkeypatch: pytest.MonkeyPatch) -> None:
    """An approximate SVD whose U is scaled by c = 1 + 2^-7 and whose s is scaled to match leaves no
    residual (U^T A V = diag(s) exactly): only the non-orthogonality g_U widens the enclosure, and it
    must, or the lower ends (c s_i) lie above the true singular values."""
    c = arb(1) + arb(2) ** -7
    A = arb_mat([[3, 0], [0, 1]])

    def scaled(M: arb_mat, prec: int) -> tuple[arb_mat, list[arb], arb_mat]:
        return arb_mat([[c, 0], [0, c]]), [3 * c, 1 * c], arb_mat([[1, 0], [0, 1]])

    monkeypatch.setattr(cl, "approx_svd", scaled)
    monkeypatch.setattr(cl, "_CERTIFICATES", type(cl._CERTIFICATES)())
    enc = cl.singular_value_enclosures(A, 128)
    assert all(e.lower() <= true <= e.upper() for e, true in zip(enc, (3, 1), strict=True)), enc
