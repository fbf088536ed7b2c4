"""The paper's synthetic experiments (Fig. 1, 3, 4, 5, G.4-G.7) at its protocol, beside the certified theory.

The work is split into panels (one model shape each, one batched program each, `_panels`); the
figures are views over them: Fig. 1/3/4's FNN panels also carry G.5's frozen-bias runs, G.6's
training curves and G.7's finite-sample runs. `jobs` > 1 runs panels in worker processes.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from typing import Any

from theorems.zeng_lee.reproduce import _checks as chk
from theorems.zeng_lee.reproduce._panels import Method, Panel
from theorems.zeng_lee.reproduce._settings import NOT_REPRODUCED, ReproduceSettings


def panels(s: ReproduceSettings) -> list[Panel]:
    """The panels the selected experiments need, most expensive first (for the worker pool)."""
    e = set(s.experiments)
    both = ("random", "pretrained")
    out = []
    if "linear" in e:
        out.append(Panel("linear", "linear", 1, 2, (Method("lora", s.gd_ranks, both, tune_bias=False),), both,
                         s.ranks, 1))
    for salt, (td, depth) in ((2, (1, 2)), (3, (2, 4))):
        if not e & {"fnn", "curves", "finite"} and not ("bias" in e and td == 1):
            continue
        kinds = both if "fnn" in e else ("random",)
        sizes = tuple(sorted(set(s.gd_ranks) | (set(s.curve_ranks) if "curves" in e else set())))
        methods = [Method("lora", sizes, kinds)]
        if "bias" in e and td == 1:
            methods.append(Method("lora-no-bias", s.gd_ranks, tune_bias=False))
        if "finite" in e:
            methods.append(Method("finite", s.finite_ranks, pool=s.finite_sizes[td - 1]))
        out.append(Panel(f"fnn-{td}-{depth}", "fnn", td, depth, tuple(methods), kinds, s.ranks, salt))
    if "final-layers" in e:
        out.append(Panel(f"fnn-1-{s.final_depth}", "fnn", 1, s.final_depth,
                         (Method("lora", s.final_sizes), Method("final-layers", s.final_sizes, final_layers=True)),
                         ("random",), tuple(range(1, s.final_depth)), 4))
    if "tfn" in e:
        out += [Panel(f"tfn-{d}", "tfn", d, d, (Method("lora", s.tfn_gd_ranks),), both, s.ranks, 10 + d)
                for d in s.tfn_depths]
    return sorted(out, key=lambda p: -panel_cost(p, s))


def panel_cost(p: Panel, s: ReproduceSettings) -> float:
    """Rough CPU-seconds of a panel's training (measured per run and step on one core), to order the pool."""
    from theorems.zeng_lee.reproduce._panels import run_table

    runs = len(run_table(p, s)[0])
    if p.family == "tfn":
        return runs * s.tfn_steps * s.tfn_batch / 64 * p.depth * 1e-3
    per_step = 7e-6 if p.family == "linear" else (15 + 14 * p.depth) * 1e-6
    return runs * s.steps * s.batch / 256 * per_step


def certified_ranks(p: Panel, thr: int, s: ReproduceSettings) -> list[int]:
    if p.family == "linear":
        return list(p.construction_ranks)
    if p.depth > 4:
        return list(p.construction_ranks)
    want = {p.construction_ranks[0], thr - 1, thr, p.construction_ranks[-1]} if p.family == "fnn" else {thr - 1, thr}
    return sorted(r for r in want if r in p.construction_ranks)


def panel_job(p: Panel, s: ReproduceSettings, tick: Any = None) -> dict[str, Any]:
    """Run one panel and its certified rows; returns JSON-ready data (no tensors). Top level: picklable."""
    import torch

    from theorems.zeng_lee.reproduce._certify import certify
    from theorems.zeng_lee.reproduce._panels import run_panel

    old = torch.get_num_threads()
    torch.set_num_threads(s.threads)
    cpu0 = time.process_time()
    try:
        res = run_panel(p, s, tick)
        models = res.pop("models")
        t0 = time.perf_counter()
        n_in = min(s.cert_inputs, 8) if p.family == "tfn" else s.cert_inputs
        res["certified"] = [certify(p.family, models, kind, 0, r, p.depth, p.target_depth, n_in, s.cert_prec,
                                    s.cert_max_prec)
                            for kind in p.construction_frozen for r in certified_ranks(p, res["threshold"], s)]
        res["seconds"]["certified"] = round(time.perf_counter() - t0, 2)
        # CPU time of this process: what the panel costs on an idle core, whatever else the machine runs
        res["cpu_seconds"] = round(time.process_time() - cpu0, 2)
        return res
    finally:
        torch.set_num_threads(old)


