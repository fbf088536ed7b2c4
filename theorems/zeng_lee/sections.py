"""The paper package's report sections (its synthetic experiments, the float-stability study) and its
`verifier reproduce` command, on the engine's public hooks (`ReportSection`, `Command`)."""

from __future__ import annotations

import argparse
import math
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from verifier import Command, Figure, ReportSection, SectionSettings, UsageError


def reproduce_settings(quick: bool, options: Mapping[str, Any], device: str = "cpu",
                       progress: bool = False) -> Any:
    """`ReproduceSettings` from a preset (default, --quick, --protocol printed) and explicit overrides."""
    from theorems.zeng_lee.reproduce import ReproduceSettings

    over = {k: v for k, v in options.items() if v is not None and k != "protocol"}
    over.setdefault("device", device)
    over["progress"] = progress
    if quick:
        return ReproduceSettings.quick_settings(**over)
    if options.get("protocol") == "printed":
        return ReproduceSettings.printed(**over)
    return ReproduceSettings(**over)


def _run_reproduction(s: SectionSettings) -> dict[str, Any]:
    from theorems.zeng_lee.reproduce import run_reproduction

    return run_reproduction(reproduce_settings(s.quick, s.options, s.device, s.progress))


def _run_stability(s: SectionSettings) -> dict[str, Any]:
    from theorems.zeng_lee.reproduce import StabilitySettings, run_stability

    st = StabilitySettings.quick_settings(progress=s.progress) if s.quick else StabilitySettings(progress=s.progress)
    return run_stability(st)


def _figures(key: str) -> Any:
    def draw(data: Mapping[str, Any], png: bool) -> dict[str, Figure]:
        from theorems.zeng_lee.reproduce._plots import render_figures

        return {k: Figure(svg, p) for k, (svg, p) in render_figures({key: data}, png).items()}

    return draw


def _markdown(key: str) -> Any:
    def md(data: Mapping[str, Any]) -> str:
        from theorems.zeng_lee.reproduce._markdown import reproduction_markdown

        text = reproduction_markdown({key: data})
        return "\n".join(line for line in text.splitlines() if not line.startswith("## ")).strip() + "\n"

    return md


def _html_reproduction(data: Mapping[str, Any], figs: Mapping[str, str]) -> str:
    from theorems.zeng_lee.reproduce._html import reproduction_html

    return reproduction_html(data, figs)


def _html_stability(data: Mapping[str, Any], figs: Mapping[str, str]) -> str:
    from theorems.zeng_lee.reproduce._html import stability_html

    return stability_html(data, figs)


def _summary_reproduction(data: Mapping[str, Any]) -> list[str]:
    out = []
    for ex in data.get("experiments", []):
        seen = [c["observed"] for c in ex.get("checks", [])]
        out.append(f"experiment {ex['id']:<13} {sum(x is True for x in seen)}/{len(seen)} of the paper's statements "
                   f"observed")
    if data.get("reductions"):
        out.append(f"reductions from the printed protocol: {len(data['reductions'])} (listed in the report)")
    return out


REPRODUCTION = ReportSection(
    id="reproduction", title="The paper's experiments, reproduced", run=_run_reproduction,
    html=_html_reproduction, markdown=_markdown("reproduction"), figures=_figures("reproduction"),
    summary=_summary_reproduction,
)
STABILITY = ReportSection(
    id="stability", title="Float stability of the R-LIN construction", run=_run_stability,
    html=_html_stability, markdown=_markdown("stability"), figures=_figures("stability"),
)


# -- the command line ------------------------------------------------------------------------------


def _experiments(text: str) -> tuple[str, ...]:
    from theorems.zeng_lee.reproduce import EXPERIMENTS

    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [n for n in names if n not in EXPERIMENTS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(EXPERIMENTS)}, got {text!r}")
    return names


