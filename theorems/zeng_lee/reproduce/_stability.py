"""Where the R-LIN construction stops surviving finite precision: its float residual against depth,
width and dtype, next to the certified value the theory predicts.

For each (D, L, R) the same exact instance (dyadic Gaussian weights, so every dtype starts from the
same numbers as far as it can represent them) is run through `theorems.zeng_lee.models.linear.lora_adapters` in
every float dtype and in certified ball arithmetic. The theory says the residual
||prod(W_l + dW_l) - Wbar||_2 equals s_{RL+1}(E); the certified context encloses both the residual
of the construction and s_{RL+1}(E). The reported error is |float residual - certified s_{RL+1}(E)|
relative to ||E||_2: 1 means the float construction is useless.

Two regimes per (D, L): R = ceil(D / L) (exact representation, the theory's residual is 0) and,
where it exists, R = ceil(D / L) // 2 (below the threshold, the residual is s_{RL+1}(E) > 0).
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import numpy as np

from theorems.zeng_lee.reproduce._settings import StabilitySettings
from verifier import Instance, InstanceError, PrecisionExhausted, RatMatrix

GRID = 2**10  # weights rounded to multiples of 1/GRID: exact in every dtype down to float16's range


def _arrays(d: int, depth: int, seed: int) -> list[np.ndarray]:
    """Frozen N(0, 1/D) layers then a random N(0, 1/D) target, on the dyadic grid (exact in float64)."""
    rng = np.random.default_rng([d, depth, seed, 4242])
    return [np.round(rng.standard_normal((d, d)) / math.sqrt(d) * GRID) / GRID for _ in range(depth + 1)]


def instance(d: int, depth: int, seed: int) -> Instance:
    """The exact instance (rank(E) = D almost surely) behind every dtype's run."""
    mats = [RatMatrix.from_numpy(a) for a in _arrays(d, depth, seed)]
    return Instance("stability", {"D": d, "L": depth}, {"W": tuple(mats[:-1]), "Wbar": mats[-1]},
                    origin="stability", seed=seed)


def _construct(ctx: Any, ws: list[Any], wbar: Any, d: int, rank: int) -> Any:
    """The residual prod(W_l + dW_l) - Wbar of the R-LIN construction (rank `rank` per layer) in `ctx`."""
    from theorems.zeng_lee.models.linear import adapted_weights, lora_adapters

    ads = lora_adapters(ctx, ws, wbar, [rank] * len(ws))
    return ctx.sub(ctx.prod(adapted_weights(ctx, ws, ads), d), wbar)


def certified_values(inst: Instance, rank: int, prec: int, max_prec: int = 1360,
                     residual: bool = True) -> dict[str, Any]:
    """Certified enclosures of s_{RL+1}(E), ||E||_2 and the construction's residual norm.

    The residual is retried at doubled precision (up to `max_prec`) while an inverse cannot be
    certified or its enclosure is wider than 1e-12 ||E||_2: the bits needed measure how badly
    conditioned the construction is.
    """
    from verifier import get_context

    d = inst.p("D")
    out: dict[str, Any] = {}
    bits = prec
    while True:
        ctx = get_context("certified", prec=bits, max_prec=max(bits, max_prec))
        with ctx.session():
            b = ctx.bind([inst])
            ws, wbar = list(b.m("W")), b.m("Wbar")
            if "sv" not in out:
                e = ctx.sub(wbar, ctx.prod(ws, d))
                sv = ctx.sv(e, rank * len(ws) + 1)
                out.update(sv=float(sv.mid()), sv_radius=float(sv.rad()), norm_e=float(ctx.norm2(e).mid()))
            if not residual:
                return out
            try:
                r = ctx.norm2(_construct(ctx, ws, wbar, d, rank))
                out.update(residual=float(r.mid()), residual_radius=float(r.rad()), prec=bits)
                out.pop("note", None)
                if out["residual_radius"] <= 1e-12 * out["norm_e"]:
                    return out
            except (PrecisionExhausted, InstanceError, ZeroDivisionError) as exc:
                out.update(residual=None, residual_radius=None, prec=bits,
                           note=f"certified residual not obtained at {bits} bits: {exc}")
        if bits * 2 > max_prec:
            return out
        bits *= 2


def float_residuals(arrays: list[list[np.ndarray]], rank: int, dtype: str, device: str,
                    tf32: bool) -> list[float | None]:
    """The float construction's residual ||prod(W + dW) - Wbar||_2 per instance (None if non-finite)."""
    import torch

    from verifier import get_context

    ctx = get_context("float", dtype=dtype, device=device, tf32=tf32)
    d = arrays[0][0].shape[0]
    # the same tensors `ctx.bind` would load from the exact instance, built from cached arrays
    mats = [torch.from_numpy(np.stack([a[k] for a in arrays])).to(device=ctx.device, dtype=ctx.dtype)
            for k in range(len(arrays[0]))]
    with ctx.session():
        try:
            vals = ctx.norm2(_construct(ctx, mats[:-1], mats[-1], d, rank)).double().cpu().tolist()
        except (RuntimeError, InstanceError):  # singular inverse in low precision: the construction breaks down
            return [None] * len(arrays)
    return [v if math.isfinite(v) else None for v in vals]


def _device(s: StabilitySettings) -> str:
    import torch

    if s.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return s.device


