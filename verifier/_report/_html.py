"""A self-contained HTML report rendered from the JSON report document.

Self-contained means: one file, inline CSS, figures as `data:` URIs or inline SVG, formulas as
MathML (drawn by the browser), no script at all. A Content-Security-Policy forbids every network
load and every script, so the page is viewable offline and text from specs can never execute.
Every string that comes from a spec, an instance or a search is escaped (`escape`) or converted
through the MathML whitelist (`render_text`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from verifier._levels import LEVELS
from verifier._report._graph import graph_svg, theorem_evidence
from verifier._report._kit import (
    _CSP,
    _CSS,
    ball_text,
    escape,
    evidence_badge,
    finding_html,
    num_cell,
    slug,
    statement_of,
    status_badge,
    table,
)
from verifier._report._mathml import render_text

# ---------------------------------------------------------------------------------------------
# theorems


def _assumptions(t: dict[str, Any]) -> str:
    if not t.get("assumptions"):
        return "<p class='muted'>No assumptions.</p>"
    rows = []
    for a in t["assumptions"]:
        n = a.get("instances") or {}
        dropped = ' <span class="badge st-not-run">dropped</span>' if n.get("dropped") else ""
        rows.append([f"<code>{escape(a['name'])}</code>{dropped}", render_text(a.get("statement")),
                     num_cell(n.get("holds", 0)), num_cell(n.get("violated", 0)), num_cell(n.get("inconclusive", 0))])
    return table(["assumption", "statement", "met", "not met", "undecided"], rows)


def _claims_table(t: dict[str, Any], claims: list[dict[str, Any]]) -> str:
    rows = []
    for c in claims:
        w = c.get("worst") or {}
        counts = c.get("counts") or {}
        cnt = "/".join(str(counts.get(k, 0)) for k in ("holds", "violated", "inconclusive", "error"))
        na = counts.get("not-applicable", 0)
        na_text = f", {na} n/a" if na else ""
        inst = "symbolic proof" if c.get("kind") == "symbolic" else f"{c['instances']} ({cnt}{na_text})"
        margin = num_cell(w.get("margin")) if "margin" in w else '<td class="num">-</td>'
        rows.append([f'<a href="#{escape(slug(t["id"] + "-" + c["id"]))}"><code>{escape(c["id"])}</code></a>',
                     status_badge(c["status"]) + " " + evidence_badge(c.get("evidence")),
                     escape(c.get("quantifier", "")), escape(inst),
                     ball_text(w.get("lhs"), w.get("lhs_radius"))
                     + (f"<br><small>{escape(w['label'])} (instance {escape(w.get('instance_index'))})</small>"
                        if w.get("label") else ""),
                     ball_text(w.get("rhs"), w.get("rhs_radius")), margin])
    return table(["claim", "verdict · evidence", "quantifier", "instances (holds/violated/inconclusive/error)",
                  "closest comparison: lhs", "rhs", "margin"], rows)


def _audit_table(t: dict[str, Any], steps: list[dict[str, Any]]) -> str:
    """The proof audit: each step of the proof as printed, its verdict, and whether it is a gap."""
    stmt = statement_of(t)
    rows = []
    for c in steps:
        gap = c["status"] == "violated" and stmt != "violated"
        mark = ' <span class="badge st-violated" title="the step fails while the statement does not">PROOF GAP</span>' \
            if gap else ""
        cites = ", ".join(escape(x) for x in c.get("cites", [])) or "-"
        rows.append([f"<b>{escape(c.get('label') or c['id'])}</b>",
                     f'<a href="#{escape(slug(t["id"] + "-" + c["id"]))}"><code>{escape(c["id"])}</code></a>',
                     render_text(c.get("statement")), status_badge(c["status"]) + " " +
                     evidence_badge(c.get("evidence")) + mark, cites,
                     escape(c.get("interpretation") or "")])
    return table(["step", "claim", "what the proof asserts", "verdict · evidence", "cites", "interpretation"], rows)


def _claim_details(t: dict[str, Any]) -> str:
    out = []
    for c in t["claims"]:
        if c.get("interpretation"):
            c = {**c, "notes": [f"interpretation: {c['interpretation']}", *c.get("notes", [])]}
        items = []
        if c.get("kind") == "symbolic" and c.get("worst"):
            w = c["worst"]
            items.append(f"proved symbolically ({escape(w.get('method'))}) in {float(w.get('seconds', 0)):.2f} s: "
                         f"<code>{escape(w.get('identity'))}</code>")
        if c.get("tolerance"):
            items.append("tolerance: " + escape(c["tolerance"]))
        for dt, dev in (c.get("float_deviation") or {}).items():
            items.append(f"{escape(dt)} deviation from the strongest level: max abs {dev['max_abs']:.3g}, "
                         f"max rel {dev['max_rel']:.3g} <small>(float evidence, never a verdict)</small>")
        for n in c.get("notes", []):
            items.append("note: " + escape(n))
        cx = c.get("counterexample")
        if cx:
            items.append(f'<span class="flag">counterexample</span> ({evidence_badge(cx.get("evidence"))}): '
                         f"instance <code>{escape(cx.get('instance_file'))}</code>, parameters "
                         f"<code>{escape(json.dumps(cx.get('parameters', {})))}</code>; {escape(cx.get('detail'))}"
                         f"<pre><code>{escape(cx.get('replay'))}</code></pre>")
        if items:
            out.append(f'<div id="{escape(slug(t["id"] + "-" + c["id"]))}"><h4><code>{escape(c["id"])}</code> '
                       f"{status_badge(c['status'])} {evidence_badge(c.get('evidence'))}</h4>"
                       f"<p>{render_text(c.get('statement'))}</p><ul>"
                       + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>")
        else:
            out.append(f'<div id="{escape(slug(t["id"] + "-" + c["id"]))}"><h4><code>{escape(c["id"])}</code> '
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
    times = ", ".join(f"{escape(k)} {float(v):.2f}" for k, v in tm.items())
    return f"<p><b>Instances and budget:</b> {escape('; '.join(parts))}.</p><p><b>Time (s):</b> {times}.</p>"


def _search(t: dict[str, Any]) -> str:
    s = t.get("search")
    if not s:
        return ""
    out = [f"<h4>Counterexample search {status_badge(s.get('status'))}</h4>"
           f"<p class='muted'>{escape(s.get('examples', '?'))} examples in {float(s.get('seconds') or 0):.1f} s; "
           f"settings <code>{escape(json.dumps(s.get('settings', {}), default=str)[:400])}</code></p>"]
    if s.get("drop"):
        rows = [[f"<code>{escape(d.get('assumption'))}</code>", status_badge(d.get("result")),
                 finding_html(d.get("counterexample"))
                 + (f"<br><small>{escape(d['note'])}</small>" if d.get("note") else ""),
                 num_cell(d.get("examples")), num_cell(d.get("seconds"), ".1f")] for d in s["drop"]]
        out.append("<p><b>Dropping one assumption at a time</b> (necessary = a certified counterexample to a claim "
                   "exists without it):</p>" + table(["assumption dropped", "result", "counterexample", "examples",
                                                        "seconds"], rows))
    if s.get("threshold"):
        rows = [[f"<code>{escape(d.get('claim'))}</code>", num_cell(d.get("offset")), status_badge(d.get("result")),
                 finding_html(d.get("counterexample")), num_cell(d.get("examples")), num_cell(d.get("seconds"), ".1f")]
                for d in s["threshold"]]
        out.append("<p><b>Thresholds moved by an offset</b> (refuted = the claim fails just below the stated "
                   "threshold, so the threshold is tight):</p>" +
                   table(["claim", "offset", "result", "counterexample", "examples", "seconds"], rows))
    if s.get("violations"):
        out.append("<p><b class='flag'>Violations found by search</b> (every assumption met):</p><ul>" +
                   "".join(f"<li>{finding_html(v)}</li>" for v in s["violations"]) + "</ul>")
    if s.get("stronger_than_needed"):
        out.append("<p><b>Assumptions stronger than needed</b> (instances that violate an assumption, yet every "
                   "claim held, certified):</p><ul>" +
                   "".join(f"<li><code>{escape(v.get('assumption'))}</code>: {escape(v.get('note'))} "
                           f"<code>{escape(json.dumps(v.get('parameters', {})))}</code>"
                           + (f"<pre><code>{escape(v['replay'])}</code></pre>" if v.get("replay") else "") + "</li>"
                           for v in s["stronger_than_needed"] if isinstance(v, Mapping)) + "</ul>")
    for n in s.get("notes", [])[:6]:
        out.append(f"<p class='muted'>note: {escape(n)}</p>")
    return "".join(out)


def _theorem(t: dict[str, Any], flagged: tuple[str, ...]) -> str:
    deps = ", ".join(f'<a href="#thm-{escape(slug(d))}">{escape(d)}</a>' for d in t.get("depends_on", [])) or "none"
    flag = (f'<p class="flag">⚠ Depends on a violated result ({escape(", ".join(flagged))}): its proof rests on a '
            f"refuted claim.</p>") if flagged else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in t.get("notes", []))
    errors = "".join(f"<li class='flag'>error: {escape(e)}</li>" for e in t.get("errors", []))
    stmt = [c for c in t["claims"] if c.get("role", "statement") != "step"]
    steps = [c for c in t["claims"] if c.get("role") == "step"]
    gaps = t.get("proof_gaps") or []
    verdicts = (f"statement {status_badge(statement_of(t))}"
                + (f" · proof gaps: {escape(', '.join(gaps))}" if gaps else "")) if steps else ""
    params = ", ".join(f"<code>{escape(p['name'])}</code>" + (f" ({escape(p['description'])})" if p.get("description")
                                                               else "") for p in t.get("parameters", []))
    return (f'<section class="card {escape(t["status"])}" id="thm-{escape(slug(t["id"]))}">'
            f"<h3>{escape(t['id'])}: {escape(t['title'])} {status_badge(t['status'])} "
            f"{evidence_badge(theorem_evidence(t))}</h3>{flag}"
            + (f"<p><b>Verdicts:</b> {verdicts}</p>" if verdicts else "")
            + f"<p><b>Source:</b> {escape(t.get('source'))} · <b>depends on:</b> {deps}</p>"
            f'<div class="statement">{render_text(t.get("statement"))}</div>'
            + (f"<p><b>Interpretation:</b> {render_text(t['interpretation'])}</p>" if t.get("interpretation") else "")
            + (f"<p><b>Parameters:</b> {params}</p>" if params else "")
            + (f"<p><b>Construction:</b> {render_text(t.get('construction'))}</p>" if t.get("construction") else "")
            + "<h4>Assumptions</h4>" + _assumptions(t)
            + "<h4>Claims</h4>" + _claims_table(t, stmt)
            + (f"<h4>Proof audit ({len(steps)} steps)</h4>" + _audit_table(t, steps) if steps else "")
            + _claim_details(t) + _budget(t)
            + (f"<ul>{errors}{notes}</ul>" if notes or errors else "") + _search(t) + "</section>")


# ---------------------------------------------------------------------------------------------
# the page


def _source_cell(t: dict[str, Any]) -> str:
    """Number and page, then the work's first segment (its authors, typically), the whole source as a tooltip."""
    rec = t.get("source_record") or {}
    if not rec.get("number"):
        return escape(t.get("source", ""))
    where = rec["number"] + (f", p. {rec['page']}" if rec.get("page") else "")
    who = (rec.get("citation") or "").split(", ")[0][:40]
    return (f'<span title="{escape(t.get("source", ""))}">{escape(where)}'
            + (f"<br><small>{escape(who)}</small>" if who else "") + "</span>")