def _ints(what: str, lo: int, hi: int) -> Callable[[str], tuple[int, ...]]:
    def parse(text: str) -> tuple[int, ...]:
        try:
            vals = tuple(int(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated integers for {what}, got {text!r}") from None
        if not vals or any(not lo <= v <= hi for v in vals):
            raise argparse.ArgumentTypeError(f"expected comma-separated integers in {lo}..{hi} for {what}, "
                                             f"got {text!r}")
        return vals

    return parse


def _int(what: str, lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer for {what}, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"expected {what} in {lo}..{hi}, got {v}")
        return v

    return parse


def _floats(what: str) -> Callable[[str], tuple[float, ...]]:
    def parse(text: str) -> tuple[float, ...]:
        try:
            vals = tuple(float(x) for x in text.split(",") if x.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers for {what}, got {text!r}") from None
        if not vals or any(not (math.isfinite(v) and 0 < v <= 1) for v in vals):
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers in (0, 1] for {what}, got {text!r}")
        return vals

    return parse


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1) for --pretrain-stop, got {text!r}") from None
    if not (math.isfinite(v) and 0 < v < 1):
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1) for --pretrain-stop, got {text!r}")
    return v


#: option -> ReproduceSettings field
_FIELDS = {"seeds": "seeds", "steps": "steps", "batch": "batch", "grid_seeds": "grid_seeds", "gd_ranks": "gd_ranks",
           "tfn_steps": "tfn_steps", "tfn_batch": "tfn_batch", "tfn_gd_ranks": "tfn_gd_ranks",
           "pretrain_stop": "pretrain_stop", "dtype": "dtype", "jobs": "jobs", "threads": "threads",
           "experiments": "experiments", "protocol": "protocol", "init": "init", "final_sizes": "final_sizes",
           "finite_ranks": "finite_ranks", "tfn_lrs": "tfn_lrs"}


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="reports", help="output directory (default: reports)")
    p.add_argument("--quick", action="store_true", help="seconds: D = 4, two seeds, a few steps (for tests)")
    p.add_argument("--protocol", choices=["default", "printed"], default=None,
                   help="'printed': the paper's protocol with no reduction (hours on 2 CPU cores; for a GPU)")
    p.add_argument("--experiments", type=_experiments, default=None,
                   help="comma-separated subset of linear,fnn,tfn,final-layers,bias,curves,finite (default: all)")
    p.add_argument("--seeds", type=_ints("--seeds", 0, 2**31), default=None, help="seed values (default 0,1,2,3,4)")
    p.add_argument("--steps", type=_int("--steps", 1, 10**6), default=None, help="Adam steps (printed: 5000)")
    p.add_argument("--batch", type=_int("--batch", 1, 65536), default=None, help="samples per step (printed: 256)")
    p.add_argument("--grid-seeds", type=_int("--grid-seeds", 1, 20), default=None,
                   help="seeds that run the whole lr x weight-decay grid (default 1; printed: all)")
    p.add_argument("--gd-ranks", type=_ints("--gd-ranks", 1, 64), default=None, help="gradient-descent ranks")
    p.add_argument("--tfn-steps", type=_int("--tfn-steps", 1, 10**6), default=None, help="TFN Adam steps")
    p.add_argument("--tfn-batch", type=_int("--tfn-batch", 1, 65536), default=None, help="TFN sequences per step")
    p.add_argument("--tfn-gd-ranks", type=_ints("--tfn-gd-ranks", 1, 64), default=None, help="TFN GD ranks")
    p.add_argument("--tfn-lrs", type=_floats("--tfn-lrs"), default=None, help="TFN learning rates (1e-2,1e-3)")
    p.add_argument("--final-sizes", type=_ints("--final-sizes", 1, 31), default=None,
                   help="G.4: LoRA ranks R = final-layer counts k (default 1,2,4,7; printed: 1..7)")
    p.add_argument("--finite-ranks", type=_ints("--finite-ranks", 1, 64), default=None,
                   help="G.7: ranks of the finite-training-set runs (default 1,4,8,16)")
    p.add_argument("--pretrain-stop", type=_fraction, default=None,
                   help="pretraining stops at this fraction of the starting loss (default 2/3: 'reduced by 1/3')")
    p.add_argument("--init", choices=["xavier", "pytorch"], default=None,
                   help="frozen/target weights: Xavier-uniform (printed, default) or nn.Linear's U(+-1/sqrt(D))")
    p.add_argument("--dtype", choices=["float32", "float64"], default=None, help="training dtype (default float32)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="device of the training programs")
    p.add_argument("--jobs", type=_int("--jobs", 1, 64), default=None, help="worker processes (default 2)")
    p.add_argument("--threads", type=_int("--threads", 1, 256), default=None, help="torch threads per worker (1)")
    p.add_argument("--no-stability", action="store_true", help="skip the float-stability section")
    p.add_argument("--quiet", action="store_true", help="no progress bars, no summary")


def _reproduce(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier.report import write_report

    t0 = time.perf_counter()
    out = Path(a.out)
    options = {field: getattr(a, opt) for opt, field in _FIELDS.items() if getattr(a, opt) is not None}
    if a.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda was asked for but no CUDA device is available here")
    reproduce_settings(a.quick, options, a.device)  # validate every option before anything runs (exit 2)
    s = SectionSettings(quick=a.quick, progress=not a.quiet, out=out, device=a.device, options=options)
    sections = [REPRODUCTION] + ([] if a.no_stability else [STABILITY])
    doc = write_report([], out, name="reproduction", sections=[("zeng_lee", sec) for sec in sections],
                       settings=s, command="verifier " + " ".join(shlex.quote(x) for x in argv), png=not a.quick)
    if not a.quiet:
        for entry in doc.get("sections", []):
            for line in _summary_reproduction(entry["data"]) if entry["id"] == "reproduction" else ():
                print(line)
        print(f"wrote {out / 'reproduction.html'}, reproduction.md, reproduction.json and figures/ "
              f"({time.perf_counter() - t0:.0f} s)")
    if not doc.get("sections"):
        raise UsageError("nothing was reproduced")
    return 0


REPRODUCE = Command(name="reproduce", help="the paper's synthetic experiments and the float-stability study",
                    configure=_configure, run=_reproduce)

__all__ = ["REPRODUCE", "REPRODUCTION", "STABILITY", "reproduce_settings"]
