"""Markdown rendering of a JSON report document."""

from __future__ import annotations

from typing import Any

from verifier._report._kit import statement_of

_BADGE = {"holds": "HOLDS", "violated": "VIOLATED", "inconclusive": "INCONCLUSIVE", "error": "ERROR",
          "not-applicable": "NOT APPLICABLE",
          "not-checked": "NOT CHECKED (no claim states it; steps and readings only)"}


def _side(v: str | None, r: str | None) -> str:
    if v is None:
        return "-"
    return f"{v} ± {r}" if r not in (None, "0", "0e+0", "0.0") else v


def _search_lines(search: dict[str, Any] | None) -> list[str]:
    """The search's findings and its assumption-necessity and threshold tables, when a search ran."""
    if not search:
        return []
    out = ["", f"**Counterexample search**: {search.get('examples', 0)} examples, {search.get('seconds', 0):.1f} s, "
           f"{len(search.get('violations', []))} certified violation(s) of the claims as stated."]
    for v in search.get("violations", []):
        out.append(f"- violation of `{v.get('claim')}` ({v.get('evidence')}): parameters {v.get('parameters')}; "
                   f"replay: `{v.get('replay')}`")
    if search.get("drop"):
        out += ["", "| dropped assumption | result | examples | note / counterexample |", "|---|---|---|---|"]
        for row in search["drop"]:
            cx = row.get("counterexample") or {}
            what = f"`{cx['replay']}`" if cx.get("replay") else row.get("note", "")
            out.append(f"| {row['assumption']} | {row['result']} | {row.get('examples', 0)} | {what} |")
    if search.get("threshold"):
        out += ["", "| claim | threshold offset | result | examples | counterexample |", "|---|---|---|---|---|"]
        for row in search["threshold"]:
            cx = row.get("counterexample") or {}
            what = f"{cx.get('parameters')}: `{cx['replay']}`" if cx.get("replay") else "-"
            out.append(f"| {row['claim']} | {row['offset']} | {row['result']} | {row.get('examples', 0)} | {what} |")
    for row in search.get("stronger_than_needed", []):
        out.append(f"- assumption `{row.get('assumption')}` stronger than needed: {row.get('note', '')} "
                   f"(instance `{row.get('instance_file')}`)")
    return out


def _sections_markdown(doc: dict[str, Any]) -> list[str]:
    """Each package section rendered by its own package (raw data when the package is not loaded)."""
    from verifier._report._html import _section_objects

    objs = _section_objects(doc)
    out: list[str] = []
    for entry in doc.get("sections", []):
        key = (entry.get("package", ""), entry.get("id", ""))
        sec = objs.get(key)
        out += ["", f"## {entry.get('title', key[1])}", ""]
        try:
            out.append(sec.markdown(entry.get("data") or {}) if sec is not None else
                       f"(package {key[0]} is not loaded; the section's data is in the JSON report)")
        except Exception as e:  # a package's renderer must not lose the report
            out.append(f"**error**: the section renderer raised {type(e).__name__}: {e}")
    return out


