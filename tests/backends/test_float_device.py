"""The float tier on CUDA: batched screening stays on the device (skipped where there is no GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from verifier import get_context, get_theorem

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")]


def test_rlin_batch_on_cuda_agrees_with_cpu() -> None:
    thm = get_theorem("R-LIN")
    insts = [thm.generate(np.random.default_rng(k), index=0, params={"D": 16, "L": 2, "R": 2}) for k in range(8)]
    claim = thm.claim("optimum-attained")
    out = {}
    for device in ("cpu", "cuda"):
        ctx = get_context("float", dtype="float64", device=device)
        with ctx.session():
            b = ctx.bind(insts)
            cons = thm.construction(ctx, b)
            (cmp,) = claim.evaluate(ctx, b, cons)
            assert device == "cpu" or cmp.lhs.device.type == "cuda"  # computed where the data is
            out[device] = [d.lhs_value for d in ctx.decide(cmp)]
        if device == "cuda":
            assert ctx.describe()["svd_driver"] == "gesvda"
    assert np.allclose(out["cpu"], out["cuda"], rtol=1e-6)