def run_panels(s: ReproduceSettings, todo: Sequence[Panel]) -> dict[str, dict[str, Any]]:
    """Every panel, inline (jobs = 1, with a per-step progress bar) or in `jobs` worker processes."""
    bar = None
    if s.progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="reproduce (panels)", unit="panel", leave=True)
    out: dict[str, dict[str, Any]] = {}
    try:
        import os

        jobs = min(s.jobs, len(todo), os.cpu_count() or 1)
        if jobs == 1:
            for p in todo:
                if bar is not None:
                    bar.set_postfix_str(p.id)
                out[p.id] = panel_job(p, s)
                if bar is not None:
                    bar.update(1)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor, as_completed

            ctx = multiprocessing.get_context("spawn")  # fork after torch has run threads can deadlock
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futs = {pool.submit(panel_job, p, s): p for p in todo}
                for f in as_completed(futs):
                    out[futs[f].id] = f.result()
                    if bar is not None:
                        bar.set_postfix_str(futs[f].id)
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return out


# -- figures --------------------------------------------------------------------------------------


def _get(res: dict[str, Any], method: str, frozen: str) -> dict[str, Any] | None:
    return next((x for x in res["series"] if x["method"] == method and x["frozen"] == frozen), None)


def _panel_label(res: dict[str, Any]) -> str:
    if res["family"] == "linear":
        return f"linear, (Lbar, L) = ({res['target_depth']}, {res['depth']})"
    if res["family"] == "tfn":
        return f"TFN, L = {res['depth']}"
    return f"FNN, (Lbar, L) = ({res['target_depth']}, {res['depth']})"


def _relabel(series: Sequence[dict[str, Any]], panel: str) -> list[dict[str, Any]]:
    return [dict(x, panel=panel) for x in series]


def _construction_checks(res: dict[str, Any], label: str) -> list[dict[str, Any]]:
    out = []
    for kind in ("random", "pretrained"):
        c = _get(res, "construction", kind)
        if c is None:
            continue
        out.append(chk.vanishes(f"{label}, {kind}", c, res["threshold"]))
        cr = chk.vanishes_certified(f"{label}, {kind}", res["certified"], kind, res["threshold"])
        if cr is not None:
            out.append(cr)
    return out


def _base(ex_id: str, title: str, description: str, results: Sequence[dict[str, Any]], methods: Sequence[str],
          paper: str) -> dict[str, Any]:
    series, thresholds, cert = [], [], []
    for res in results:
        label = _panel_label(res)
        series += _relabel([x for x in res["series"] if x["method"] in methods], label)
        thresholds.append({"panel": label, "x": res["threshold"], "label": f"R = {res['threshold']}"})
        cert += [dict(c, panel=label) for c in res["certified"]]
    return {"id": ex_id, "title": title, "paper": paper, "description": description, "x_label": "LoRA rank R",
            "y_label": "test MSE", "y_log": True, "thresholds": thresholds, "series": series, "certified": cert,
            "checks": [], "panels": [res["id"] for res in results],
            "pretraining": {_panel_label(r): r["pretraining"] for r in results if r.get("pretraining")},
            "selection": {_panel_label(r): _selection_summary(r) for r in results},
            "seconds": sum(sum(r["seconds"].values()) for r in results)}


