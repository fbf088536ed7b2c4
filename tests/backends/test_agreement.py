"""Every arithmetic computes the same R-LIN quantities on the same exact instances."""

from __future__ import annotations

import numpy as np
import pytest
from mpmath import mp, mpf

from verifier import get_context, get_theorem
from verifier._check import generate_instances
from verifier._verdicts import CheckSettings

THM = get_theorem("R-LIN")


def _instances(n: int = 6):  # type: ignore[no-untyped-def]
    return generate_instances(THM, CheckSettings(examples=n, seed=11))


def _run(level: str, inst, **opts):  # type: ignore[no-untyped-def]
    ctx = get_context(level, **opts)
    with ctx.session():
        b = ctx.bind([inst])
        return ctx, THM.construction(ctx, b), b


@pytest.mark.parametrize("k", range(6))
def test_quantities_agree_across_arithmetics(k: int) -> None:
    inst = _instances()[k]
    r, big_l = inst.p("R"), inst.p("L")
    cctx, ccons, _ = _run("certified", inst, prec=170)
    mctx, mcons, _ = _run("mp", inst, dps=50)
    fctx, fcons, _ = _run("float", inst, dtype="float64")
    s_cert = cctx.sv(ccons.E, r * big_l + 1)
    s_mp = mctx.sv(mcons.E, r * big_l + 1)
    s_f = float(fctx.sv(fcons.E, r * big_l + 1)[0])
    # containment: the mpmath value (50 digits) lies in the certified ball, up to mpmath's own error
    with mp.workdps(60):
        assert abs(mpf(s_mp) - mpf(s_cert.mid().str(50, radius=False))) <= float(s_cert.rad()) + 1e-40
    assert float(s_cert.rad()) < 1e-30  # width: a useful enclosure, not just a true one
    assert abs(s_f - float(s_cert.mid())) <= 1e-12 * (1 + abs(s_f))
    # the residual of each arithmetic's own construction is s_{RL+1}(E) up to its precision
    res_c = cctx.norm2(ccons.residual)
    assert abs(float(res_c.mid()) - float(s_cert.mid())) < 1e-25
    res_m = mctx.norm2(mcons.residual)
    assert abs(float(res_m) - float(s_cert.mid())) < 1e-25
    res_f = float(fctx.norm2(fcons.residual)[0])
    assert abs(res_f - float(s_cert.mid())) < 1e-6


def test_exact_construction_is_exact_above_threshold() -> None:
    from theorems.zeng_lee.r_lin import threshold

    checked = 0
    for inst in _instances(12):
        if inst.p("R") < threshold(inst):
            continue
        ctx, cons, _ = _run("exact", inst)
        assert ctx.maxabs(cons.residual) == 0
        for ad in cons.adapters:
            if ad is not None:
                assert ctx.rank(ctx.mm(*ad)) <= inst.p("R")
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("d", [16, 32, 64])
def test_certified_singular_values_agree_with_float64_up_to_d64(d: int) -> None:
    inst = THM.generate(np.random.default_rng(d), index=0, params={"D": d, "L": 4, "R": 2})
    cctx, _, cb = _run("certified", inst, prec=170)
    fctx, _, fb = _run("float", inst, dtype="float64")
    with cctx.session():
        e_c = cctx.sub(cb.m("Wbar"), cctx.prod(list(cb.m("W")), d))
    e_f = fctx.sub(fb.m("Wbar"), fctx.prod(list(fb.m("W")), d))
    s_f = np.linalg.svd(e_f[0].numpy(), compute_uv=False)
    for i in (1, 2 * 4 + 1, d):
        s = cctx.sv(e_c, i)
        assert float(s.rad()) < 1e-30
        # float64 is well conditioned for singular values (Weyl): error ~ eps * ||E||
        assert abs(float(s.mid()) - s_f[i - 1]) <= 1e-12 * s_f[0]


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_low_precision_deviation_is_reported_never_a_verdict(dtype: str) -> None:
    from verifier import check_theorem

    v = check_theorem(THM, CheckSettings(level="certified", examples=4, seed=3, dtypes=("float64", dtype)),
                      claims=["optimum-attained", "no-better-adapters"])
    assert all(c.status == "holds" and c.evidence == "certified" for c in v.claims)
    dev = v.claims[1].float_deviation
    assert dtype in dev and dev[dtype]["max_rel"] > dev["float64"]["max_rel"]


def test_float_failure_alone_never_violates() -> None:
    """bfloat16 screening fails the construction badly; escalation must still certify it holds."""
    from verifier import check_theorem

    v = check_theorem(THM, CheckSettings(level="float", examples=6, seed=5, dtypes=("bfloat16",)),
                      claims=["optimum-attained"])
    c = v.claims[0]
    assert c.status == "holds" and c.counts["violated"] == 0
    # the claim's evidence is the weakest among its instances; the escalated ones were certified
    assert c.evidence == "float"
    assert any(o.evidence == "certified" for o in c.outcomes)