def run_stability(s: StabilitySettings | None = None) -> dict[str, Any]:
    """Measure every (D, L, R, dtype); returns the report document's "stability" section."""
    import torch

    s = s or StabilitySettings()
    old_threads = torch.get_num_threads()
    torch.set_num_threads(s.threads)  # small matrices: one thread is faster and immune to a busy machine
    try:
        return _run(s)
    finally:
        torch.set_num_threads(old_threads)


def _run(s: StabilitySettings) -> dict[str, Any]:
    t0 = time.perf_counter()
    dev = _device(s)
    cases = []
    for d in s.widths:
        for depth in s.depths:
            thr = math.ceil(d / depth)
            cases.append((d, depth, thr, "exact (R = ceil(D/L))"))
            if thr // 2 >= 1 and thr // 2 < thr:
                cases.append((d, depth, thr // 2, "below threshold"))
    bar = None
    if s.progress:
        from tqdm import tqdm

        bar = tqdm(total=len(cases), desc="stability (D, L, R)", unit="case")
    rows = []
    for d, depth, rank, regime in cases:
        arrays = [_arrays(d, depth, seed) for seed in s.seeds]
        # s_{RL+1}(E) is cheap to enclose for every seed; the construction's own residual (inverses
        # at up to max_prec bits) only for `certified_seeds`
        cert = {seed: certified_values(instance(d, depth, seed), rank, s.prec, s.max_prec,
                                       residual=seed in s.certified_seeds) for seed in s.seeds}
        ref = next((cert[x] for x in s.seeds if x in s.certified_seeds), None)
        for dtype in s.dtypes:
            row: dict[str, Any] = {"D": d, "L": depth, "R": rank, "regime": regime, "dtype": dtype, "device": dev,
                                   "certified_sv": None, "certified_sv_radius": None, "certified_residual": None,
                                   "certified_residual_radius": None, "residual": None, "rel_error": None,
                                   "rel_error_max": None, "seeds": list(s.seeds)}
            if ref is not None:
                row.update(certified_sv=ref["sv"], certified_sv_radius=ref["sv_radius"],
                           certified_residual=ref["residual"], certified_residual_radius=ref["residual_radius"],
                           certified_bits=ref["prec"])
                if ref.get("note"):
                    row["certified_note"] = ref["note"]
            if dtype == "tf32" and dev != "cuda":
                row.update(status="not measured", reason="not measured: no GPU (TF32 exists only on CUDA)")
                rows.append(row)
                continue
            base = "float32" if dtype == "tf32" else dtype
            vals = float_residuals(arrays, rank, base, dev, tf32=dtype == "tf32")
            # errors against the certified s_{RL+1}(E) of the same instance (seeds with an enclosure)
            errs = []
            for k, seed in enumerate(s.seeds):
                c = cert.get(seed)
                if c is not None and vals[k] is not None:
                    errs.append(abs(vals[k] - c["sv"]) / c["norm_e"])
            finite = [v for v in vals if v is not None]
            if not finite:
                row.update(status="measured", reason="non-finite: the construction overflowed or a matrix was "
                                                     "singular in this dtype", rel_error=None)
            else:
                first = next((k for k, x in enumerate(s.seeds) if x in s.certified_seeds), 0)
                row.update(status="measured", residual=vals[first], residual_median=statistics.median(finite),
                           rel_error=statistics.median(errs) if errs else None,
                           rel_error_max=max(errs) if errs else None, nonfinite=len(vals) - len(finite))
                if len(finite) < len(vals):
                    row["reason"] = f"{len(vals) - len(finite)} of {len(vals)} seeds non-finite"
            rows.append(row)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    gpu = dev == "cuda"
    notes = [f"Measured on {'the GPU (CUDA)' if gpu else 'the CPU (no GPU here): TF32 rows are not measured'}.",
             "bfloat16 and float16: weights and adapters are stored and multiplied in that dtype; the inverses and "
             "the SVD run in float32 and are rounded back (torch has no half-precision SVD or inverse).",
             f"Certified values: python-flint balls from {s.prec} bits, doubled up to {s.max_prec} bits until the "
             f"construction's residual is enclosed to 1e-12 ||E||_2 (column 'bits'). The residual columns show seed "
             f"{s.certified_seeds[0] if s.certified_seeds else s.seeds[0]}; the error column is the median over seeds "
             f"{list(s.seeds)} of |float residual - certified s_{{RL+1}}(E)| / ||E||_2, each on its own instance."]
    return {"settings": s.as_json(), "device": dev, "rows": rows, "notes": notes,
            "seconds": round(time.perf_counter() - t0, 2),
            "description": ("The R-LIN construction run in each float dtype on the same exact instances "
                            "(N(0, 1/D) weights, random target), against the certified singular value "
                            "s_{RL+1}(E) the theory says the residual equals; error = |float residual - "
                            "certified s_{RL+1}(E)| / ||E||_2, so 1 means no correct digit."),
            "caption": ("Error of the float construction against the certified value, per width D (x) and depth L "
                        "(panels), one line per dtype; solid: R = ceil(D/L) (exact regime), dashed: below the "
                        "threshold. Points at the top edge are non-finite or above the axis.")}


__all__ = ["certified_values", "float_residuals", "instance", "run_stability"]
