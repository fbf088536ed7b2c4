"""Running package sections and writing a report's files: JSON, Markdown, HTML and figures."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier._fileio import atomic_write
from verifier._package import ReportSection, SectionSettings
from verifier._records import Theorem
from verifier._verdicts import TheoremVerdict


def run_sections(sections: Sequence[tuple[str, ReportSection]], settings: SectionSettings) -> list[dict[str, Any]]:
    """Each (package, section) run once; a section that raises is recorded as an error, never dropped."""
    out = []
    for pkg, sec in sections:
        t0 = time.perf_counter()
        entry: dict[str, Any] = {"id": sec.id, "package": pkg, "title": sec.title}
        try:
            entry["data"] = dict(sec.run(settings))
        except Exception as e:  # a package's section failing must not lose the report: it is reported
            entry["data"] = {}
            entry["error"] = f"{type(e).__name__}: {e}"
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        out.append(entry)
    return out


def _figures(doc: dict[str, Any], out: Path, png: bool) -> dict[str, str]:
    """Draw every section's figures, write them under out/figures/, return their SVG by key."""
    from verifier._report._html import _section_objects

    objs = _section_objects(doc)
    svgs: dict[str, str] = {}
    for entry in doc.get("sections", []):
        key = (entry.get("package", ""), entry.get("id", ""))
        sec = objs.get(key)
        if sec is None or sec.figures is None or entry.get("error"):
            continue
        try:
            figs = sec.figures(entry.get("data") or {}, png)
        except Exception as e:  # recorded beside the section, the rest of the report stands
            entry["figure_error"] = f"{type(e).__name__}: {e}"
            continue
        names = []
        for name, fig in figs.items():
            prolog = "" if fig.svg.lstrip().startswith("<?xml") else '<?xml version="1.0" encoding="utf-8"?>\n'
            atomic_write(out / "figures" / f"{name}.svg", prolog + fig.svg)
            if fig.png is not None:
                atomic_write(out / "figures" / f"{name}.png", fig.png)
            svgs[f"{key[0]}.{key[1]}/{name}"] = fig.svg
            names.append(name)
        entry["figures"] = names
    return svgs


def write_files(doc: dict[str, Any], out: Path, name: str = "report", png: bool = True) -> dict[str, float]:
    """`name`.json, `name`.md, `name`.html and figures/ under `out`; returns seconds per stage."""
    from verifier._report._html import render_html
    from verifier._report._markdown import render_markdown

    t0 = time.perf_counter()
    figs = _figures(doc, out, png)
    t1 = time.perf_counter()
    atomic_write(out / f"{name}.md", render_markdown(doc))
    atomic_write(out / f"{name}.html", render_html(doc, figures=figs))
    atomic_write(out / f"{name}.json", json.dumps(doc, indent=1, allow_nan=False))
    return {"figures": round(t1 - t0, 2), "render": round(time.perf_counter() - t1, 2)}


def write_report(pairs: Sequence[tuple[Theorem, TheoremVerdict]], out: str | Path, *, name: str = "report",
                 sections: Sequence[tuple[str, ReportSection]] = (), settings: SectionSettings | None = None,
                 command: str = "", png: bool = True) -> dict[str, Any]:
    """Build the document for checked theorems plus package sections and write all its files."""
    from verifier._report._json import report_document

    out = Path(out)
    doc = report_document(pairs, command=command)
    if sections:
        doc["sections"] = run_sections(sections, settings or SectionSettings(out=out))
    doc["timings"] = write_files(doc, out, name=name, png=png)
    atomic_write(out / f"{name}.json", json.dumps(doc, indent=1, allow_nan=False))
    return doc


__all__ = ["run_sections", "write_files", "write_report"]