def render_markdown(doc: dict[str, Any]) -> str:
    """A reviewer's summary: per theorem, per claim status, evidence, margins, counterexamples."""
    out = [
        f"# Verification report ({doc['status'].upper()})",
        "",
        f"Generated {doc['generated']} by `{doc.get('command') or 'verifier'}`.",
        "",
        "Evidence levels, weakest first: float < mp (high precision) < certified (ball arithmetic) < exact. "
        "A claim is *violated* only with a certified or exact counterexample; a claim that holds holds on every "
        "instance checked, at the evidence level shown.",
        "",
        "| theorem | status | claims | instances |",
        "|---|---|---|---|",
    ]
    for t in doc["theorems"]:
        counts = {s: sum(c["status"] == s for c in t["claims"]) for s in _BADGE}
        summ = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        out.append(f"| {t['id']} | **{_BADGE[t['status']]}** | {summ} | {t['eligible_instances']}/{t['instances']} |")
    for t in doc["theorems"]:
        out += [
            "",
            f"## {t['id']}: {t['title']}",
            "",
            f"**Status: {_BADGE[t['status']]}** (statement: {_BADGE[statement_of(t)]}"
            + (f"; proof gaps: {', '.join(t['proof_gaps'])}" if t.get("proof_gaps") else "") + f"). "
            f"Source: {t['source']}.",
            "",
            t["statement"],
            "",
        ]
        if t.get("depends_on"):
            out.append(f"Depends on: {', '.join(t['depends_on'])}.\n")
        if t.get("interpretation"):
            out.append(f"*Interpretation:* {t['interpretation']}\n")
        if t.get("construction"):
            out.append(f"*Construction:* {t['construction']}\n")
        if t["assumptions"]:
            out += ["| assumption | statement | holds | violated | inconclusive |", "|---|---|---|---|---|"]
            for a in t["assumptions"]:
                n = a["instances"]
                dropped = " (dropped)" if n.get("dropped") else ""
                out.append(
                    f"| {a['name']}{dropped} | {a['statement']} | {n.get('holds', 0)} | {n.get('violated', 0)} | "
                    f"{n.get('inconclusive', 0)} |"
                )
            out.append("")
        for e in t.get("errors", []):
            out.append(f"- **error**: {e}")
        steps = [c for c in t["claims"] if c.get("role") == "step"]
        if steps:
            out += ["", "Proof audit:", "", "| step | claim | verdict | evidence | cites |", "|---|---|---|---|---|"]
            for c in steps:
                gap = " **(proof gap)**" if c["id"] in (t.get("proof_gaps") or []) else ""
                out.append(f"| {c.get('label') or c['id']} | {c['id']} | **{_BADGE[c['status']]}**{gap} | "
                           f"{c.get('evidence') or '-'} | {', '.join(c.get('cites', [])) or '-'} |")
            out.append("")
        out += ["| claim | status | evidence | instances | lhs | rhs | margin |", "|---|---|---|---|---|---|---|"]
        for c in [c for c in t["claims"] if c.get("role") != "step"]:
            w = c.get("worst") or {}
            out.append(
                f"| {c['id']} | **{_BADGE[c['status']]}** | {c['evidence'] or '-'} | {c['instances']} | "
                f"{_side(w.get('lhs'), w.get('lhs_radius'))} | {_side(w.get('rhs'), w.get('rhs_radius'))} | "
                f"{w['margin']:.3g} |"
                if isinstance(w.get("margin"), (int, float))
                else f"| {c['id']} | **{_BADGE[c['status']]}** | {c['evidence'] or '-'} | "
                f"{c['instances']} | - | - | - |"
            )
        for c in t["claims"]:
            extra = []
            if (c.get("worst") or {}).get("label"):
                extra.append(
                    f"- closest comparison (instance {c['worst'].get('instance_index')}): {c['worst']['label']}"
                )
            if c.get("tolerance"):
                extra.append(f"- tolerance: {c['tolerance']}")
            for dt, dev in (c.get("float_deviation") or {}).items():
                extra.append(
                    f"- {dt} deviation from the strongest level: max abs {dev['max_abs']:.3g}, "
                    f"max rel {dev['max_rel']:.3g} (float evidence, never a verdict)"
                )
            for n in c.get("notes", []):
                extra.append(f"- note: {n}")
            cx = c.get("counterexample")
            if cx:
                extra += [
                    f"- **counterexample** ({cx['evidence']}): instance `{cx['instance_file']}`, "
                    f"parameters {cx['parameters']}; {cx['detail']}",
                    f"- replay: `{cx['replay']}`",
                ]
            if extra:
                out += ["", f"**{c['id']}** — {c['statement']}", *extra]
        out += _search_lines(t.get("search"))
        t_ = t["timings"]
        out += ["", "Timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in t_.items())]
    out += _sections_markdown(doc)
    env = doc["environment"]
    out += [
        "",
        "## Environment",
        "",
        f"Python {env['python']}; "
        + ", ".join(f"{k} {v}" for k, v in env["libraries"].items() if v)
        + f"; float device: {env['cuda']}.",
    ]
    return "\n".join(out) + "\n"
