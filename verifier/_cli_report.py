"""`verifier report` (the whole paper: checks, search tables, experiments, stability -> reports/) and
`verifier reproduce` (the paper's experiments and the float-stability study alone).

Picked up by `verifier._cli` through its plug-in hook. Progress goes to stderr (tqdm); stdout gets
a short summary. `verifier report` exits 0 once the report is written (its verdicts are in the
report; `--strict` exits like `verifier check` instead: 1 violated, 3 inconclusive).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier._cli_search import seconds_type
from verifier._errors import UsageError

_SEARCH_IMPORT_ERROR = "verifier._search"


def _experiments(text: str) -> tuple[str, ...]:
    from verifier._reproduce import EXPERIMENTS

    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [n for n in names if n not in EXPERIMENTS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(EXPERIMENTS)}, got {text!r}")
    return names


def add_parsers(sub: Any) -> None:
    r = sub.add_parser("report", help="the whole report: every theorem, search tables, experiments, stability")
    r.add_argument("ids", nargs="*", help="theorem ids (default: every registered theorem)")
    r.add_argument("--out", default="reports", help="output directory (default: reports)")
    r.add_argument("--quick", action="store_true", help="seconds, not minutes: few instances, tiny experiments")
    r.add_argument("--level", default="exact", choices=["exact", "certified", "mp", "float"])
    r.add_argument("--examples", type=int, default=None, help="random instances per theorem (default: the spec's)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of the float level")
    r.add_argument("--spec", help="also load theorems from PATH.py[:NAME]")
    r.add_argument("--search-budget", type=seconds_type(allow_zero=True), default=None,
                   help="seconds of counterexample search in all, split over theorems (default 120; --quick 10)")
    r.add_argument("--no-search", action="store_true", help="skip the assumption-necessity and threshold tables")
    r.add_argument("--no-reproduce", action="store_true", help="skip the paper's experiments")
    r.add_argument("--no-stability", action="store_true", help="skip the float-stability section")
    r.add_argument("--strict", action="store_true", help="exit 1 if a claim is violated, 3 if inconclusive")
    r.add_argument("--quiet", action="store_true", help="no progress bars, no summary")
    p = sub.add_parser("reproduce", help="the paper's synthetic experiments and the float-stability study")
    p.add_argument("--out", default="reports", help="output directory (default: reports)")
    p.add_argument("--quick", action="store_true", help="seconds: D = 4, two seeds, a few steps (for tests)")
    p.add_argument("--experiments", type=_experiments, default=None,
                   help="comma-separated subset of linear,fnn,tfn,final-layers,bias (default: all)")
    p.add_argument("--no-stability", action="store_true", help="skip the float-stability section")
    p.add_argument("--quiet", action="store_true", help="no progress bars, no summary")


# -- pieces ---------------------------------------------------------------------------------------


def _log(a: argparse.Namespace, msg: str) -> None:
    if not a.quiet:
        print(msg, file=sys.stderr, flush=True)


def _bar(a: argparse.Namespace, total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="theorem", disable=a.quiet, file=sys.stderr)


def _checks(a: argparse.Namespace, thms: Sequence[Any], out: Path) -> list[tuple[Any, Any]]:
    from verifier._check import check_theorem
    from verifier._verdicts import CheckSettings

    examples = a.examples if a.examples is not None else (2 if a.quick else None)
    settings = CheckSettings(level=a.level, examples=examples, seed=a.seed, device=a.device,
                             out_dir=str(out / "counterexamples"), spec_file=a.spec, probes=True)
    pairs = []
    bar = _bar(a, len(thms), "check")
    for thm in thms:
        bar.set_postfix_str(thm.id)
        pairs.append((thm, check_theorem(thm, settings)))
        bar.update(1)
    bar.close()
    return pairs


def _merge_search(plain: dict[str, Any] | None, analysis: dict[str, Any] | None) -> dict[str, Any]:
    """One "search" entry from the plain search (violations) and the drop/threshold analyses."""
    base = dict(plain or analysis or {})
    if plain and analysis:
        base["drop"] = analysis.get("drop", [])
        base["threshold"] = analysis.get("threshold", [])
        base["stronger_than_needed"] = plain.get("stronger_than_needed", []) + analysis.get("stronger_than_needed", [])
        base["examples"] = plain.get("examples", 0) + analysis.get("examples", 0)
        base["seconds"] = round(plain.get("seconds", 0) + analysis.get("seconds", 0), 2)
        base["notes"] = list(plain.get("notes", [])) + list(analysis.get("notes", []))
        base["settings"] = dict(plain.get("settings", {}), analyses={"drop": analysis["settings"].get("drop"),
                                                                       "threshold_offset": analysis["settings"].get(
                                                                           "threshold_offset")})
    return base


def _search(a: argparse.Namespace, pairs: Sequence[tuple[Any, Any]], doc: dict[str, Any], out: Path) -> str | None:
    """Put each theorem's search tables under its "search" key; a reason string if the search was skipped."""
    try:
        from verifier._search import SearchSettings, search_json, search_theorem
    except ImportError as e:  # another engineer's package; the report stands without it
        if e.name and not e.name.startswith(_SEARCH_IMPORT_ERROR):
            raise
        return "the search package (verifier._search) is not installed"
    budget = a.search_budget if a.search_budget is not None else (10.0 if a.quick else 120.0)
    if budget <= 0 or not pairs:
        return "search budget 0"
    per = budget / len(pairs)
    entries = {t["id"]: t for t in doc["theorems"]}
    failed: dict[str, str] = {}
    bar = _bar(a, len(pairs), "search")
    for thm, _v in pairs:
        bar.set_postfix_str(thm.id)
        common = {"seed": a.seed, "database": None, "out_dir": str(out / "counterexamples"), "spec_file": a.spec,
                  "max_examples": 20 if a.quick else 400}
        try:
            plain = search_json(search_theorem(thm, SearchSettings(time_budget=per * 0.4, **common)))
            analysis = None
            if thm.assumptions or any(getattr(c, "threshold", None) for c in thm.claims):
                analysis = search_json(search_theorem(thm, SearchSettings(time_budget=per * 0.6, drop=("all",),
                                                                          threshold_offset=-1, **common)))
            entries[thm.id]["search"] = _merge_search(plain, analysis)
        except Exception as e:  # one theorem's search failing must not lose the whole report; it is recorded
            failed[thm.id] = f"{type(e).__name__}: {e}"
            _log(a, f"verifier: warning: search of {thm.id} failed ({failed[thm.id]}); the report notes it")
        bar.update(1)
    bar.close()
    return "; ".join(f"search of {k} failed: {v}" for k, v in failed.items()) or None


