"""The FNN (R-FNN1) and transformer (R-TFN) constructions at D = 64, certified directly and a posteriori.

"direct" is the spec's construction run inside ball arithmetic (inverses of products in the
balls), as `verifier check --level certified` runs it today. "witness" wraps the same spec
functions with `verifier.witness` (without editing the spec): the free choices (adapters and
biases) are computed in python-flint midpoint arithmetic and adopted as exact values, and
everything derived from them (adapted weights, enclosures on the domain, parameter identities) is
recomputed in ball arithmetic before the claims compare it. Both run through the checker's
escalation ladder; "decided" means no comparison stayed unknown. One run each.

Usage: python benchmarks/bench_witness_models.py [--D 64] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from theorems.zeng_lee.models.fnn.construct import Adapted, block_targets, certify_on_domain
from theorems.zeng_lee.models.fnn.domain import box_enclosure
from theorems.zeng_lee.models.fnn.model import FNN
from theorems.zeng_lee.models.fnn.spec import Built, build, domain_from_options, output_relu_of
from theorems.zeng_lee.models.linear import adapted_weights
from theorems.zeng_lee.models.tfn import TFN, Construction, construct, load_tfn, parameter_identities
from verifier import CheckSettings, get_theorem, witness
from verifier._backends._approx import ApproxContext
from verifier._check import with_probes
from verifier._evaluate import Runner


class _BallsNamedApprox(ApproxContext):
    level = "certified"


def fnn_one_witness(ctx: Any, b: Any) -> Built:
    """R-FNN1's construction with its adapters and biases as an a-posteriori witness."""
    big_l, r = b.params["L"], b.params["R"]
    blocks, ranks = (tuple(range(big_l)),), [r] * big_l
    if ctx.witness_context() is None:
        return build(ctx, b, blocks, ranks)

    def free(actx: Any, ab: Any) -> tuple[Any, Any]:
        ad = build(actx, ab, blocks, ranks).adapted
        return ad.adapters, ad.net.biases

    # the FNN domain code branches on level names ("mp" means mpmath there): the midpoint
    # arithmetic is handed to it under the name of the balls it computes with
    actx = _BallsNamedApprox(bits=ctx.prec, svd_bits=ctx.witness_context().svd_bits)
    adapters, biases = witness(ctx, b, free, using=actx)
    ws = list(b.m("W"))
    targets = block_targets(ctx, b.m("Wbar"), b.m("bbar"))
    net = FNN(tuple(adapted_weights(ctx, ws, adapters)), tuple(biases), output_relu_of(b.options))
    ad = Adapted(net, tuple(adapters), blocks, tuple(targets))
    dom = domain_from_options(b.options, b.params["D"])
    return Built(ad, dom, certify_on_domain(ctx, ad, box_enclosure(ctx, dom)), tuple(ranks))


def tfn_witness(ctx: Any, b: Any) -> Construction:
    """R-TFN's construction with its adapters and second-layer biases as an a-posteriori witness."""
    r = b.params["R"]
    if ctx.witness_context() is None:
        return construct(ctx, load_tfn(b), load_tfn(b, target=True), r)

    def free(actx: Any, ab: Any) -> tuple[Any, Any]:
        c = construct(actx, load_tfn(ab), load_tfn(ab, target=True), r)
        return tuple(ad for _label, ad in c.adapters), c.adapted.b2

    ads, b2 = witness(ctx, b, free)
    f, t = load_tfn(b), load_tfn(b, target=True)
    labels = [label for label, _ in construct_labels(f)]
    by = dict(zip(labels, ads, strict=True))

    def adapt(w: Any, ad: Any) -> Any:
        return w if ad is None else ctx.add(w, ctx.mm(ad[0], ad[1]))

    heads = {k: tuple(tuple(adapt(getattr(f, "w" + k)[i][h], by[f"dW_{k.upper()}[{i + 1},{h + 1}]"])
                            for h in range(f.H)) for i in range(f.L)) for k in ("q", "k", "v", "o")}
    w2 = (*f.w2[:-1], adapt(f.w2[-1], by[f"dW_2[{f.L}]"]))
    adapted = TFN(heads["q"], heads["k"], heads["v"], heads["o"], w1=f.w1, b1=tuple(t.b1), w2=w2, b2=tuple(b2),
                  wout=adapt(f.wout, by["dW_o"]), options=f.options)
    return Construction(adapted, tuple(zip(labels, ads, strict=True)), tuple(parameter_identities(ctx, adapted, t)))


