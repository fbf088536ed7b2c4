"""A self-contained HTML report rendered from the JSON report document.

Self-contained means: one file, inline CSS, figures as `data:` URIs or inline SVG, formulas as
MathML (drawn by the browser), no script at all. A Content-Security-Policy forbids every network
load and every script, so the page is viewable offline and text from specs can never execute.
Every string that comes from a spec, an instance or a search is escaped (`_e`) or converted
through the MathML whitelist (`render_text`).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from verifier._levels import LEVEL_NAMES, LEVELS
from verifier._report._graph import graph_svg, theorem_evidence
from verifier._report._mathml import render_text

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
:root { --fg:#1d1d1f; --muted:#5f6368; --line:#d8dbe0; --bg:#fff; --soft:#f5f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 21px; margin-top: 38px; border-bottom: 2px solid var(--line);
  padding-bottom: 4px; } h3 { font-size: 17px; margin: 22px 0 6px; } h4 { font-size: 15px; margin: 16px 0 4px; }
p { margin: 6px 0; } .muted { color: var(--muted); } small { color: var(--muted); }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px;
  margin: 14px 0; }
nav.toc a { margin-right: 14px; white-space: nowrap; }
a { color: #1a56b0; text-decoration: none; } a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: 8px 0 14px; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; }
code.tex { background: #fff6e0; padding: 0 3px; border-radius: 3px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700;
  letter-spacing: .03em; white-space: nowrap; border: 1px solid transparent; vertical-align: 1px; }
.st-holds { background: #1b7f3b; color: #fff; } .st-violated { background: #b3261e; color: #fff; }
.st-inconclusive { background: #e8b21c; color: #222; } .st-not-run { background: #d9d9d9; color: #333; }
.st-necessary, .st-refuted { background: #6a3fb5; color: #fff; }
.st-not-shown-necessary, .st-not-refuted { background: #ece7f6; color: #3b2a63; border-color: #c9bde6; }
.ev-exact { background: #12355b; color: #fff; } .ev-certified { background: #2d6fb7; color: #fff; }
.ev-mp { background: #8fc1ea; color: #0b2540; } .ev-float { background: #eef0f3; color: #333; border-color: #b9bec7; }
.ev-none { background: #fff; color: #777; border-color: #ccc; }
.cf-code { background: #e3f4e8; color: #145a2c; border-color: #9ed3ae; }
.cf-derived { background: #e8f0fb; color: #1a4a85; border-color: #a9c4ea; }
.cf-recalled { background: #fff2d6; color: #7a5200; border-color: #efcf85; }
.flag { color: #b3261e; font-weight: 700; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 4px 18px 12px; margin: 18px 0; }
.card.violated { border-left: 6px solid #b3261e; } .card.holds { border-left: 6px solid #1b7f3b; }
.card.inconclusive { border-left: 6px solid #e8b21c; }
.statement { background: #fbfbfd; border-left: 3px solid #9aa4b2; padding: 8px 12px; margin: 8px 0; }
.figure { margin: 12px 0 20px; } .figure img { max-width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; } .figure .caption { font-size: 13px; color: var(--muted); }
.graph { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 10px; background: #fff; }
.legend span.badge { margin-right: 6px; }
details { margin: 6px 0 12px; } summary { cursor: pointer; color: #1a56b0; }
math { font-size: 1.05em; }
"""


def _e(x: Any) -> str:
    """Escape anything for HTML text or attribute context."""
    return html.escape("" if x is None else str(x))


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").lower() or "x"


def status_badge(status: str | None) -> str:
    s = status or "not-run"
    return f'<span class="badge st-{_slug(s)}">{_e(s.upper())}</span>'


def evidence_badge(level: str | None) -> str:
    if not level:
        return '<span class="badge ev-none" title="no evidence level">no evidence</span>'
    return f'<span class="badge ev-{_slug(level)}" title="{_e(LEVEL_NAMES.get(level, level))}">{_e(level)}</span>'


def confidence_badge(conf: str | None) -> str:
    return f'<span class="badge cf-{_slug(conf or "")}" title="confidence in the statement">{_e(conf)}</span>'