def _reproduction(a: argparse.Namespace, experiments: Sequence[str] | None = None) -> dict[str, Any]:
    from verifier._reproduce import ReproduceSettings, run_reproduction

    over: dict[str, Any] = {"progress": not a.quiet}
    if experiments:
        over["experiments"] = tuple(experiments)
    s = ReproduceSettings.quick_settings(**over) if a.quick else ReproduceSettings(**over)
    return run_reproduction(s)


def _stability(a: argparse.Namespace) -> dict[str, Any]:
    from verifier._reproduce import StabilitySettings, run_stability

    s = StabilitySettings.quick_settings(progress=not a.quiet) if a.quick else StabilitySettings(progress=not a.quiet)
    return run_stability(s)


def write_all(doc: dict[str, Any], out: Path, name: str = "report", png: bool = True) -> dict[str, float]:
    """JSON, Markdown (with the experiments), figures (SVG + PNG) and the HTML page under `out`."""
    from verifier._report import render_html, render_markdown
    from verifier._reproduce._markdown import reproduction_markdown

    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    if doc.get("reproduction") or doc.get("stability"):
        from verifier._reproduce._plots import write_figures

        figures = write_figures(doc, out / "figures", png=png)
    t1 = time.perf_counter()
    md = render_markdown(doc) if doc.get("theorems") else "# The paper's experiments, reproduced\n"
    (out / f"{name}.md").write_text(md + reproduction_markdown(doc))
    (out / f"{name}.html").write_text(render_html(doc, figures=figures))
    (out / f"{name}.json").write_text(json.dumps(doc, indent=1, allow_nan=False))
    return {"figures": round(t1 - t0, 2), "render": round(time.perf_counter() - t1, 2)}


