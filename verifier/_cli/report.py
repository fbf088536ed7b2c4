"""`verifier report`: check the selected theorems, search them, run the sections of the packages
reported whole, and write JSON, Markdown, HTML and figures to one folder."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier._cli._common import (
    EXIT,
    bounded_int,
    command_line,
    log,
    output_parser,
    seconds,
    select,
    selection_parser,
    write_json,
)
from verifier._errors import UsageError
from verifier._report._kit import statement_of, status_text

NAME = "report"
HELP = "the whole report: checks, search tables and the packages' own sections"
PARENTS = (selection_parser, output_parser)


def _section_ids(text: str) -> tuple[str, ...]:
    out = tuple(x.strip() for x in text.split(",") if x.strip())
    if not out:
        raise argparse.ArgumentTypeError(f"expected comma-separated section ids, got {text!r}")
    return out


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="reports", help="output directory (default: reports)")
    p.add_argument("--quick", action="store_true", help="seconds, not minutes: few instances, tiny sections")
    p.add_argument("--level", default="exact", choices=["exact", "certified", "mp", "float"])
    p.add_argument("--examples", type=bounded_int(1, 100_000), default=None,
                   help="random instances per theorem (default: the spec's)")
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1, "a non-negative integer"), default=0)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of the float level")
    p.add_argument("--search-budget", type=seconds(allow_zero=True), default=None,
                   help="seconds of counterexample search in all, split over theorems (default 120; --quick 10)")
    p.add_argument("--no-search", action="store_true", help="skip the search (violations, assumptions, thresholds)")
    p.add_argument("--no-sections", action="store_true", help="skip the packages' own sections (experiments, ...)")
    p.add_argument("--sections", type=_section_ids, default=None, metavar="ID,ID",
                   help="run only these sections of the reported packages")


def _bar(a: argparse.Namespace, total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="theorem", disable=a.quiet, file=sys.stderr)


def _checks(a: argparse.Namespace, thms: Sequence[Any], out: Path, spec_files: Sequence[str]) -> list[tuple[Any, Any]]:
    from verifier._check import check_theorem
    from verifier._findings import record_findings
    from verifier._verdicts import CheckSettings

    examples = a.examples if a.examples is not None else (2 if a.quick else None)
    settings = CheckSettings(level=a.level, examples=examples, seed=a.seed, device=a.device, probes=True)
    pairs = []
    bar = _bar(a, len(thms), "check")
    for thm in thms:
        bar.set_postfix_str(thm.id)
        v = check_theorem(thm, settings)
        pairs.append((thm, record_findings(v, out / "counterexamples", spec_files)))
        bar.update(1)
    bar.close()
    return pairs


def _search(a: argparse.Namespace, pairs: Sequence[tuple[Any, Any]], doc: dict[str, Any], out: Path,
            spec_files: Sequence[str]) -> str | None:
    """Put each theorem's search under its "search" key; a reason string if (part of) it failed."""
    from verifier._report._search_merge import merge_analyses
    from verifier._search import SearchSettings, search_json, search_theorem

    budget = a.search_budget if a.search_budget is not None else (10.0 if a.quick else 120.0)
    if budget <= 0 or not pairs:
        return "search budget 0"
    per = budget / len(pairs)
    entries = {t["id"]: t for t in doc["theorems"]}
    failed: dict[str, str] = {}
    bar = _bar(a, len(pairs), "search")
    for thm, _v in pairs:
        bar.set_postfix_str(thm.id)
        common = {"seed": a.seed, "database": None, "out_dir": str(out / "counterexamples"),
                  "spec_files": tuple(spec_files), "max_examples": 20 if a.quick else 400}
        try:
            plain = search_json(search_theorem(thm, SearchSettings(time_budget=per * 0.4, **common)))
            analysis = None
            if thm.assumptions or any(c.threshold for c in thm.claims):
                analysis = search_json(search_theorem(thm, SearchSettings(time_budget=per * 0.6, drop=("all",),
                                                                          threshold_offset=-1, **common)))
            entries[thm.id]["search"] = merge_analyses(plain, analysis)
        except Exception as e:  # one theorem's search failing must not lose the report: recorded as an error
            failed[thm.id] = f"{type(e).__name__}: {e}"
            entries[thm.id]["search"] = {"status": "error", "error": failed[thm.id]}
            log(a, f"verifier: error: search of {thm.id} failed ({failed[thm.id]}); the report shows it")
        bar.update(1)
    bar.close()
    return "; ".join(f"search of {k} failed: {v}" for k, v in failed.items()) or None


