"""HTML of the reproduction and float-stability sections, built with the report's public helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifier.report import ball_text as _side
from verifier.report import escape as _e
from verifier.report import figure as _figure
from verifier.report import num_cell as _num
from verifier.report import slug as _slug
from verifier.report import table as _table

from ._markdown import notes


def reproduction_html(rep: Mapping[str, Any], figs: Mapping[str, str]) -> str:
    """The experiments section: protocol, choices, reductions, then per figure its plot, the paper's
    statements checked on this run, the construction in float64 beside its certified value, the series."""
    st = rep.get("settings", {})
    tor = rep.get("torch", {})
    out = [f"<p>The paper's synthetic experiments (Sec. 5, App. G) re-run at its "
           f"protocol: D = {_e(st.get('D'))}, seeds {_e(st.get('seeds'))} (median shown, band = min..max). Every "
           f"panel's gradient-descent runs (seeds x ranks x grid points x methods) train as one batched program "
           f"({_e(tor.get('train_dtype'))} on {_e(tor.get('device'))}, {_e(tor.get('jobs'))} worker process(es)); "
           f"constructions and reported MSEs in float64, with certified enclosures beside them (black diamonds in "
           f"the plots). Took {float(rep.get('seconds', 0)):.0f} s.</p>"]
    red = rep.get("reductions") or []
    out.append("<p><b>Reductions from the printed protocol</b>" + (" (to fit the time budget):</p><ul>"
               + "".join(f"<li>{_e(r)}</li>" for r in red) + "</ul>" if red else ": none.</p>"))
    if rep.get("protocol"):
        rows = [[_e(r["item"]), _e(r["paper"]), _e(r["here"]), _e(r["status"])] for r in rep["protocol"]]
        out.append("<details open><summary>protocol: printed vs this run</summary>"
                   + _table(["item", "paper (as printed)", "this run", ""], rows) + "</details>")
    if rep.get("choices"):
        out.append("<details><summary>choices where the paper is silent</summary><ul>"
                   + "".join(f"<li>{_e(c)}</li>" for c in rep["choices"]) + "</ul></details>")
    if rep.get("not_reproduced"):
        out.append("<p><b>Not reproduced:</b></p><ul>" + "".join(
            f"<li>{_e(n['figure'])} ({_e(n['what'])}): {_e(n['why'])}</li>" for n in rep["not_reproduced"]) + "</ul>")
    for ex in rep.get("experiments", []):
        out.append(f'<h3 id="exp-{_e(_slug(ex["id"]))}">{_e(ex["title"])}</h3><p>{_e(ex.get("description"))}</p>')
        if ex["id"] in figs:
            out.append(_figure(figs[ex["id"]], ex["title"], _e(ex.get("caption", ""))))
        if ex.get("checks"):
            rows = [[_e(c["shape"]), _observed(c.get("observed")), _e(c.get("detail")), _e(c.get("criterion"))]
                    for c in ex["checks"]]
            out.append(_table(["the paper's statement", "this run", "observed numbers", "criterion"], rows))
        if ex.get("certified"):
            out.append(_certified_table(ex["certified"]))
        out.append(_notes(ex))
        out.append(_series_table(ex))
    return "".join(out)


def _certified_table(rows_in: Any) -> str:
    rows = []
    for c in rows_in:
        cert = (_side(f"{c['certified']:.3g}", f"{c['radius']:.1g}") if c.get("certified") is not None
                else _e(c.get("note") or "-"))
        rows.append([_e(c.get("panel")), _e(c["frozen"]), _num(c["rank"]), _e(c.get("inputs")), _num(c.get("float64")),
                     cert, _num(c.get("bits"))])
    return ("<details><summary>the construction's MSE: float64 and certified on the same inputs (first seed)</summary>"
            + _table(["panel", "frozen", "R", "inputs", "float64", "certified (ball)", "bits"], rows) + "</details>")


def _notes(ex: Mapping[str, Any]) -> str:
    return "<p class='muted'>" + _e(notes(ex)) + "</p>"


def _observed(v: bool | None) -> str:
    if v is None:
        return '<span class="badge st-not-run">N/A</span>'
    if v:
        return '<span class="badge st-holds">OBSERVED</span>'
    return '<span class="badge st-violated">NOT OBSERVED</span>'


def _series_table(ex: Mapping[str, Any]) -> str:
    series = [s for s in ex.get("series", []) if s.get("method") != "curve"]
    if not series:
        return ""
    xs = sorted({x for s in series for x in s["x"]})
    rows = []
    for s in series:
        vals = dict(zip(s["x"], s["median"], strict=True))
        rows.append([_e(f"{s['panel']}: {s['label']}")] + [_num(vals.get(x)) for x in xs])
    return (f"<details><summary>table: median {_e(ex.get('y_label', 'MSE'))} per {_e(ex.get('x_label', 'x'))}"
            f"</summary>{_table([_e(ex.get('x_label', 'x'))] + [_e(x) for x in xs], rows)}</details>")


def stability_html(st: Mapping[str, Any], figs: Mapping[str, str]) -> str:
    """The float-stability section: the exact-regime grid, the figure and every measured row."""
    out = [f"<p>{_e(st.get('description'))}</p>"]
    if "stability" in figs:
        out.append(_figure(figs["stability"], "float stability", _e(st.get("caption", ""))))
    out.append(_stability_grid(st))
    for n in st.get("notes", []):
        out.append(f"<p class='muted'>{_e(n)}</p>")
    rows = []
    for r in st.get("rows", []):
        measured = r.get("status") == "measured"
        rows.append([_num(r["D"]), _num(r["L"]), _num(r["R"]), _e(r.get("regime")), f"<code>{_e(r['dtype'])}</code>",
                     _e(r.get("device")),
                     _num(r.get("residual")) if measured else f"<td>{_e(r.get('reason', 'not measured'))}</td>",
                     _side(r.get("certified_sv"), r.get("certified_sv_radius")),
                     _side(r.get("certified_residual"), r.get("certified_residual_radius"))
                     if r.get("certified_residual") is not None else _e(r.get("certified_note", "-"))[:90],
                     _num(r.get("certified_bits")),
                     _num(r.get("rel_error")) if measured else '<td class="num">-</td>'])
    out.append("<details><summary>table: every (D, L, R, dtype)</summary>" +
               _table(["D", "L", "R", "regime", "dtype", "device", "float residual ‖∏(W+ΔW) − W̄‖₂",
                       "certified σ_{RL+1}(E)", "certified residual", "bits", "|float − certified| / ‖E‖₂ (median)"],
                      rows) +
               "</details>")
    return "".join(out)


def _stability_grid(st: Mapping[str, Any]) -> str:
    """Exact regime (R = ceil(D/L)) at a glance: the error per (D, L) and dtype, coloured by how much survives."""
    rows_in = [r for r in st.get("rows", []) if str(r.get("regime", "")).startswith("exact")]
    dtypes = list(dict.fromkeys(r["dtype"] for r in rows_in))
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for r in rows_in:
        cells.setdefault((r["D"], r["L"]), {})[r["dtype"]] = r
    rows = []
    for (d, depth), by in cells.items():
        row = [_num(d), _num(depth), _num(next(iter(by.values()))["R"])]
        for dt in dtypes:
            r = by.get(dt, {})
            err = r.get("rel_error")
            if r.get("status") != "measured":
                row.append('<td class="muted">not measured</td>')
            elif err is None:
                row.append('<td style="background:#f6c6c2">non-finite</td>')
            else:
                bg = "#cfe9d6" if err < 1e-6 else "#fbe7b0" if err < 1e-2 else "#f6c6c2"
                row.append(f'<td class="num" style="background:{bg}">{err:.1e}</td>')
        rows.append(row)
    return ("<p><b>Exact regime at a glance</b> (theory: residual 0; cell = |float residual − 0| / ‖E‖₂; green "
            "&lt; 1e-6, amber &lt; 1e-2, red: the construction has lost its meaning in that dtype):</p>"
            + _table(["D", "L", "R"] + [f"<code>{_e(dt)}</code>" for dt in dtypes], rows))


__all__ = ["reproduction_html", "stability_html"]
