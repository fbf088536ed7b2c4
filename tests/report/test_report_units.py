"""Report pieces on hand-made documents: MathML conversion and sanitising, the dependency graph's
colours and flags, badges and escaping in the HTML, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from verifier._report import dependency_graph, graph_svg, latex_to_mathml, render_html, render_text


def _claim(cid: str, status: str, evidence: str | None) -> dict[str, Any]:
    return {"id": cid, "statement": "$x \\le 1$", "kind": "instances", "quantifier": "forall", "status": status,
            "evidence": evidence, "instances": 3, "counts": {"holds": 3, "violated": 0, "inconclusive": 0},
            "tolerance": None, "worst": None, "counterexample": None, "float_deviation": {}, "notes": []}


def _theorem(tid: str, status: str, deps: list[str], evidence: str = "exact") -> dict[str, Any]:
    return {"id": tid, "title": f"title of {tid}", "statement": r"Let $E = \bar W - \prod_l W_l$.",
            "source": "paper", "depends_on": deps, "interpretation": "",
            "parameters": [], "assumptions": [], "construction": "c", "status": status, "instances": 3,
            "eligible_instances": 3, "claims": [_claim("c1", status, evidence)], "settings": {}, "arithmetics": [],
            "timings": {"total": 0.1}, "notes": []}


def _doc(*theorems: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "verifier-report/1", "generated": "2026-01-01T00:00:00+00:00", "command": "verifier report",
            "status": "violated", "environment": {"python": "3", "platform": "p", "libraries": {}, "cuda": "cpu"},
            "theorems": list(theorems)}


def test_latex_converts_to_mathml() -> None:
    out = latex_to_mathml(r"\sigma_{RL+1}(E) \le \|\bar W\|_2")
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"') and "<msub>" in out


def test_raw_html_inside_math_falls_back_to_escaped_tex() -> None:
    out = latex_to_mathml(r"\text{<b>x</b>}")
    assert out.startswith('<code class="tex">') and "&lt;b&gt;" in out and "<b>" not in out


def test_prose_is_escaped_and_math_converted() -> None:
    out = render_text("a <script>alert(1)</script> & $x < y$")
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp;" in out and "<math" in out


def test_malformed_math_falls_back() -> None:
    assert render_text(r"$\frac{1}{$").startswith("<code")


def test_graph_flags_results_resting_on_a_violated_dependency() -> None:
    doc = _doc(_theorem("A", "violated", []), _theorem("B", "holds", ["A"]), _theorem("C", "holds", ["B", "X"]))
    g = dependency_graph(doc)
    assert g.nodes["B"]["node"].flagged_by == ("A",)
    assert g.nodes["C"]["node"].flagged_by == ("A",), "flags are transitive"
    assert g.nodes["X"]["node"].status == "missing"
    assert g.nodes["A"]["node"].fill != g.nodes["B"]["node"].fill
    svg = graph_svg(doc)
    assert svg.count('class="dg-node"') == 4 and "dependency violated" in svg


def test_evidence_level_changes_the_shade() -> None:
    g = dependency_graph(_doc(_theorem("A", "holds", [], "exact"), _theorem("B", "holds", [], "float")))
    assert g.nodes["A"]["node"].fill != g.nodes["B"]["node"].fill


def test_html_has_badges_no_script_and_a_strict_csp() -> None:
    t = _theorem("R-<b>", "holds", [])
    t["title"] = "<script>alert(1)</script>"
    page = render_html(_doc(t), figures={})
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert 'class="badge st-holds">HOLDS<' in page and 'class="badge ev-exact"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_importing_the_report_and_cli_modules_stays_light() -> None:
    code = ("import sys, verifier._report, verifier._cli, theorems.zeng_lee.reproduce; "
            "verifier._cli.build_parser(['check']); "
            "print(sorted(m for m in ('torch', 'flint', 'matplotlib', 'networkx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_summary_separates_the_statement_from_steps_and_readings(capsys, tmp_path) -> None:
    from verifier._cli.report import _summary

    gap = _theorem("GAP", "violated", [])
    gap["statement_status"], gap["proof_gaps"] = "holds", ["S1"]
    gap["claims"] = [_claim("main", "holds", "exact"), {**_claim("S1", "violated", "exact"), "role": "step"}]
    reading = _theorem("READ", "violated", [])
    reading["statement_status"], reading["proof_gaps"] = "holds", []
    reading["claims"] = [_claim("main", "holds", "exact"),
                         {**_claim("literal", "violated", "exact"), "role": "interpretation"}]
    false = _theorem("FALSE", "violated", [])
    false["statement_status"] = "violated"
    unstated = _theorem("UNSTATED", "holds", [])
    unstated["statement_status"] = None
    _summary(_doc(gap, reading, false, unstated), tmp_path, [])
    lines = {ln.split()[0]: ln for ln in capsys.readouterr().out.splitlines() if ln[:1].isupper()}
    assert "statement HOLDS" in lines["GAP"] and "proof gaps: S1" in lines["GAP"]
    assert "statement HOLDS" in lines["READ"] and "readings violated: literal" in lines["READ"]
    assert "statement" not in lines["FALSE"].split("(", 1)[1] and "VIOLATED" in lines["FALSE"]
    assert "HOLDS" in lines["UNSTATED"] and "statement NOT CHECKED" in lines["UNSTATED"]
