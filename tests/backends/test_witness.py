"""A-posteriori certification: witnesses computed approximately, certified exactly as given."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
from flint import arb, arb_mat

from verifier import (
    CheckSettings,
    Claim,
    Comparison,
    Instance,
    Parameter,
    RatMatrix,
    Theorem,
    check_theorem,
    get_context,
    get_theorem,
    witness,
)
from verifier._backends._approx import ApproxContext, exact_point
from verifier._backends._certified import CertifiedContext
from verifier._backends.linalg import _posteriori as post
from verifier._backends.linalg import _svd as cl


def _mp_svals(a: np.ndarray, dps: int = 80) -> list[Any]:
    with mpmath.workdps(dps):
        s = mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False)
        return sorted((abs(x) for x in s), reverse=True)


@pytest.mark.parametrize("shape", [(9, 9), (12, 7), (5, 11)])
def test_certificate_from_factors_contains_and_is_narrow(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(sum(shape))
    a = np.round(rng.standard_normal(shape) * 64) / 64
    A = cl.arb_mat_from_numpy(a)
    u, v = post.seed_factors(A)
    coarse = post.certify(A, u, v, 170)
    u2, v2 = post.refine_factors(A, u, v, 150)
    fine = post.certify(A, u2, v2, 170)
    ref = _mp_svals(a)
    for enc in (coarse, fine):
        assert len(enc.enclosures) == min(shape)
        for e, s in zip(enc.enclosures, ref, strict=True):
            assert e.contains(arb(mpmath.nstr(s, 60)).mid()) or abs(float(e.mid()) - float(s)) <= float(e.rad())
    assert coarse.relative_width() < 1e-12  # float64 factors: about 2^-50
    assert fine.relative_width() < 2.0**-130  # refined to 150 bits


def test_wrong_factors_only_widen_the_enclosure() -> None:
    rng = np.random.default_rng(1)
    a = np.round(rng.standard_normal((6, 6)) * 64) / 64
    A = cl.arb_mat_from_numpy(a)
    bad = post.certify(A, cl.identity(6), cl.identity(6), 170)  # no information at all
    for e, s in zip(bad.enclosures, _mp_svals(a), strict=True):
        assert float(e.lower()) <= float(s) <= float(e.upper())
    ctx = CertifiedContext(prec=170, quick=True)
    with ctx.session():
        m = ctx.load([RatMatrix.from_numpy(a)])
        ctx.svd_hint(m, cl.identity(6), cl.identity(6))  # a wrong hint
        s1 = ctx.sv(m, 1)
        assert float(s1.lower()) <= float(_mp_svals(a)[0]) <= float(s1.upper())


def test_quick_norm_is_refined_when_a_comparison_needs_it() -> None:
    ctx = CertifiedContext(prec=170, quick=True)
    tiny = Fraction(1, 2**70)
    with ctx.session():
        a = ctx.load([RatMatrix(2, 2, (Fraction(1), Fraction(0), Fraction(0), Fraction(1, 2)))])
        b = ctx.load([RatMatrix(2, 2, (1 + tiny, Fraction(0), Fraction(0), Fraction(3, 10)))])
        na, nb = ctx.norm2(a), ctx.norm2(b)
        assert not (na < nb)  # the quick enclosures alone cannot tell 2^-70 apart
        (d,) = ctx.decide(Comparison("norms", na, "<=", nb))
        assert d.status == "holds"
        (d2,) = ctx.decide(Comparison("norms", nb, "<=", na))
        assert d2.status == "fails"


@dataclass(frozen=True)
class _W:
    inv: Any
    note: str = "x"


def _hilbert(n: int) -> RatMatrix:
    return RatMatrix(n, n, tuple(Fraction(1, i + j + 1) for i in range(n) for j in range(n)))


def test_witness_is_direct_where_a_context_computes_its_own_and_exact_in_certified() -> None:
    inst = Instance("toy", {"n": 4}, {"A": _hilbert(4)})
    f = get_context("float")
    with f.session():
        b = f.bind([inst])
        w = witness(f, b, lambda c, bb: _W(c.inv(bb.m("A"))))
        assert w.inv.shape == (1, 4, 4)
    ctx = CertifiedContext(prec=170)
    with ctx.session():
        b = ctx.bind([inst])
        w = witness(ctx, b, lambda c, bb: _W(c.inv(bb.m("A"))))
        actx = ctx.witness_context()
        assert isinstance(actx, ApproxContext) and 128 <= actx.prec < 170
        assert isinstance(w.inv, arb_mat) and w.note == "x"
        assert all(x.rad() == 0 for x in w.inv.entries())  # exact points
        q = ctx.exact_value(w.inv)  # the certified context knows the witness exactly
        assert q is not None and q == exact_point(w.inv)
        res = ctx.sub(ctx.mm(b.m("A"), w.inv), ctx.eye(4))
        assert float(ctx.maxabs(res).upper()) < 2.0**-100  # cond ~ 1.6e4 at 135 bits, far below 2^-85


def _toy_theorem(calls: list[int]) -> Theorem:
    def cons(ctx: Any, b: Any) -> _W:
        calls.append(getattr(ctx, "prec", 0))
        return witness(ctx, b, lambda c, bb: _W(c.inv(bb.m("A"))))

    def ev(ctx: Any, b: Any, c: _W) -> list[Comparison]:
        res = ctx.sub(ctx.mm(b.m("A"), c.inv), ctx.eye(4))
        return [Comparison("max|A X - I|", ctx.maxabs(res), "==", 0, tol=ctx.witness_tol(1))]

    return Theorem(id="TOY-WITNESS", title="toy", statement="A has an inverse", source=get_theorem("R-LIN").source,
                   parameters=(Parameter("n", low=4, high=4),), shapes={"A": ("n", "n")},
                   generate=lambda rng, index=0, params=None: Instance("TOY-WITNESS", {"n": 4}, {"A": _hilbert(4)}),
                   construction=cons,
                   claims=(Claim("inverse", statement="A X = I", quantifier="exists", levels=("certified",),
                                 evaluate=ev),))


def test_a_witness_missing_its_tolerance_is_recomputed_with_more_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    real = CertifiedContext.witness_context

    def coarse_at_170(self: CertifiedContext) -> Any:  # too few digits at the first precision only
        return ApproxContext(bits=60) if self.prec == 170 else real(self)

    monkeypatch.setattr(CertifiedContext, "witness_context", coarse_at_170)
    calls: list[int] = []
    v = check_theorem(_toy_theorem(calls), CheckSettings(level="certified", examples=1))
    (cv,) = v.claims
    assert cv.status == "holds" and cv.evidence == "certified"
    assert 340 in calls  # the rounded witness missed 2^-85 at 170 bits and was recomputed at 340


def test_r_lin_is_certified_and_decided_at_the_papers_depth() -> None:
    thm = get_theorem("R-LIN")
    inst = thm.generate(np.random.default_rng(5), index=0, params={"D": 32, "L": 4, "R": 2})
    v = check_theorem(thm, CheckSettings(level="certified"), [inst], ["optimum-attained", "no-better-adapters"])
    assert v.status == "holds", v
    for cv in v.claims:
        assert cv.status == "holds" and cv.evidence == "certified"
    # the quick stage decided it: no retry at a higher precision was needed
    assert all(c.get("prec_bits", 170) == 170 for c in v.contexts if c["name"] == "certified")


def test_planted_wrong_optimum_is_still_refuted() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "quality" / "planted.py"
    spec = importlib.util.spec_from_file_location("planted_for_witness", path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    thm = mod.R_LIN_WRONG_OPT
    inst = thm.generate(np.random.default_rng(2), index=0, params={"D": 6, "L": 2, "R": 1})
    v = check_theorem(thm, CheckSettings(level="certified"), [inst], ["no-better-adapters"])
    assert v.claims[0].status == "violated" and v.claims[0].evidence in ("certified", "exact")


def test_mixed_precision_solve_matches_flint_and_gives_up_on_singular_systems() -> None:
    from verifier._backends._approx import _refined_solve
    from verifier._backends._certified import working_prec

    rng = np.random.default_rng(7)
    a = cl.arb_mat_from_numpy(np.round(rng.standard_normal((40, 40)) * 256) / 256)
    b = cl.arb_mat_from_numpy(rng.standard_normal((40, 3)))
    with working_prec(300):
        x = _refined_solve(a, b, 300)
        assert x is not None
        ref = a.solve(b, algorithm="approx")
        err = max(abs(float((p - q).mid())) for p, q in zip(x.entries(), ref.entries(), strict=True))
        assert err < 2.0**-250
        sing = cl.arb_mat_from_numpy(np.ones((40, 40)))
        assert _refined_solve(sing, b, 300) is None  # float64 cannot start it: FLINT decides