def _sections(a: argparse.Namespace, whole: Sequence[Any], out: Path) -> list[tuple[str, Any]]:
    if a.no_sections:
        return []
    chosen = [(p.name, s) for p in whole for s in p.sections]
    if a.sections is not None:
        known = {s.id for _n, s in chosen}
        bad = sorted(set(a.sections) - known)
        if bad:
            raise UsageError(f"--sections: unknown section(s) {bad} of the reported packages; known: {sorted(known)}")
        chosen = [(n, s) for n, s in chosen if s.id in a.sections]
    return chosen


def run(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._package import SectionSettings
    from verifier._report import report_document
    from verifier._report._search_merge import fold_search
    from verifier._report._write import run_sections, write_files

    t0 = time.perf_counter()
    out = Path(a.out)
    sel = select(a)
    if not sel.theorems:
        raise UsageError("no theorems selected: nothing to report")
    sections = _sections(a, sel.whole_packages, out)
    timings: dict[str, float] = {}
    pairs = _checks(a, sel.theorems, out, sel.spec_files)
    timings["checks"] = round(time.perf_counter() - t0, 2)
    doc = report_document(pairs, command=command_line(argv))
    skipped: dict[str, str] = {}
    if a.no_search:
        skipped["search"] = "--no-search"
    else:
        t1 = time.perf_counter()
        why = _search(a, pairs, doc, out, sel.spec_files)
        if why:
            skipped["search"] = why
        timings["search"] = round(time.perf_counter() - t1, 2)
        fold_search(doc)
    if sections:
        t1 = time.perf_counter()
        log(a, "sections: " + ", ".join(f"{n}.{s.id}" for n, s in sections))
        doc["sections"] = run_sections(sections, SectionSettings(quick=a.quick, progress=not a.quiet,
                                                                 device=a.device, seed=a.seed, out=out))
        timings["sections"] = round(time.perf_counter() - t1, 2)
    elif sel.whole_packages and any(p.sections for p in sel.whole_packages):
        skipped["sections"] = "--no-sections"
    if skipped:
        doc["skipped"] = skipped
    doc["timings"] = timings
    log(a, "writing figures, JSON, Markdown and HTML ...")
    timings.update(write_files(doc, out, png=not a.quick))
    timings["total"] = round(time.perf_counter() - t0, 2)
    write_json(out / "report.json", doc)  # with the final timings
    if not a.quiet:
        _summary(doc, out, sections)
    return EXIT[doc["status"]]


def _summary(doc: dict[str, Any], out: Path, sections: Sequence[tuple[str, Any]]) -> None:
    for t in doc.get("theorems", []):
        s = t.get("search")
        extra = f", search {s.get('examples', 0)} examples" if s and "examples" in s else ""
        stmt = statement_of(t)
        extra += f", statement {status_text(stmt)}" if stmt != t["status"] else ""
        extra += f", proof gaps: {', '.join(t['proof_gaps'])}" if t.get("proof_gaps") else ""
        readings = [c["id"] for c in t.get("claims", ()) if c.get("role") == "interpretation"
                    and c.get("status") == "violated"]
        extra += f", readings violated: {', '.join(readings)}" if readings else ""
        print(f"{t['id']:<12} {t['status'].upper():<14} ({t['eligible_instances']}/{t['instances']} instances"
              f"{extra})")
    objs = {(n, s.id): s for n, s in sections}
    for entry in doc.get("sections", []):
        sec = objs.get((entry["package"], entry["id"]))
        if entry.get("error"):
            print(f"section {entry['package']}.{entry['id']}: ERROR {entry['error']}")
        elif sec is not None and sec.summary is not None:
            for line in sec.summary(entry["data"]):
                print(line)
    tm = doc.get("timings", {})
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in tm.items()))
    print(f"{doc['status'].upper()}: wrote {out / 'report.html'}, report.md, report.json and figures/")
