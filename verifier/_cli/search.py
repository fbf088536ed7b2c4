"""`verifier search`: Hypothesis-driven counterexample search, assumption and threshold analyses.

Exit codes follow `verifier check`: 0 nothing violated (and nothing erred), 1 a claim of a theorem
as stated has a certified counterexample, 2 bad usage or input, 4 the spec's code raised on some
instance (the search cannot say "not refuted"), 130 interrupted (Ctrl-C or SIGTERM) before any of
that: the summary, the `--json` file and every finding are written first. Drop and threshold
analyses do not change the exit code (a refuted shifted threshold is what they look for).
`--replay FILE` exits like `verifier check --instance FILE`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier._cli._common import (
    bounded_int,
    command_line,
    keep_verdict,
    output_parser,
    seconds,
    select,
    selection_parser,
    try_write,
    write_json,
)
from verifier._errors import UsageError

NAME = "search"
HELP = "search for certified counterexamples; find which assumptions matter"
PARENTS = (selection_parser, output_parser)


def _param_range(text: str) -> tuple[str, int, int]:
    """NAME=LO:HI or NAME=V (argparse type: a bad value is a one-line usage error)."""
    name, eq, rng = text.partition("=")
    lo, colon, hi = rng.partition(":")
    try:
        if not eq or not name.isidentifier():
            raise ValueError
        a, b = int(lo), int(hi) if colon else int(lo)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=LO:HI or NAME=VALUE (e.g. D=2:6), got {text!r}") from None
    if a > b:
        raise argparse.ArgumentTypeError(f"{text!r}: low {a} > high {b}")
    if a < 0 or b > 4096:
        raise argparse.ArgumentTypeError(f"{text!r}: values must be in 0..4096")
    return name, a, b


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-examples", type=bounded_int(1, 10_000_000), default=1000, help="generated "
                                                                                         "examples per search")
    p.add_argument("--time-budget", type=seconds(), default=60.0,
                   help="seconds per theorem, split between its searches (default 60)")
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1, "a non-negative integer"), default=0)
    p.add_argument("--claim", action="append", default=[], help="only this claim (repeatable)")
    p.add_argument("--drop", action="append", default=[],
                   help="show this assumption necessary: search without it (repeatable; 'all': each in turn)")
    p.add_argument("--threshold-offset", type=bounded_int(-64, 64), default=None,
                   help="shift every declared claim threshold by this much and search (e.g. -1)")
    p.add_argument("--param", action="append", default=[], type=_param_range,
                   help="search range of a parameter, NAME=LO:HI (default: the spec's range capped at 6)")
    p.add_argument("--batch", type=bounded_int(1, 4096), default=4, help="instances per drawn structure (float batch)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of the float screening")
    p.add_argument("--sampler", default="mixed", choices=["mixed", "hypothesis", "adaptive", "random"],
                   help="mixed (default): Hypothesis rounds alternating with adaptive (cross-entropy) ones; "
                        "hypothesis; adaptive; random (the same structures, uniformly: a baseline)")
    p.add_argument("--no-guidance", action="store_true", help="no hypothesis.target on margins")
    p.add_argument("--no-descent", action="store_true",
                   help="no margin descent (gradient steps on claim margins from the best candidates)")
    p.add_argument("--no-structure", action="store_true", help="only the spec's own generator (steered)")
    p.add_argument("--no-shrink", action="store_true", help="report counterexamples as found")
    p.add_argument("--no-database", action="store_true", help="do not use the Hypothesis example database")
    p.add_argument("--replay", metavar="FILE", help="re-check this instance file under the given options")
    p.add_argument("--json", dest="json_path", help="write the search results (JSON) here")
    p.add_argument("--report", dest="report_dir", help="add the results to DIR/report.json (and re-render it)")
    p.add_argument("--shards", type=bounded_int(1, 65536), default=None,
                   help="with --workers/--scheduler: independent seeded searches per theorem (default: one per worker)")
    from verifier._campaign._options import add_campaign_arguments

    add_campaign_arguments(p)


def settings(a: argparse.Namespace, spec_files: Sequence[str]) -> Any:
    from verifier._search import SearchSettings

    out_dir = Path(a.report_dir) / "counterexamples" if a.report_dir else Path(".verifier/counterexamples")
    # the Hypothesis database lives beside the findings it replays (`.verifier/hypothesis` by default)
    database = None if a.no_database else str(out_dir.parent / "hypothesis")
    return SearchSettings(max_examples=a.max_examples, time_budget=a.time_budget, seed=a.seed,
                          claims=tuple(a.claim), drop=tuple(a.drop), threshold_offset=a.threshold_offset,
                          ranges=tuple(a.param), batch=a.batch, guided=not a.no_guidance, sampler=a.sampler,
                          descent=not a.no_descent, structured=not a.no_structure, shrink=not a.no_shrink,
                          device=a.device, database=database, out_dir=str(out_dir), spec_files=tuple(spec_files))


def counts_line(res: Any) -> str:
    """How many instances held, were violated, stayed undecided, raised, did not apply; draws rejected."""
    c = res.counts
    return (f"instances: {c.get('held', 0)} held, {c.get('violated', 0)} violated, {c.get('inconclusive', 0)} "
            f"inconclusive, {c.get('errored', 0)} errored, {c.get('not-applicable', 0)} not applicable; "
            f"{c.get('rejected', 0)} draws rejected (assumptions not met)")


def print_result(res: Any) -> None:
    print(f"{res.theorem}: {res.status.upper()}  ({res.examples} examples, {res.seconds:.1f} s"
          f"{', interrupted' if res.interrupted else ''})")
    print(f"  {counts_line(res)}")
    for e in res.errors[:3]:
        print(f"  error: {e}")
    for f in res.violations:
        print(f"  {f.claim:<28} violated ({f.evidence})  {f.parameters}  found after {f.examples} examples, "
              f"{f.seconds:.1f} s")
        print(f"    structure: {f.description}")
        print(f"    {f.detail}")
        print(f"    replay: {f.replay}")
    if res.drop:
        print("  assumption necessity (each searched with that assumption dropped):")
        for d in res.drop:
            print(f"    {d.assumption:<26} {d.result:<20} {d.examples:>5} examples {d.seconds:6.1f} s  {d.note}")
            if d.counterexample:
                print(f"      {d.counterexample.parameters}: {d.counterexample.description}")
                print(f"      replay: {d.counterexample.replay}")
    for t in res.threshold:
        print(f"  threshold of {t.claim} shifted by {t.offset:+d}: {t.result} "
              f"({t.examples} examples, {t.seconds:.1f} s)")
        if t.counterexample:
            print(f"    {t.counterexample.parameters}: {t.counterexample.description}")
            print(f"    replay: {t.counterexample.replay}")
    for r in res.stronger_than_needed:
        print(f"  stronger than needed: {r.note}")
        print(f"    instance: {r.instance_file}")
    for n in res.notes[:5]:
        print(f"  note: {n}")


def _report(report_dir: str, pairs: Sequence[tuple[Any, Any]], argv: Sequence[str]) -> None:
    """Put each result under its theorem's "search" key in DIR/report.json (made by a quick check if absent)."""
    from verifier._check import check_theorem
    from verifier._findings import record_findings
    from verifier._instances import load_instance
    from verifier._report import report_document
    from verifier._report._write import write_files
    from verifier._search import search_json
    from verifier._verdicts import CheckSettings

    path = Path(report_dir) / "report.json"
    doc = json.loads(path.read_text()) if path.is_file() else None
    command = command_line(argv)
    if doc is None:
        checked = []
        for thm, res in pairs:  # the counterexamples themselves (or a few random instances) make the entry
            insts = [load_instance(thm, f.instance_file) for f in res.violations] or None
            v = check_theorem(thm, CheckSettings(examples=2, seed=res.settings.seed), insts,
                              [c.id for c in thm.claims])
            checked.append((thm, record_findings(v, Path(report_dir) / "counterexamples", res.settings.spec_files)))
        doc = report_document(checked, command=command)
    entries = {t["id"]: t for t in doc["theorems"]}
    for thm, res in pairs:
        if thm.id in entries:
            entries[thm.id]["search"] = search_json(res)
    doc.setdefault("search_commands", []).append(command)
    write_files(doc, Path(report_dir))