def _summary(doc: dict[str, Any], flags: Mapping[str, tuple[str, ...]]) -> str:
    rows = []
    for t in doc.get("theorems", []):
        counts = {s: sum(c["status"] == s for c in t["claims"]) for s in ("holds", "violated", "inconclusive", "error",
                                                                            "not-applicable")}
        summ = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no claims"
        steps = [c for c in t["claims"] if c.get("role") == "step"]
        if steps:
            summ += f"; {len(steps)} proof steps" + (f", gaps: {', '.join(t['proof_gaps'])}" if t.get("proof_gaps")
                                                     else "")
        fl = f' <span class="flag" title="depends on a violated result">⚠ {escape(", ".join(flags[t["id"]]))}</span>' \
            if flags.get(t["id"]) else ""
        rows.append([f'<a href="#thm-{escape(slug(t["id"]))}">{escape(t["id"])}</a>', escape(t["title"]),
                     status_badge(statement_of(t)) + fl, evidence_badge(theorem_evidence(t)),
                     _source_cell(t), escape(summ),
                     num_cell(f"{t.get('eligible_instances', 0)}/{t.get('instances', 0)}"),
                     num_cell(float((t.get("timings") or {}).get("total", 0)), ".1f")])
    return table(["result", "title", "statement", "evidence", "source", "claims", "instances", "seconds"], rows)