def _selection_summary(res: dict[str, Any]) -> dict[str, Any]:
    """How often each learning rate / weight decay won the validation selection (evidence for the grid)."""
    lrs: dict[str, int] = {}
    wds: dict[str, int] = {}
    for sel in res["selection"]:
        for lr, wd in zip(sel["lr"], sel["wd"], strict=True):
            lrs[f"{lr:g}"] = lrs.get(f"{lr:g}", 0) + 1
            wds[f"{wd:g}"] = wds.get(f"{wd:g}", 0) + 1
    first_wd = [sel["wd"][0] for sel in res["selection"]]
    ratios = [x for sel in res["selection"] for x in sel.get("reduced_grid_val_ratio", []) if x is not None]
    return {"lr": lrs, "wd": wds, "first_seed_wd_positive": sum(w > 0 for w in first_wd), "groups": len(first_wd),
            "runs": res["runs"], "reduced_grid_val_ratio_max": max(ratios) if ratios else None,
            "reduced_grid_val_ratio_median": statistics.median(ratios) if ratios else None}


def fig_linear(res: dict[str, Any], s: ReproduceSettings) -> dict[str, Any]:
    ex = _base("linear", "Fig. 1 (left): linear model, (Lbar, L) = (1, 2)",
               f"Target Wbar x, frozen W_2 W_1, D = {s.D}. Construction: R-LIN; gradient descent: Adam on the LoRA "
               "factors. MSE = the exact expectation ||prod(W + dW) - Wbar||_F^2 / D over standard-normal inputs. "
               f"Threshold ceil(D / L) = {res['threshold']}.", [res], ("construction", "lora"), "Fig. 1")
    label = _panel_label(res)
    ex["checks"] = _construction_checks(res, label)
    for kind in ("random", "pretrained"):
        c, g = _get(res, "construction", kind), _get(res, "lora", kind)
        if c and g:
            ex["checks"].append(chk.tracks(f"{label}, {kind}", c, g, res["threshold"]))
    ex["checks"] += _pretrained_checks(res, label)
    return ex


def _pretrained_checks(res: dict[str, Any], label: str) -> list[Any]:
    """Fig. 1's "pretrained frozen models need less rank", for the construction and gradient descent."""
    out = []
    for method, what in (("construction", "construction"), ("lora", "gradient descent")):
        r, p = _get(res, method, "random"), _get(res, method, "pretrained")
        if r and p:
            out.append(chk.pretrained_less(label, r, p, res["threshold"], what))
    return out


def fig_fnn(results: Sequence[dict[str, Any]], s: ReproduceSettings) -> dict[str, Any]:
    ex = _base("fnn", "Fig. 1 (right), Fig. 3, Fig. 4: FNN, (Lbar, L) = (1, 2) and (2, 4)",
               f"ReLU networks of width D = {s.D} (ReLU on the output layer too), random and pretrained frozen models. "
               "Construction: R-UNI (R-LIN per block of the uniform partition, then biases); gradient descent: Adam on "
               "the LoRA factors and the biases. Threshold ceil(D / M), M = floor(L / Lbar) = 2.", results,
               ("construction", "lora"), "Fig. 1, 3, 4")
    for res in results:
        label = _panel_label(res)
        ex["checks"] += _construction_checks(res, label)
        for kind in ("random", "pretrained"):
            c, g = _get(res, "construction", kind), _get(res, "lora", kind)
            if c and g:
                ex["checks"].append(chk.gd_better_small(f"{label}, {kind}", c, g, res["threshold"]))
                ex["checks"].append(chk.large_rank(f"{label}, {kind}", c, g))
        ex["checks"] += _pretrained_checks(res, label)
    return ex


def fig_tfn(results: Sequence[dict[str, Any]], s: ReproduceSettings) -> dict[str, Any]:
    ex = _base("tfn", f"Fig. 5: transformer, L in {{{', '.join(str(r['depth']) for r in results)}}}, H = {s.heads}",
               f"the paper's TFN (p. 8, 36-37: column-softmax attention, ReLU FFN, no norm or skip, output "
               f"softmax(W_o Z_L)), "
               f"D = {s.D}, N = {s.tokens}; attention weights standard Gaussian, W_1, W_2, W_o Xavier-uniform. "
               "Construction: R-TFN (R-LIN with L = 2 on (W_Q, W_K^T), (W_V, W_O) per head and on (W_2L, W_o)); "
               f"gradient descent on those LoRA factors and the biases. Threshold ceil(D / 2) = {-(-s.D // 2)}.",
               results, ("construction", "lora"), "Fig. 5")
    for res in results:
        ex["checks"] += _construction_checks(res, _panel_label(res))
    return ex


