"""`verifier report` and `verifier reproduce` at --quick settings: files, figures, the experiments'
shapes, the stability section's honesty about what was not measured."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from verifier._cli import main


def _section(doc: dict, sid: str) -> dict:
    """A package section's data in a report document (schema verifier-report/2: doc["sections"])."""
    return next(s["data"] for s in doc.get("sections", []) if s["id"] == sid)


def test_report_writes_every_format(quick_report: Path) -> None:
    for name in ("report.html", "report.md", "report.json"):
        assert (quick_report / name).stat().st_size > 1000
    figs = {p.stem for p in (quick_report / "figures").glob("*.svg")}
    assert figs == {"linear", "fnn", "tfn", "final-layers", "bias", "curves", "finite", "stability"}
    md = (quick_report / "report.md").read_text()
    assert "## The paper's experiments, reproduced" in md and "figures/linear.svg" in md
    doc = json.loads((quick_report / "report.json").read_text())
    assert doc["theorems"][0]["id"] == "R-LIN"
    assert set(doc["timings"]) >= {"checks", "sections", "total"}
    sections = [(e["package"], e["id"]) for e in doc["sections"]]
    assert sections == [("zeng_lee", "reproduction"), ("zeng_lee", "stability")]
    assert not any("error" in e for e in doc["sections"]), [e.get("error") for e in doc["sections"]]


def test_constructions_are_exact_at_the_threshold(quick_report: Path) -> None:
    doc = json.loads((quick_report / "report.json").read_text())
    exps = {e["id"]: e for e in _section(doc, "reproduction")["experiments"]}
    d = _section(doc, "reproduction")["settings"]["D"]
    for eid in ("linear", "fnn", "tfn"):
        for s in exps[eid]["series"]:
            if s["method"] == "construction":
                at = dict(zip(s["x"], s["median"], strict=True))[math.ceil(d / 2)]
                assert at < 1e-18, (eid, s["label"], at)
                assert s["median"][0] > 1e-4, "below the threshold the construction has an error"


def test_stability_says_what_it_did_not_measure(quick_report: Path) -> None:
    rows = _section(json.loads((quick_report / "report.json").read_text()), "stability")["rows"]
    tf32 = [r for r in rows if r["dtype"] == "tf32"]
    if rows[0]["device"] == "cpu":
        assert tf32 and all(r["status"] == "not measured" and "no GPU" in r["reason"] for r in tf32)
    f64 = [r for r in rows if r["dtype"] == "float64" and r["L"] == 1]
    assert f64 and all(r["rel_error"] < 1e-10 for r in f64)
    low = [r for r in rows if r["dtype"] == "bfloat16" and r["L"] == 1 and r["regime"].startswith("exact")]
    assert all(r["rel_error"] > 1e-5 for r in low), "bfloat16 keeps only a few digits"


def test_reproduce_command(tmp_path: Path) -> None:
    code = main(["reproduce", "--quick", "--experiments", "linear", "--no-stability", "--out", str(tmp_path),
                 "--quiet"])
    assert code == 0
    doc = json.loads((tmp_path / "reproduction.json").read_text())
    assert [e["id"] for e in _section(doc, "reproduction")["experiments"]] == ["linear"]
    svg = (tmp_path / "figures" / "linear.svg").read_text()
    import xml.etree.ElementTree as ET

    assert ET.fromstring(svg).tag.endswith("svg"), "a well-formed standalone SVG document"
    assert "<img alt=" in (tmp_path / "reproduction.html").read_text()


def test_reproduce_rejects_an_unknown_experiment(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["reproduce", "--experiments", "linear,nonsense"])
    assert e.value.code == 2
    assert "nonsense" in capsys.readouterr().err


def test_overflowed_runs_are_null_in_the_json_and_worst_in_the_median() -> None:
    from theorems.zeng_lee.reproduce._panels import series

    s = series("c", "p", "construction", "random", [1, 2], [[1.0, math.inf, 2.0], [math.nan, math.inf, 1e-30]],
               [0, 1, 2])
    assert s["median"] == [2.0, None] and s["values"][1] == [None, None, 1e-30]
    json.dumps(s, allow_nan=False)


@pytest.mark.parametrize("budget", ["nan", "-1", "soon"])
def test_a_bad_search_budget_is_one_line_and_exit_2(budget: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["report", "--quick", "--search-budget", budget])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--search-budget" in err[0]