def _run_notes(doc: dict[str, Any]) -> str:
    """What did not run (and why) and how long each stage took: a reviewer should not have to guess."""
    out = []
    for stage, why in (doc.get("skipped") or {}).items():
        out.append(f"<p class='flag'>Not in this report: {escape(stage)} ({escape(why)}).</p>")
    tm = doc.get("timings") or {}
    if tm:
        out.append("<p class='muted'>Time (s): " + ", ".join(f"{escape(k)} {float(v):.1f}" for k, v in tm.items())
                   + ".</p>")
    return "".join(out)


def _legend() -> str:
    ev = " ".join(evidence_badge(lv) for lv in reversed(LEVELS))
    st = " ".join(status_badge(s) for s in ("holds", "violated", "inconclusive"))
    return (f'<p class="legend"><b>Verdicts:</b> {st} — <b>evidence</b>, strongest first: {ev}. '
            "A claim is violated only with a certified or exact counterexample; a claim that holds held on every "
            "instance checked, at the evidence level shown (the weakest level among its instances).</p>")


def _section_objects(doc: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
    """The `ReportSection` of each section entry, from the package that made it (if it is loaded)."""
    from verifier._registry import get_package

    out: dict[tuple[str, str], Any] = {}
    for entry in doc.get("sections", []):
        key = (entry.get("package", ""), entry.get("id", ""))
        try:
            pkg = get_package(key[0])
        except Exception:  # the package that made an old document may be gone: shown raw
            continue
        for sec in pkg.sections:
            if sec.id == key[1]:
                out[key] = sec
    return out


def _sections(doc: Mapping[str, Any], figures: Mapping[str, str] | None) -> list[tuple[str, str, str]]:
    """(anchor, title, HTML) per package section; a section whose renderer fails or is missing is shown raw."""
    objs = _section_objects(doc)
    out = []
    for entry in doc.get("sections", []):
        key = (entry.get("package", ""), entry.get("id", ""))
        anchor = "sec-" + slug(f"{key[0]}-{key[1]}")
        data = entry.get("data") or {}
        sec = objs.get(key)
        figs: Mapping[str, str] = {}
        try:
            if figures is not None:
                figs = {k.split("/", 1)[1]: v for k, v in figures.items() if k.startswith(f"{key[0]}.{key[1]}/")}
            elif sec is not None and sec.figures is not None:
                figs = {k: f.svg for k, f in sec.figures(data, False).items()}
            body = sec.html(data, figs) if sec is not None else None
        except Exception as e:  # a package's renderer must not lose the report: shown as an error
            body = (f"<p class='flag'>error: the section renderer raised {escape(type(e).__name__)}: "
                    f"{escape(e)}</p>")
        if body is None:
            body = (f"<p class='muted'>Package {escape(key[0])} is not loaded: its section is shown raw.</p>"
                    f"<details><summary>data</summary><pre>{escape(json.dumps(data, indent=1)[:20000])}</pre>"
                    "</details>")
        secs = float(entry.get("seconds") or 0)
        out.append((anchor, str(entry.get("title", key[1])),
                    f'<section id="{escape(anchor)}"><h2>{escape(entry.get("title", key[1]))}</h2>'
                    f"<p class='muted'>Section <code>{escape(key[1])}</code> of package "
                    f"<code>{escape(key[0])}</code>; {secs:.0f} s.</p>{body}</section>"))
    return out


def render_html(doc: dict[str, Any], figures: Mapping[str, str] | None = None,
                progress: Callable[[str], None] | None = None) -> str:
    """The whole report as one self-contained HTML page.

    Args:
        doc: a report document (`report_document`, with package sections under "sections").
        figures: SVG markup of the sections' figures, keyed "package.section/figure"; drawn here by
            each section's own `figures` hook when omitted.
        progress: called with a short message per stage (the CLI prints them).
    """
    from verifier._report._graph import dependency_graph

    g = dependency_graph(doc)
    flags = {n: g.nodes[n]["node"].flagged_by for n in g.nodes}
    if progress:
        progress("sections")
    sections = _sections(doc, figures)
    env = doc.get("environment", {})
    libs = ", ".join(f"{escape(k)} {escape(v)}" for k, v in (env.get("libraries") or {}).items() if v)
    toc = ['<a href="#summary">summary</a>', '<a href="#graph">dependency graph</a>']
    toc += [f'<a href="#thm-{escape(slug(t["id"]))}">{escape(t["id"])}</a>' for t in doc.get("theorems", [])]
    toc += [f'<a href="#{escape(a)}">{escape(title)}</a>' for a, title, _ in sections]
    toc.append('<a href="#environment">environment</a>')
    svg = graph_svg(doc)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Verification report: {escape(doc.get('status', '').upper())}</title><style>{_CSS}</style></head>",
        "<body><main>",
        f"<h1>Verification report {status_badge(doc.get('status'))}</h1>",
        f"<p class='muted'>Generated {escape(doc.get('generated'))} by "
        f"<code>{escape(doc.get('command') or 'verifier')}</code> · schema "
        f"<code>{escape(doc.get('schema'))}</code></p>",
        f'<nav class="toc">{" ".join(toc)}</nav>', _legend(), _run_notes(doc),
        '<section id="summary"><h2>Summary</h2>', _summary(doc, flags), "</section>",
        '<section id="graph"><h2>Dependency graph</h2>',
        f'<div class="graph">{svg}</div>' if svg else "<p class='muted'>No results.</p>",
        "<p class='muted'>Arrows point from a result to the results that use it. Fill: verdict (green holds, red "
        "violated, amber inconclusive, grey not in this report, white: no claim states the result, only its "
        "proof steps and labelled readings are checked); a deeper shade means stronger evidence; an orange border "
        "marks proof gaps; a dashed red border flags a result one of whose dependencies was violated.</p></section>",
        '<section id="theorems"><h2>Results</h2>',
        *(_theorem(t, flags.get(t["id"], ())) for t in doc.get("theorems", [])),
        "</section>",
        *(html for _a, _t, html in sections),
        f'<section id="environment"><h2>Environment</h2><p>Python {escape(env.get("python"))} on '
        f"{escape(env.get('platform'))}; {libs}; float device: {escape(env.get('cuda'))}.</p></section>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


__all__ = ["render_html"]