def construct_labels(f: TFN) -> list[tuple[str, None]]:
    """The adapter labels `construct` produces, in its order."""
    out: list[tuple[str, None]] = []
    for i in range(f.L):
        for h in range(f.H):
            out += [(f"dW_Q[{i + 1},{h + 1}]", None), (f"dW_K[{i + 1},{h + 1}]", None)]
            out += [(f"dW_V[{i + 1},{h + 1}]", None), (f"dW_O[{i + 1},{h + 1}]", None)]
    return [*out, (f"dW_2[{f.L}]", None), ("dW_o", None)]


def run(thm: Any, inst: Any, claims: list[str], timeout_note: str = "") -> dict[str, Any]:
    runner = Runner(thm, CheckSettings(level="certified"))
    t0 = time.perf_counter()
    decided, statuses = True, {}
    for cid in claims:
        try:
            decs, why = runner.decisive(thm.claim(cid), inst, 0, "certified")
        except Exception as e:  # a spec failing at this size is a figure, not a crash of the benchmark
            decs, why = None, f"{type(e).__name__}: {str(e)[:120]}"
        if decs is None:
            decided, statuses[cid] = False, why[:160]
            continue
        decided &= all(d.status in ("holds", "fails") for d in decs)
        statuses[cid] = ",".join(sorted({d.status for d in decs}))
    bits = sorted({c.get("prec_bits") for c in (x.describe() for x in runner.ctx.values()) if "prec_bits" in c})
    return {"seconds": time.perf_counter() - t0, "decided": decided, "statuses": statuses, "prec_bits": bits}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--D", type=int, default=64)
    ap.add_argument("--skip-direct", action="store_true", help="only the a-posteriori runs")
    ap.add_argument("--json", dest="json_path")
    a = ap.parse_args(argv)
    d = a.D
    cases = [
        ("R-FNN1", {"D": d, "L": 4, "R": d // 4}, fnn_one_witness),
        ("R-TFN", {"D": d, "H": 2, "L": 2, "N": 4, "R": d // 2}, tfn_witness),
    ]
    rows = []
    print(f"constructions at D = {d}, certified: direct (inside the balls) vs a posteriori (verifier.witness); "
          f"one run each")
    for tid, params, wrapped in cases:
        thm = get_theorem(tid)
        inst = thm.generate(np.random.default_rng(0), index=0, params=params)  # type: ignore[misc]
        claims = [c.id for c in thm.claims if "certified" in c.levels]
        inst = with_probes(thm, [inst], 0, claims)[0]
        for how, t in (("witness", replace(thm, construction=wrapped)), ("direct", thm)):
            if how == "direct" and a.skip_direct:
                continue
            r = run(t, inst, claims)
            rows.append({"theorem": tid, "parameters": params, "how": how, **r})
            print(f"{tid:<7} {how:<8} {r['seconds']:8.2f} s  decided={'yes' if r['decided'] else 'no':<3} "
                  f"bits={r['prec_bits']}  {r['statuses']}", flush=True)
    if a.json_path:
        Path(a.json_path).write_text(json.dumps({"benchmark": "witness_models", "D": d, "rows": rows,
                                                 "load_average": os.getloadavg()}, indent=1, default=str))


if __name__ == "__main__":
    main()