def fig_final(res: dict[str, Any], s: ReproduceSettings) -> dict[str, Any]:
    d, depth = s.D, res["depth"]
    params = {k: (2 * k * d * depth, k * d * d) for k in s.final_sizes}
    ex = _base("final-layers", f"G.4: LoRA vs tuning the final layers, (Lbar, L) = (1, {depth})",
               f"Random frozen FNN of depth {depth}, one-layer target. LoRA of rank R on every layer (2 R D L weights "
               "+ biases) against the weights and biases of the last k layers (k D^2 weights + biases), at R = k, both "
               f"by gradient descent; the LoRA construction too (exact from R = ceil(D / L) = {res['threshold']}; "
               "R-FLT: final-layer tuning never is).", [res], ("construction", "lora", "final-layers"), "G.4")
    ex["x_label"] = "R (LoRA rank) = k (tuned final layers)"
    ex["params"] = {str(k): {"lora_weights": a, "final_layer_weights": b} for k, (a, b) in params.items()}
    lora, final = _get(res, "lora", "random"), _get(res, "final-layers", "random")
    if lora and final:
        ex["checks"].append(chk.lora_beats_final(lora, final, params))
    ex["checks"] += _construction_checks(res, _panel_label(res) + ", LoRA")
    return ex


def fig_bias(res: dict[str, Any], s: ReproduceSettings) -> dict[str, Any]:
    ex = _base("bias", "G.5: with and without bias tuning, (Lbar, L) = (1, 2)",
               "Gradient descent on the LoRA factors with the biases tuned too, against the LoRA factors alone "
               "(frozen biases); random frozen FNNs, same grid and selection for both.", [res],
               ("lora", "lora-no-bias"), "G.5")
    ex["series"] = [x for x in ex["series"] if x["frozen"] == "random"]
    w, wo = _get(res, "lora", "random"), _get(res, "lora-no-bias", "random")
    if w and wo:
        ex["checks"] += chk.bias_helps(_panel_label(res), w, wo)
    ex["certified"] = []
    return ex


def fig_curves(results: Sequence[dict[str, Any]], s: ReproduceSettings) -> dict[str, Any]:
    series = []
    for res in results:
        label = _panel_label(res)
        for c in res["curves"]:
            series.append({"label": f"R = {c['size']}", "panel": label, "method": "curve", "frozen": "random",
                           "x": c["step"], "median": c["median"], "min": c["median"], "max": c["median"],
                           "values": [], "seeds": list(s.seeds)})
    return {"id": "curves", "title": f"G.6: training curves, R in {list(s.curve_ranks)}", "paper": "G.6",
            "description": "The minibatch training loss of gradient descent (random frozen FNNs, the grid point "
                           "selected per rank and seed), median over seeds, every "
                           f"{s.record_every} steps. The paper prints no statement about these curves to check.",
            "x_label": "Adam step", "y_label": "training MSE (minibatch)", "y_log": True, "thresholds": [],
            "series": series, "certified": [], "checks": [], "panels": [r["id"] for r in results], "seconds": 0.0}


def fig_finite(results: Sequence[dict[str, Any]], s: ReproduceSettings) -> dict[str, Any]:
    ex = _base("finite", "G.7: finite training sets", f"Gradient descent on a fixed training set of "
               f"{s.finite_sizes[0]} ((Lbar, L) = (1, 2)) or {s.finite_sizes[1]} ((2, 4)) samples per seed, against "
               "fresh samples every step (random frozen models); test MSE on the common test set. The paper prints "
               "no statement about G.7 to check.", results, ("lora", "finite"), "G.7")
    ex["series"] = [x for x in ex["series"] if x["frozen"] == "random"]
    ex["certified"] = []
    ex["seconds"] = 0.0
    return ex