def _document(pairs: Sequence[tuple[Any, Any]], argv: Sequence[str]) -> dict[str, Any]:
    from verifier._report import report_document

    return report_document(pairs, command="verifier " + " ".join(shlex.quote(x) for x in argv))


# -- commands -------------------------------------------------------------------------------------


def cmd_report(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._cli import EXIT, _theorems
    from verifier._registry import load_spec_file

    t0 = time.perf_counter()
    out = Path(a.out)
    if a.spec and not a.ids:  # the spec file's theorems join the registered ones
        load_spec_file(a.spec)
    thms = _theorems(a.ids, a.spec if a.ids else None)
    if not thms:
        raise UsageError("no theorems registered: nothing to report")
    timings: dict[str, float] = {}
    pairs = _checks(a, thms, out)
    timings["checks"] = round(time.perf_counter() - t0, 2)
    doc = _document(pairs, argv)
    skipped: dict[str, str] = {}
    if a.no_search:
        skipped["search"] = "--no-search"
    else:
        t1 = time.perf_counter()
        why = _search(a, pairs, doc, out)
        if why:
            skipped["search"] = why
        timings["search"] = round(time.perf_counter() - t1, 2)
    if a.no_reproduce:
        skipped["reproduction"] = "--no-reproduce"
    else:
        t1 = time.perf_counter()
        doc["reproduction"] = _reproduction(a)
        timings["reproduction"] = round(time.perf_counter() - t1, 2)
    if a.no_stability:
        skipped["stability"] = "--no-stability"
    else:
        t1 = time.perf_counter()
        doc["stability"] = _stability(a)
        timings["stability"] = round(time.perf_counter() - t1, 2)
    if skipped:
        doc["skipped"] = skipped
    doc["timings"] = timings
    _log(a, "writing figures, JSON, Markdown and HTML ...")
    timings.update(write_all(doc, out, png=not a.quick))
    timings["total"] = round(time.perf_counter() - t0, 2)
    (out / "report.json").write_text(json.dumps(doc, indent=1, allow_nan=False))  # with the final timings
    if not a.quiet:
        _summary(doc, out)
    return EXIT[doc["status"]] if a.strict else 0


def cmd_reproduce(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._report import SCHEMA_ID, environment

    t0 = time.perf_counter()
    out = Path(a.out)
    doc: dict[str, Any] = {"schema": SCHEMA_ID, "generated": _now(), "status": "inconclusive",
                           "command": "verifier " + " ".join(shlex.quote(x) for x in argv),
                           "environment": environment(), "theorems": []}
    doc["reproduction"] = _reproduction(a, a.experiments)
    if not a.no_stability:
        doc["stability"] = _stability(a)
    doc["timings"] = {"reproduction": doc["reproduction"]["seconds"]}
    if "stability" in doc:
        doc["timings"]["stability"] = doc["stability"]["seconds"]
    doc["timings"].update(write_all(doc, out, name="reproduction", png=not a.quick))
    doc["timings"]["total"] = round(time.perf_counter() - t0, 2)
    (out / "reproduction.json").write_text(json.dumps(doc, indent=1, allow_nan=False))
    if not a.quiet:
        _summary(doc, out, name="reproduction")
    return 0


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _summary(doc: dict[str, Any], out: Path, name: str = "report") -> None:
    for t in doc.get("theorems", []):
        s = t.get("search")
        extra = f", search {s.get('examples', 0)} examples" if s else ""
        print(f"{t['id']:<8} {t['status'].upper():<13} ({t['eligible_instances']}/{t['instances']} instances{extra})")
    for ex in (doc.get("reproduction") or {}).get("experiments", []):
        seen = [c["observed"] for c in ex.get("checks", [])]
        print(f"experiment {ex['id']:<13} {sum(x is True for x in seen)}/{len(seen)} reported shapes observed "
              f"({ex['seconds']:.0f} s)")
    tm = doc.get("timings", {})
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in tm.items()))
    print(f"wrote {out / (name + '.html')}, {name}.md, {name}.json and figures/")


def dispatch(args: argparse.Namespace, argv: Sequence[str]) -> int | None:
    if args.command == "report":
        return cmd_report(args, argv)
    if args.command == "reproduce":
        return cmd_reproduce(args, argv)
    return None


__all__ = ["add_parsers", "cmd_report", "cmd_reproduce", "dispatch", "write_all"]
