"""The HTML report in a real browser (headless Chromium): no console errors, every image and formula
rendered, the dependency graph and badges on screen, hostile text shown as text."""

from __future__ import annotations

import json
from pathlib import Path

PROBE = """JSON.stringify((() => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  const imgs = [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                               size: box(i), data: i.src.startsWith('data:')}));
  const maths = [...document.getElementsByTagName('math')];
  const badMath = maths.filter(m => !(m instanceof MathMLElement) || box(m)[0] <= 0 || box(m)[1] <= 0).length;
  const graph = document.querySelector('svg.depgraph');
  const nodes = graph ? [...graph.querySelectorAll('g.dg-node')].map(g => ({id: g.dataset.id,
      status: g.dataset.status, fill: g.querySelector('rect').getAttribute('fill'), size: box(g)})) : [];
  const badges = [...document.querySelectorAll('.badge')].filter(b => box(b)[0] > 0);
  const bg = b => getComputedStyle(b).backgroundColor;
  return {imgs, maths: maths.length, badMath, graph: graph ? box(graph) : null, nodes,
          badges: badges.length, holdsBadgeColour: badges.filter(b => b.classList.contains('st-holds')).map(bg)[0],
          scripts: document.scripts.length, texFallback: document.querySelectorAll('code.tex').length,
          h3: [...document.querySelectorAll('h3')].map(h => h.textContent),
          statements: [...document.querySelectorAll('.statement')].map(s => s.textContent)};
})())"""


def _assert_rendered(res: object) -> None:
    probe = res.probe  # type: ignore[attr-defined]
    assert res.errors == [], res.errors  # type: ignore[attr-defined]
    assert probe["scripts"] == 0
    assert probe["imgs"], "the report has figures"
    for img in probe["imgs"]:
        assert img["ok"] and img["data"] and img["size"][0] > 100 and img["size"][1] > 50, img
    assert probe["maths"] > 0 and probe["badMath"] == 0, "every formula is laid out as MathML"
    assert probe["graph"] and probe["graph"][0] > 100 and probe["graph"][1] > 40, "dependency graph drawn"
    assert probe["nodes"] and all(n["size"][0] > 0 for n in probe["nodes"])
    assert probe["badges"] >= 5
    assert probe["holdsBadgeColour"] == "rgb(27, 127, 59)", "HOLDS badge is green"


def test_report_renders_in_chromium(chromium, quick_report: Path, tmp_path: Path) -> None:
    res = chromium.load(quick_report / "report.html", PROBE)
    (tmp_path / "report.png").write_bytes(res.screenshot)
    _assert_rendered(res)
    assert res.probe["texFallback"] == 0, "every formula of the real report converts to MathML"
    assert {n["id"] for n in res.probe["nodes"]} >= {"R-LIN"}
    assert len(res.screenshot) > 10_000 and res.screenshot[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_text_is_shown_as_text(chromium, quick_report: Path, tmp_path: Path) -> None:
    from verifier._report import render_html

    doc = json.loads((quick_report / "report.json").read_text())
    t = doc["theorems"][0]
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    t["title"] = "Evil " + hostile
    t["statement"] = r"Math $\text{<b>bold</b>}$ and " + hostile + r" and $x < y$."
    t["claims"][0]["notes"] = [hostile]
    dep = dict(t, id="R-DEP", title="depends on a violated result", depends_on=[t["id"]])
    t["status"] = t["statement_status"] = "violated"
    doc["theorems"].append(dep)
    page = tmp_path / "hostile.html"
    page.write_text(render_html(doc, figures={}))
    res = chromium.load(page, PROBE)
    (tmp_path / "hostile.png").write_bytes(res.screenshot)
    assert res.errors == [], res.errors
    assert res.probe["scripts"] == 0, "no script element was injected"
    assert any("<script>alert('x')</script>" in h for h in res.probe["h3"]), res.probe["h3"]
    assert any("<script>" in s for s in res.probe["statements"])
    assert res.probe["texFallback"] >= 1, "math with raw HTML inside falls back to escaped TeX"
    assert all(i["ok"] for i in res.probe["imgs"]), "the injected <img> is text, not an element"
    nodes = {n["id"]: n for n in res.probe["nodes"]}
    assert nodes["R-LIN"]["status"] == "violated"