def run_reproduction(s: ReproduceSettings | None = None) -> dict[str, Any]:
    """Run the selected experiments; returns the report document's "reproduction" section."""
    import torch

    s = s or ReproduceSettings()
    t0 = time.perf_counter()
    todo = panels(s)
    res = run_panels(s, todo)
    e = set(s.experiments)
    exps = []
    fnn = [res[k] for k in ("fnn-1-2", "fnn-2-4") if k in res]
    if "linear" in e:
        exps.append(fig_linear(res["linear"], s))
    if "fnn" in e:
        exps.append(fig_fnn(fnn, s))
    if "tfn" in e:
        exps.append(fig_tfn([res[f"tfn-{d}"] for d in s.tfn_depths], s))
    if "final-layers" in e:
        exps.append(fig_final(res[f"fnn-1-{s.final_depth}"], s))
    if "bias" in e:
        exps.append(fig_bias(res["fnn-1-2"], s))
    if "curves" in e:
        exps.append(fig_curves(fnn, s))
    if "finite" in e:
        exps.append(fig_finite(fnn, s))
    wall = round(time.perf_counter() - t0, 2)
    return {"settings": s.as_json(), "protocol": protocol_rows(s), "choices": s.choices(),
            "reductions": s.reductions(), "not_reproduced": [{"figure": f, "what": w, "why": y}
                                                             for f, w, y in NOT_REPRODUCED],
            "experiments": exps, "panels": {k: {"seconds": v["seconds"], "cpu_seconds": v["cpu_seconds"],
                                                "runs": v["runs"]} for k, v in res.items()},
            "timings": {ex["id"]: round(ex["seconds"], 2) for ex in exps}, "seconds": wall,
            "torch": {"version": torch.__version__, "threads": s.threads, "jobs": s.jobs, "device": s.device,
                      "train_dtype": s.dtype}}


def protocol_rows(s: ReproduceSettings) -> list[dict[str, str]]:
    """The printed protocol next to what this run did, item by item."""
    def same(a: Any, b: Any) -> str:
        return "as printed" if a == b else "reduced"

    grid = f"lr {list(s.lrs)} x wd {list(s.wds)}"
    if s.grid_seeds < len(s.seeds):
        grid += f" at the first {s.grid_seeds} seed(s); lr {list(s.reduced_lrs)} at wd 0 at the others"
    return [
        {"item": "adapter", "paper": "dW = A B^T, A, B in R^{D x R}, Hu et al. initialisation",
         "here": f"dW = A B^T, A = 0, B ~ N(0, {s.lora_std}^2)", "status": "as printed (variance chosen)"},
        {"item": "frozen and target weights", "paper": "Xavier-uniform; TFN attention weights standard Gaussian",
         "here": ("Xavier-uniform" if s.init == "xavier" else "U(+-1/sqrt(D)) (--init pytorch)")
                 + "; TFN attention standard Gaussian; biases U(+-1/sqrt(D))",
         "status": "as printed (biases chosen)" if s.init == "xavier" else "the parenthesis' reading"},
        {"item": "optimiser and grid", "paper": "Adam, lr {1e-2, 1e-3, 1e-4} x weight decay {0, 1e-2, 1e-3, 1e-4}",
         "here": grid, "status": "as printed" if s.grid_seeds == len(s.seeds) else "reduced"},
        {"item": "selection", "paper": "validation loss on 256 standard-normal samples",
         "here": f"validation loss on {s.val_samples} samples per seed, per (rank, seed, method, frozen kind)",
         "status": same(s.val_samples, 256)},
        {"item": "training", "paper": "5,000 iterations, 256 fresh standard-normal samples each",
         "here": f"{s.steps} iterations of {s.batch} (TFN: {s.tfn_steps} of {s.tfn_batch})",
         "status": "as printed (TFN reduced)" if (s.steps, s.batch) == (5000, 256) else "reduced"},
        {"item": "seeds", "paper": "five, median reported", "here": f"{len(s.seeds)}: {list(s.seeds)}, median",
         "status": same(len(s.seeds), 5)},
        {"item": "pretrained frozen models", "paper": "full-rank updates until the error is reduced by 1/3",
         "here": f"Adam lr {s.pretrain_lr} on all weights and biases until the loss <= {s.pretrain_stop:.3g} x start "
                 f"(at most {s.pretrain_max_steps} steps)",
         "status": "as printed" if math.isclose(s.pretrain_stop, 2 / 3) else "another reading"},
        {"item": "D", "paper": "16", "here": str(s.D), "status": same(s.D, 16)},
    ]


__all__ = ["panel_job", "panels", "protocol_rows", "run_panels", "run_reproduction"]