def _table(head: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table from pre-rendered (already escaped) cells."""
    h = "".join(f"<th>{c}</th>" for c in head)
    body = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def _num(x: Any, fmt: str = ".3g") -> str:
    if x is None:
        return '<td class="num">-</td>'
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f'<td class="num">{format(x, fmt) if isinstance(x, float) else x}</td>'
    return f'<td class="num">{_e(x)}</td>'


def _side(v: Any, r: Any) -> str:
    if v is None:
        return "-"
    return f"{_e(v)} ± {_e(r)}" if r not in (None, "0", "0e+0", "0.0") else _e(v)


def _value(x: Any) -> str:
    """Generic rendering of search results whose exact shape belongs to another module."""
    if x is None:
        return "-"
    if isinstance(x, Mapping):
        parts = []
        for k, v in x.items():
            if k == "replay":
                parts.append(f"replay: <code>{_e(v)}</code>")
            elif isinstance(v, (Mapping, list)):
                parts.append(f"{_e(k)}: <code>{_e(json.dumps(v, default=str)[:300])}</code>")
            else:
                parts.append(f"{_e(k)}: {_e(v)}")
        return "<br>".join(parts)
    if isinstance(x, list):
        return ", ".join(_value(v) for v in x)
    if isinstance(x, float):
        return f"{x:.3g}"
    return _e(x)


def _finding(f: Any) -> str:
    """A counterexample found by search: evidence, parameters, what failed, and the replay command."""
    if not f:
        return "-"
    if not isinstance(f, Mapping):
        return _value(f)
    parts = [f"{evidence_badge(f.get('evidence'))} <code>{_e(json.dumps(f.get('parameters', {})))}</code>"]
    if f.get("claim"):
        parts.append(f"claim <code>{_e(f['claim'])}</code>")
    if f.get("detail"):
        parts.append(_e(f["detail"]))
    if f.get("structure"):
        parts.append(f"<small>structure: {_e(f['structure'])}</small>")
    if f.get("found_after_examples") is not None:
        parts.append(f"<small>found after {_e(f['found_after_examples'])} examples, "
                     f"{float(f.get('found_after_seconds') or 0):.1f} s</small>")
    if f.get("replay"):
        parts.append(f"<pre><code>{_e(f['replay'])}</code></pre>")
    return "<br>".join(parts)


# ---------------------------------------------------------------------------------------------
# theorems


def _assumptions(t: dict[str, Any]) -> str:
    if not t.get("assumptions"):
        return "<p class='muted'>No assumptions.</p>"
    rows = []
    for a in t["assumptions"]:
        n = a.get("instances") or {}
        dropped = ' <span class="badge st-not-run">dropped</span>' if n.get("dropped") else ""
        rows.append([f"<code>{_e(a['name'])}</code>{dropped}", render_text(a.get("statement")),
                     _num(n.get("holds", 0)), _num(n.get("violated", 0)), _num(n.get("inconclusive", 0))])
    return _table(["assumption", "statement", "met", "not met", "undecided"], rows)


def _claims_table(t: dict[str, Any]) -> str:
    rows = []
    for c in t["claims"]:
        w = c.get("worst") or {}
        counts = c.get("counts") or {}
        cnt = "/".join(str(counts.get(k, 0)) for k in ("holds", "violated", "inconclusive"))
        na = counts.get("not-applicable", 0)
        na_text = f", {na} n/a" if na else ""
        inst = "symbolic proof" if c.get("kind") == "symbolic" else f"{c['instances']} ({cnt}{na_text})"
        margin = _num(w.get("margin")) if "margin" in w else '<td class="num">-</td>'
        rows.append([f'<a href="#{_e(_slug(t["id"] + "-" + c["id"]))}"><code>{_e(c["id"])}</code></a>',
                     status_badge(c["status"]) + " " + evidence_badge(c.get("evidence")),
                     _e(c.get("quantifier", "")), _e(inst),
                     _side(w.get("lhs"), w.get("lhs_radius"))
                     + (f"<br><small>{_e(w['label'])} (instance {_e(w.get('instance_index'))})</small>"
                        if w.get("label") else ""),
                     _side(w.get("rhs"), w.get("rhs_radius")), margin])
    return _table(["claim", "verdict · evidence", "quantifier", "instances (holds/violated/inconclusive)",
                   "closest comparison: lhs", "rhs", "margin"], rows)


def _claim_details(t: dict[str, Any]) -> str:
    out = []
    for c in t["claims"]:
        items = []
        if c.get("kind") == "symbolic" and c.get("worst"):
            w = c["worst"]
            items.append(f"proved symbolically ({_e(w.get('method'))}) in {float(w.get('seconds', 0)):.2f} s: "
                         f"<code>{_e(w.get('identity'))}</code>")
        if c.get("tolerance"):
            items.append("tolerance: " + _e(c["tolerance"]))
        for dt, dev in (c.get("float_deviation") or {}).items():
            items.append(f"{_e(dt)} deviation from the strongest level: max abs {dev['max_abs']:.3g}, "
                         f"max rel {dev['max_rel']:.3g} <small>(float evidence, never a verdict)</small>")
        for n in c.get("notes", []):
            items.append("note: " + _e(n))
        cx = c.get("counterexample")
        if cx:
            items.append(f'<span class="flag">counterexample</span> ({evidence_badge(cx.get("evidence"))}): '
                         f"instance <code>{_e(cx.get('instance_file'))}</code>, parameters "
                         f"<code>{_e(json.dumps(cx.get('parameters', {})))}</code>; {_e(cx.get('detail'))}"
                         f"<pre><code>{_e(cx.get('replay'))}</code></pre>")
        if items:
            out.append(f'<div id="{_e(_slug(t["id"] + "-" + c["id"]))}"><h4><code>{_e(c["id"])}</code> '
                       f"{status_badge(c['status'])} {evidence_badge(c.get('evidence'))}</h4>"
                       f"<p>{render_text(c.get('statement'))}</p><ul>"
                       + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>")
        else:
            out.append(f'<div id="{_e(_slug(t["id"] + "-" + c["id"]))}"><h4><code>{_e(c["id"])}</code> '
                       f"{status_badge(c['status'])} {evidence_badge(c.get('evidence'))}</h4>"
                       f"<p>{render_text(c.get('statement'))}</p></div>")
    return "".join(out)


def _budget(t: dict[str, Any]) -> str:
    s = t.get("settings") or {}
    tm = t.get("timings") or {}
    parts = [f"{t.get('eligible_instances', 0)} of {t.get('instances', 0)} random instances met every assumption",
             f"aim: {s.get('level', '?')} evidence", f"seed {s.get('seed')}",
             f"examples {s.get('examples') or 'spec default'}",
             f"certified precision {s.get('prec')}..{s.get('max_prec')} bits", f"mpmath {s.get('dps')} digits",
             f"float dtypes {', '.join(s.get('dtypes', []))} on {s.get('device')}"]
    if s.get("drop"):
        parts.append(f"dropped assumptions: {', '.join(s['drop'])}")
    times = ", ".join(f"{_e(k)} {float(v):.2f}" for k, v in tm.items())
    return f"<p><b>Instances and budget:</b> {_e('; '.join(parts))}.</p><p><b>Time (s):</b> {times}.</p>"


def _search(t: dict[str, Any]) -> str:
    s = t.get("search")
    if not s:
        return ""
    out = [f"<h4>Counterexample search {status_badge(s.get('status'))}</h4>"
           f"<p class='muted'>{_e(s.get('examples', '?'))} examples in {float(s.get('seconds') or 0):.1f} s; "
           f"settings <code>{_e(json.dumps(s.get('settings', {}), default=str)[:400])}</code></p>"]
    if s.get("drop"):
        rows = [[f"<code>{_e(d.get('assumption'))}</code>", status_badge(d.get("result")),
                 _finding(d.get("counterexample")) + (f"<br><small>{_e(d['note'])}</small>" if d.get("note") else ""),
                 _num(d.get("examples")), _num(d.get("seconds"), ".1f")] for d in s["drop"]]
        out.append("<p><b>Dropping one assumption at a time</b> (necessary = a certified counterexample to a claim "
                   "exists without it):</p>" + _table(["assumption dropped", "result", "counterexample", "examples",
                                                        "seconds"], rows))
    if s.get("threshold"):
        rows = [[f"<code>{_e(d.get('claim'))}</code>", _num(d.get("offset")), status_badge(d.get("result")),
                 _finding(d.get("counterexample")), _num(d.get("examples")), _num(d.get("seconds"), ".1f")]
                for d in s["threshold"]]
        out.append("<p><b>Thresholds moved by an offset</b> (refuted = the claim fails just below the stated "
                   "threshold, so the threshold is tight):</p>" +
                   _table(["claim", "offset", "result", "counterexample", "examples", "seconds"], rows))
    if s.get("violations"):
        out.append("<p><b class='flag'>Violations found by search</b> (every assumption met):</p><ul>" +
                   "".join(f"<li>{_finding(v)}</li>" for v in s["violations"]) + "</ul>")
    if s.get("stronger_than_needed"):
        out.append("<p><b>Assumptions stronger than needed</b> (instances that violate an assumption, yet every "
                   "claim held, certified):</p><ul>" +
                   "".join(f"<li><code>{_e(v.get('assumption'))}</code>: {_e(v.get('note'))} "
                           f"<code>{_e(json.dumps(v.get('parameters', {})))}</code>"
                           + (f"<pre><code>{_e(v['replay'])}</code></pre>" if v.get("replay") else "") + "</li>"
                           for v in s["stronger_than_needed"] if isinstance(v, Mapping)) + "</ul>")
    for n in s.get("notes", [])[:6]:
        out.append(f"<p class='muted'>note: {_e(n)}</p>")
    return "".join(out)


def _theorem(t: dict[str, Any], flagged: tuple[str, ...]) -> str:
    deps = ", ".join(f'<a href="#thm-{_e(_slug(d))}">{_e(d)}</a>' for d in t.get("depends_on", [])) or "none"
    flag = (f'<p class="flag">⚠ Depends on a violated result ({_e(", ".join(flagged))}): its proof rests on a '
            f"refuted claim.</p>") if flagged else ""
    notes = "".join(f"<li>{_e(n)}</li>" for n in t.get("notes", []))
    params = ", ".join(f"<code>{_e(p['name'])}</code> ({_e(p['description'])})" for p in t.get("parameters", []))
    return (f'<section class="card {_e(t["status"])}" id="thm-{_e(_slug(t["id"]))}">'
            f"<h3>{_e(t['id'])}: {_e(t['title'])} {status_badge(t['status'])} "
            f"{evidence_badge(theorem_evidence(t))}</h3>{flag}"
            f"<p><b>Source:</b> {_e(t.get('source'))} · <b>confidence</b> {confidence_badge(t.get('confidence'))} · "
            f"<b>depends on:</b> {deps}</p>"
            f'<div class="statement">{render_text(t.get("statement"))}</div>'
            + (f"<p><b>Interpretation:</b> {render_text(t['interpretation'])}</p>" if t.get("interpretation") else "")
            + (f"<p><b>Parameters:</b> {params}</p>" if params else "")
            + f"<p><b>Construction:</b> {render_text(t.get('construction'))}</p>"
            + "<h4>Assumptions</h4>" + _assumptions(t)
            + "<h4>Claims</h4>" + _claims_table(t) + _claim_details(t) + _budget(t)
            + (f"<ul>{notes}</ul>" if notes else "") + _search(t) + "</section>")


# ---------------------------------------------------------------------------------------------
# figures, reproduction, stability


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _figure(svg: str, alt: str, caption: str) -> str:
    return (f'<div class="figure"><img alt="{_e(alt)}" src="{svg_data_uri(svg)}">'
            f'<div class="caption">{caption}</div></div>')


def _figures_for(doc: dict[str, Any], figures: Mapping[str, str] | None) -> dict[str, str]:
    if figures is not None:
        return dict(figures)
    if not doc.get("reproduction") and not doc.get("stability"):
        return {}
    from verifier._reproduce._plots import all_figures  # matplotlib only when there is something to draw

    return all_figures(doc)


def _reproduction(doc: dict[str, Any], figs: Mapping[str, str]) -> str:
    rep = doc.get("reproduction")
    if not rep:
        return ""
    st = rep.get("settings", {})
    out = ['<section id="reproduction"><h2>The paper\'s experiments, reproduced</h2>',
           f"<p>Synthetic experiments of the paper (THEOREMS.md, \"The paper's experiments\") re-implemented in "
           f"PyTorch float64: width D = {_e(st.get('D'))}, seeds {_e(st.get('seeds'))} (median shown, "
           f"band = min..max), MSE on {_e(st.get('eval_inputs'))} standard normal inputs. Dashed vertical "
           f"line: the theoretical rank threshold. Took {float(rep.get('seconds', 0)):.0f} s.</p>"]
    if rep.get("reductions"):
        out.append("<p><b>Reductions from the paper's settings</b> (to fit the time budget on 2 CPU cores):</p><ul>"
                   + "".join(f"<li>{_e(r)}</li>" for r in rep["reductions"]) + "</ul>")
    for ex in rep.get("experiments", []):
        out.append(f'<h3 id="exp-{_e(_slug(ex["id"]))}">{_e(ex["title"])}</h3><p>{_e(ex.get("description"))}</p>')
        if ex["id"] in figs:
            out.append(_figure(figs[ex["id"]], ex["title"], _e(ex.get("caption", ""))))
        if ex.get("checks"):
            rows = [[_e(c["shape"]), _observed(c.get("observed")), _e(c.get("detail"))] for c in ex["checks"]]
            out.append(_table(["shape the paper reports", "this run", "detail"], rows))
        if ex.get("pretraining"):
            pre = "; ".join(f"{_e(k)}: {_e(v.get('steps'))} steps" for k, v in ex["pretraining"].items())
            out.append(f"<p class='muted'>Pretraining (Adam steps per seed until the MSE fell below a third): {pre}."
                       f" {float(ex.get('seconds', 0)):.0f} s.</p>")
        out.append(_series_table(ex))
    out.append("</section>")
    return "".join(out)


def _observed(v: bool | None) -> str:
    if v is None:
        return '<span class="badge st-not-run">N/A</span>'
    if v:
        return '<span class="badge st-holds">OBSERVED</span>'
    return '<span class="badge st-violated">NOT OBSERVED</span>'


def _series_table(ex: dict[str, Any]) -> str:
    series = ex.get("series", [])
    if not series:
        return ""
    xs = sorted({x for s in series for x in s["x"]})
    rows = []
    for s in series:
        vals = dict(zip(s["x"], s["median"], strict=True))
        rows.append([_e(s["label"])] + [_num(vals.get(x)) for x in xs])
    return (f"<details><summary>table: median {_e(ex.get('y_label', 'MSE'))} per {_e(ex.get('x_label', 'x'))}"
            f"</summary>{_table([_e(ex.get('x_label', 'x'))] + [_e(x) for x in xs], rows)}</details>")


def _stability(doc: dict[str, Any], figs: Mapping[str, str]) -> str:
    st = doc.get("stability")
    if not st:
        return ""
    out = ['<section id="stability"><h2>Float stability of the R-LIN construction</h2>',
           f"<p>{_e(st.get('description'))}</p>"]
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
               "</details></section>")
    return "".join(out)


def _stability_grid(st: dict[str, Any]) -> str:
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


# ---------------------------------------------------------------------------------------------
# the page


def _summary(doc: dict[str, Any], flags: Mapping[str, tuple[str, ...]]) -> str:
    rows = []
    for t in doc.get("theorems", []):
        counts = {s: sum(c["status"] == s for c in t["claims"]) for s in ("holds", "violated", "inconclusive")}
        summ = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no claims"
        fl = f' <span class="flag" title="depends on a violated result">⚠ {_e(", ".join(flags[t["id"]]))}</span>' \
            if flags.get(t["id"]) else ""
        rows.append([f'<a href="#thm-{_e(_slug(t["id"]))}">{_e(t["id"])}</a>', _e(t["title"]),
                     status_badge(t["status"]) + fl, evidence_badge(theorem_evidence(t)),
                     confidence_badge(t.get("confidence")), _e(summ),
                     _num(f"{t.get('eligible_instances', 0)}/{t.get('instances', 0)}"),
                     _num(float((t.get("timings") or {}).get("total", 0)), ".1f")])
    return _table(["result", "title", "verdict", "evidence", "confidence", "claims", "instances", "seconds"], rows)


def _run_notes(doc: dict[str, Any]) -> str:
    """What did not run (and why) and how long each stage took: a reviewer should not have to guess."""
    out = []
    for stage, why in (doc.get("skipped") or {}).items():
        out.append(f"<p class='flag'>Not in this report: {_e(stage)} ({_e(why)}).</p>")
    tm = doc.get("timings") or {}
    if tm:
        out.append("<p class='muted'>Time (s): " + ", ".join(f"{_e(k)} {float(v):.1f}" for k, v in tm.items())
                   + ".</p>")
    return "".join(out)


def _legend() -> str:
    ev = " ".join(evidence_badge(lv) for lv in reversed(LEVELS))
    st = " ".join(status_badge(s) for s in ("holds", "violated", "inconclusive"))
    return (f'<p class="legend"><b>Verdicts:</b> {st} — <b>evidence</b>, strongest first: {ev}. '
            "A claim is violated only with a certified or exact counterexample; a claim that holds held on every "
            "instance checked, at the evidence level shown (the weakest level among its instances).</p>")


def render_html(doc: dict[str, Any], figures: Mapping[str, str] | None = None,
                progress: Callable[[str], None] | None = None) -> str:
    """The whole report as one self-contained HTML page.

    Args:
        doc: a report document (`report_document`, optionally with "reproduction" and "stability").
        figures: pre-rendered SVG figures by id; rendered here with matplotlib when omitted.
        progress: called with a short message per stage (the CLI prints them).
    """
    from verifier._report._graph import dependency_graph

    g = dependency_graph(doc)
    flags = {n: g.nodes[n]["node"].flagged_by for n in g.nodes}
    if progress:
        progress("figures")
    figs = _figures_for(doc, figures)
    env = doc.get("environment", {})
    libs = ", ".join(f"{_e(k)} {_e(v)}" for k, v in (env.get("libraries") or {}).items() if v)
    toc = ['<a href="#summary">summary</a>', '<a href="#graph">dependency graph</a>']
    toc += [f'<a href="#thm-{_e(_slug(t["id"]))}">{_e(t["id"])}</a>' for t in doc.get("theorems", [])]
    if doc.get("reproduction"):
        toc.append('<a href="#reproduction">experiments reproduced</a>')
    if doc.get("stability"):
        toc.append('<a href="#stability">float stability</a>')
    toc.append('<a href="#environment">environment</a>')
    svg = graph_svg(doc)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Verification report: {_e(doc.get('status', '').upper())}</title><style>{_CSS}</style></head>",
        "<body><main>",
        f"<h1>Verification report {status_badge(doc.get('status'))}</h1>",
        f"<p class='muted'>Generated {_e(doc.get('generated'))} by <code>{_e(doc.get('command') or 'verifier')}</code> "
        f"· schema <code>{_e(doc.get('schema'))}</code></p>",
        f'<nav class="toc">{" ".join(toc)}</nav>', _legend(), _run_notes(doc),
        '<section id="summary"><h2>Summary</h2>', _summary(doc, flags), "</section>",
        '<section id="graph"><h2>Dependency graph</h2>',
        f'<div class="graph">{svg}</div>' if svg else "<p class='muted'>No results.</p>",
        "<p class='muted'>Arrows point from a result to the results that use it. Fill: verdict (green holds, red "
        "violated, amber inconclusive, grey not in this report); a deeper shade means stronger evidence; a dashed red "
        "border flags a result one of whose dependencies was violated.</p></section>",
        '<section id="theorems"><h2>Results</h2>',
        *(_theorem(t, flags.get(t["id"], ())) for t in doc.get("theorems", [])),
        "</section>",
        _reproduction(doc, figs), _stability(doc, figs),
        f'<section id="environment"><h2>Environment</h2><p>Python {_e(env.get("python"))} on '
        f"{_e(env.get('platform'))}; {libs}; float device: {_e(env.get('cuda'))}.</p></section>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


__all__ = ["confidence_badge", "evidence_badge", "render_html", "status_badge", "svg_data_uri"]
