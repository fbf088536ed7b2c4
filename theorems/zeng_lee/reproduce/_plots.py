"""Figures of the reproduction and stability sections, drawn from the report document's data.

matplotlib's object API (no pyplot, no global backend switch): a bare `Figure` renders SVG and PNG
by itself, so importing this module changes nothing for anyone else. Text is drawn as paths and
ids are salted deterministically, so the SVG is self-contained and stable across runs.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

_METHOD_COLOURS = {"construction": "#1f5fbf", "lora": "#e07b00", "final-layers": "#7a3db8", "lora-no-bias": "#2a9d8f",
                   "finite": "#d1495b"}
_CURVE_COLOURS = ("#1f5fbf", "#2a9d8f", "#e07b00", "#d1495b", "#7a3db8", "#444444")
_DTYPE_COLOURS = {"float64": "#1f5fbf", "float32": "#2a9d8f", "tf32": "#8c8c8c", "bfloat16": "#d1495b",
                  "float16": "#e07b00"}
FLOOR = 1e-32  # log-scale floor: exact zeros and values below are drawn here


def _rc() -> dict[str, Any]:
    return {"svg.fonttype": "path", "svg.hashsalt": "verifier-report", "font.size": 9, "axes.titlesize": 10,
            "axes.grid": True, "grid.alpha": 0.3, "figure.dpi": 100}


def _render(fig: Any, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def _svg_text(data: bytes) -> str:
    """SVG markup without the XML prolog (usable inline or as a data URI)."""
    text = data.decode()
    return text[text.index("<svg"):]


def _panels(series: Sequence[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for s in series:
        if s["panel"] not in out:
            out.append(s["panel"])
    return out


def experiment_figure(ex: dict[str, Any]) -> Any:
    """One row of panels: median per x with a min..max band over seeds, thresholds dotted, and the
    certified values of the construction (first seed) as black diamonds beside the float64 curves."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(_rc()):
        panels = _panels(ex["series"])
        fig = Figure(figsize=(5.2 * max(1, len(panels)), 3.6), layout="constrained")
        axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
        vals = [v for s in ex["series"] for v in s["median"] if v is not None and v > 0]
        # an exploded curve (float64 rounding in a deep construction) must not flatten the others
        tame = [v for v in vals if v < 1e3]
        top = max(tame) * 20 if tame else 1.0
        clipped = False
        for ax, panel in zip(axes, panels, strict=False):
            for k, s in enumerate(x for x in ex["series"] if x["panel"] == panel):
                colour = (_CURVE_COLOURS[k % len(_CURVE_COLOURS)] if s["method"] == "curve"
                          else _METHOD_COLOURS.get(s["method"], "#444"))
                ls = "--" if s.get("frozen") == "pretrained" else "-"
                marker = "" if s["method"] == "curve" else "o" if s["method"] == "construction" else "s"
                # null = non-finite (overflowed): drawn above the axis like any exploded value
                ys = [math.inf if v is None else max(v, FLOOR) for v in s["median"]]
                lo = [math.inf if v is None else max(v, FLOOR) for v in s["min"]]
                hi = [math.inf if v is None else max(v, FLOOR) for v in s["max"]]
                if any(y > top for y in ys):
                    clipped = True
                    over = [(x, top) for x, y in zip(s["x"], ys, strict=True) if y > top]
                    ax.plot(*zip(*over, strict=True), linestyle="none", marker="^", color=colour, markersize=7)
                    ys = [min(y, top) for y in ys]
                lo, hi = [min(y, top) for y in lo], [min(y, top) for y in hi]
                ax.plot(s["x"], ys, ls, marker=marker, markersize=3.5, color=colour, label=s["label"], linewidth=1.5)
                if s["method"] != "curve":
                    ax.fill_between(s["x"], lo, hi, color=colour, alpha=0.12, linewidth=0)
            cert = [c for c in ex.get("certified", []) if c.get("panel") == panel and c.get("certified") is not None]
            if cert:
                ax.plot([c["rank"] for c in cert], [min(max(c["certified"], FLOOR), top) for c in cert],
                        linestyle="none", marker="D", markerfacecolor="none", color="black", markersize=5,
                        label="construction, certified (first seed)")
            for t in ex.get("thresholds", []):
                if t["panel"] == panel:
                    ax.axvline(t["x"], color="#b3261e", linestyle=":", linewidth=1.4)
                    ax.annotate(t.get("label", f"threshold {t['x']}"), (t["x"], 1.0),
                                xycoords=("data", "axes fraction"),
                                xytext=(3, -12), textcoords="offset points", color="#b3261e", fontsize=8)
            ax.set_yscale("log")
            ax.set_ylim(top=top * 1.5)
            if ex["id"] == "curves":
                ax.set_xscale("log")
            else:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(panel)
            ax.set_xlabel(ex.get("x_label", "x"))
            ax.set_ylabel(ex.get("y_label", "MSE") + " (median over seeds)")
            ax.legend(fontsize=7, loc="best")
        if clipped:
            fig.suptitle("▲ = above the axis (float64 rounding of the construction; values in the table); "
                         "values below 1e-32 drawn at 1e-32", fontsize=8, color="#555")
        return fig


