"""The paper package's report sections (its synthetic experiments, the float-stability study) and its
`verifier reproduce` command, on the engine's public hooks (`ReportSection`, `Command`)."""

from __future__ import annotations

import argparse
import shlex
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from verifier import Command, Figure, ReportSection, SectionSettings, UsageError


def _run_reproduction(s: SectionSettings) -> dict[str, Any]:
    from theorems.zeng_lee.reproduce import ReproduceSettings, run_reproduction

    over: dict[str, Any] = {"progress": s.progress}
    if s.options.get("experiments"):
        over["experiments"] = tuple(s.options["experiments"])
    rs = ReproduceSettings.quick_settings(**over) if s.quick else ReproduceSettings(**over)
    return run_reproduction(rs)


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
        out.append(f"experiment {ex['id']:<13} {sum(x is True for x in seen)}/{len(seen)} reported shapes observed "
                   f"({ex['seconds']:.0f} s)")
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


def _experiments(text: str) -> tuple[str, ...]:
    from theorems.zeng_lee.reproduce import EXPERIMENTS

    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [n for n in names if n not in EXPERIMENTS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(EXPERIMENTS)}, got {text!r}")
    return names


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="reports", help="output directory (default: reports)")
    p.add_argument("--quick", action="store_true", help="seconds: D = 4, two seeds, a few steps (for tests)")
    p.add_argument("--experiments", type=_experiments, default=None,
                   help="comma-separated subset of linear,fnn,tfn,final-layers,bias (default: all)")
    p.add_argument("--no-stability", action="store_true", help="skip the float-stability section")
    p.add_argument("--quiet", action="store_true", help="no progress bars, no summary")


def _reproduce(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier.report import write_report

    t0 = time.perf_counter()
    out = Path(a.out)
    s = SectionSettings(quick=a.quick, progress=not a.quiet, out=out,
                        options={"experiments": a.experiments} if a.experiments else {})
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

__all__ = ["REPRODUCE", "REPRODUCTION", "STABILITY"]
