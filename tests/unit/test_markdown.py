"""The Markdown report renders verdicts, counterexamples and the search's tables from the JSON document."""

from __future__ import annotations

from pathlib import Path

from verifier import CheckSettings, check_theorem, record_findings
from verifier._report import render_markdown, report_document


def test_markdown_shows_counterexample_and_search_tables(tmp_path: Path) -> None:
    from verifier import load_spec_file

    planted = Path(__file__).parents[1] / "quality" / "planted.py"
    thm = load_spec_file(f"{planted}:R_LIN_THRESHOLD_MINUS_ONE")[0]
    v = record_findings(check_theorem(thm, CheckSettings(examples=12, seed=1), claims=["exact-above-threshold"]),
                        tmp_path)
    doc = report_document([(thm, v)], command="test")
    doc["theorems"][0]["search"] = {
        "examples": 12, "seconds": 1.5, "violations": [],
        "drop": [{"assumption": "W-nonsingular", "result": "not shown necessary", "examples": 5, "note": "none drawn"}],
        "threshold": [{"claim": "exact-above-threshold", "offset": -1, "result": "refuted", "examples": 7,
                       "counterexample": {"parameters": {"D": 2}, "replay": "verifier search X --replay f.json"}}],
        "stronger_than_needed": [],
    }
    md = render_markdown(doc)
    assert "**VIOLATED**" in md and "replay: `verifier check R-LIN-THRESHOLD-MINUS-ONE" in md
    assert "| W-nonsingular | not shown necessary | 5 | none drawn |" in md
    assert "| exact-above-threshold | -1 | refuted | 7 |" in md