def stability_figure(st: dict[str, Any]) -> Any:
    """Error of the float construction against the certified value: panels per depth L, x = width D."""
    import matplotlib
    from matplotlib.figure import Figure

    rows = st.get("rows", [])
    depths = sorted({r["L"] for r in rows})
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(3.4 * max(1, len(depths)), 3.4), layout="constrained")
        axes = fig.subplots(1, max(1, len(depths)), squeeze=False, sharey=True)[0]
        top, floor = 1e4, 1e-17
        for ax, depth in zip(axes, depths, strict=False):
            for dtype in dict.fromkeys(r["dtype"] for r in rows):
                for regime, ls in (("exact (R = ceil(D/L))", "-"), ("below threshold", "--")):
                    pts = sorted((r["D"], r) for r in rows if r["L"] == depth and r["dtype"] == dtype
                                 and r["regime"] == regime and r.get("status") == "measured")
                    if not pts:
                        continue
                    xs = [d for d, _ in pts]
                    ys = [min(max(r["rel_error"], floor), top) if r.get("rel_error") is not None else top
                          for _, r in pts]
                    colour = _DTYPE_COLOURS.get(dtype, "#444")
                    ax.plot(xs, ys, ls, marker="o", markersize=3, color=colour,
                            label=dtype if regime.startswith("exact") else None, linewidth=1.3)
                    bad = [(d, top) for d, r in pts if r.get("rel_error") is None]
                    if bad:
                        ax.plot(*zip(*bad, strict=True), linestyle="none", marker="x", color=colour, markersize=7)
            ax.axhline(1.0, color="#b3261e", linestyle=":", linewidth=1.2)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_ylim(floor / 2, top * 3)
            ax.set_title(f"L = {depth}")
            ax.set_xlabel("width D")
        axes[0].set_ylabel("|float - certified| / ||E||_2")
        axes[0].legend(fontsize=7, loc="upper left")
        fig.suptitle("R-LIN construction in finite precision (solid: R = ceil(D/L); dashed: below; "
                     "x: non-finite; dotted: no correct digit)", fontsize=8, color="#333")
        return fig


def figures(doc: dict[str, Any]) -> dict[str, Any]:
    """matplotlib Figures by id: one per reproduction experiment, and "stability"."""
    out = {}
    for ex in (doc.get("reproduction") or {}).get("experiments", []):
        out[ex["id"]] = experiment_figure(ex)
    if doc.get("stability"):
        out["stability"] = stability_figure(doc["stability"])
    return out


def render_figures(doc: dict[str, Any], png: bool = False) -> dict[str, tuple[str, bytes | None]]:
    """(SVG markup, PNG bytes or None) by figure id, for the report writer."""
    return {k: (_svg_text(_render(f, "svg")), _render(f, "png") if png else None) for k, f in figures(doc).items()}


__all__ = ["experiment_figure", "figures", "render_figures", "stability_figure"]