def _replay(a: argparse.Namespace, thms: Sequence[Any], s: Any, argv: Sequence[str]) -> int:
    from verifier._cli._common import EXIT
    from verifier._search._analysis import replay_file

    if len(thms) != 1:
        raise UsageError("--replay needs exactly one theorem id, e.g. `verifier search ID --replay FILE`")
    status, lines = replay_file(thms[0], s, a.replay)
    if not a.quiet:
        print("\n".join(lines))
    if a.json_path:
        problems: list[str] = []
        doc = {"schema": "verifier-search/1", "command": command_line(argv), "replay": a.replay, "status": status,
               "violated": status == "violated", "lines": lines}
        try_write(a.json_path, lambda: write_json(a.json_path, doc), problems)
        keep_verdict(a, problems, [f"{thms[0].id}: {status.upper()}"])
    return EXIT[status]


def exit_status(pairs: Sequence[tuple[Any, Any]]) -> int:
    """1 violated, else 4 an error, else 130 interrupted, else 0."""
    from verifier._cli._common import EXIT_INTERNAL

    results = [r for _t, r in pairs]
    if any(r.status == "violated" for r in results):
        return 1
    if any(r.status == "error" for r in results):
        return EXIT_INTERNAL
    return 130 if any(r.interrupted for r in results) else 0


def run(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._search import search_json, search_theorem

    sel = select(a)
    s = settings(a, sel.spec_files)
    if a.replay:
        return _replay(a, sel.theorems, s, argv)
    if a.threshold_offset is not None and len(sel.theorems) == 1 and not any(c.threshold for c in
                                                                             sel.theorems[0].claims):
        raise UsageError(f"--threshold-offset: {sel.theorems[0].id} declares no claim threshold (Claim.threshold)")
    from verifier._campaign._options import cluster_spec

    pairs: list[tuple[Any, Any]] = []
    spec = cluster_spec(a)
    try:
        if spec is not None:
            from verifier._campaign import search_campaign

            pairs = search_campaign(sel.theorems, s, spec, a.shards, a.quiet)
            for _thm, res in pairs if not a.quiet else ():
                print_result(res)
        for thm in sel.theorems if spec is None else ():
            res = search_theorem(thm, s)
            pairs.append((thm, res))
            if not a.quiet:
                print_result(res)
            if res.interrupted:
                break
    except KeyboardInterrupt:  # between searches: what is done is kept and written below
        if not pairs:
            raise
    if a.json_path:
        problems: list[str] = []
        doc = {"schema": "verifier-search/1", "command": command_line(argv),
               "results": [search_json(r) for _, r in pairs]}
        try_write(a.json_path, lambda: write_json(a.json_path, doc), problems)
        keep_verdict(a, problems, [f"{r.theorem}: {r.status.upper()}" for _, r in pairs])
    if a.report_dir:
        _report(a.report_dir, pairs, argv)
    return exit_status(pairs)
