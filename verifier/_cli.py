"""The `verifier` command line: list, check (and the commands later issues add).

Exit codes: 0 every claim holds; 1 a claim is violated (certified or exact counterexample);
2 bad usage or bad input; 3 nothing violated but something inconclusive.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from verifier._errors import UsageError, VerifierError

EXIT = {"holds": 0, "violated": 1, "inconclusive": 3}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        self.exit(2, f"verifier: error: {message}\n")


def _dtypes(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verifier", description="Check theorem claims at explicit evidence levels.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list the registered theorems")
    ls.add_argument("--spec", action="append", default=[], help="also load theorems from PATH.py[:NAME]")
    c = sub.add_parser("check", help="check theorems' claims on instances")
    c.add_argument("ids", nargs="*", help="theorem ids (default: every registered theorem)")
    c.add_argument("--level", default="exact", choices=["exact", "certified", "mp", "float"],
                   help="strongest evidence to aim for (float failures always escalate)")
    c.add_argument("--examples", type=int, default=None, help="random instances per theorem")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of the float level")
    c.add_argument("--dtype", type=_dtypes, default=("float64",),
                   help="float dtypes, comma separated; the first screens, the rest are measured")
    c.add_argument("--tf32", action="store_true", help="allow TF32 matrix products on CUDA (reported)")
    c.add_argument("--prec", type=int, default=170, help="certified precision in bits")
    c.add_argument("--max-prec", type=int, default=1360, help="ceiling for certified precision")
    c.add_argument("--dps", type=int, default=50, help="mpmath digits")
    c.add_argument("--instance", help="check a user instance file (JSON) instead of random instances")
    c.add_argument("--claim", action="append", default=[], help="only this claim (repeatable)")
    c.add_argument("--drop", action="append", default=[], help="ignore this assumption (repeatable)")
    c.add_argument("--spec", help="load theorems from PATH.py[:NAME] (user or planted specs)")
    c.add_argument("--json", dest="json_path", help="write the JSON report here")
    c.add_argument("--report", dest="report_dir", help="write report.json, report.md (and report.html) here")
    c.add_argument("--no-probes", action="store_true", help="skip gradient-descent probes of lower bounds")
    c.add_argument("--quiet", action="store_true")
    for mod in _plugins():
        mod.add_parsers(sub)
    return p


_PLUGIN_MODULES = ("verifier._cli_search", "verifier._cli_report")


def _plugins() -> list[Any]:
    """Sub-command modules (search, report, reproduce): each has add_parsers(sub) and dispatch(args, argv)."""
    import importlib

    out = []
    for name in _PLUGIN_MODULES:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return out


def _theorems(ids: Sequence[str], spec: str | None) -> list[Any]:
    from verifier._registry import all_theorems, get_theorem, load_spec_file

    if spec:
        loaded = load_spec_file(spec)
        if not ids:
            return loaded
    return [get_theorem(i) for i in ids] if ids else all_theorems()


def _print_summary(pairs: Sequence[tuple[Any, Any]]) -> None:
    for _thm, v in pairs:
        print(f"{v.id}: {v.status.upper()}  ({v.eligible}/{v.instances} instances met the assumptions, "
              f"{v.timings.get('total', 0):.1f} s)")
        for c in v.claims:
            w = c.worst or {}
            side = f"  lhs={w.get('lhs')} rhs={w.get('rhs')}" if "lhs" in w else ""
            print(f"  {c.id:<28} {c.status:<13} evidence={c.evidence or '-':<9} n={c.instances}{side}")
            if c.counterexample:
                print(f"    counterexample: {c.counterexample['detail']}")
                print(f"    replay: {c.counterexample['replay']}")
            for n in c.notes[:3]:
                print(f"    note: {n}")


def write_reports(doc: dict[str, Any], json_path: str | None, report_dir: str | None) -> None:
    from verifier._report import render_markdown

    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(doc, indent=1))
    if report_dir:
        d = Path(report_dir)
        d.mkdir(parents=True, exist_ok=True)
        (d / "report.json").write_text(json.dumps(doc, indent=1))
        (d / "report.md").write_text(render_markdown(doc))
        try:
            from verifier._report import render_html  # type: ignore[attr-defined]
        except ImportError:
            return
        (d / "report.html").write_text(render_html(doc))


def _user_instance(thm: Any, path: str, drop: Sequence[str]) -> Any:
    """Load a user's instance; one that violates an assumption is bad input (exit 2), not a counterexample."""
    from verifier._errors import InstanceError
    from verifier._instances import load_instance

    inst = load_instance(thm, path)
    for assumption in thm.assumptions:
        if assumption.name in drop:
            continue
        res = assumption.check(inst)
        if res.status == "violated":
            raise InstanceError(f"{path}: the instance does not meet assumption {assumption.name} of {thm.id} "
                                f"({res.detail}); pass --drop {assumption.name} to check it anyway")
    return inst


def cmd_check(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._check import check_theorem
    from verifier._report import report_document
    from verifier._verdicts import CheckSettings

    thms = _theorems(a.ids, a.spec)
    if a.instance and len(thms) != 1:
        raise UsageError("--instance needs exactly one theorem id, e.g. `verifier check R-LIN --instance FILE`")
    out_dir = str(Path(a.report_dir) / "counterexamples") if a.report_dir else ".verifier/counterexamples"
    settings = CheckSettings(level=a.level, examples=a.examples, seed=a.seed, device=a.device, dtypes=a.dtype,
                             tf32=a.tf32, prec=a.prec, max_prec=a.max_prec, dps=a.dps, probes=not a.no_probes,
                             drop=tuple(a.drop), out_dir=out_dir, spec_file=a.spec)
    pairs = []
    for thm in thms:
        insts = [_user_instance(thm, a.instance, settings.drop)] if a.instance else None
        pairs.append((thm, check_theorem(thm, settings, insts, a.claim or None)))
    doc = report_document(pairs, command="verifier " + " ".join(shlex.quote(x) for x in argv))
    write_reports(doc, a.json_path, a.report_dir)
    if not a.quiet:
        _print_summary(pairs)
    return EXIT[doc["status"]]


def cmd_list(a: argparse.Namespace) -> int:
    from verifier._registry import all_theorems, load_spec_file

    for s in a.spec:
        load_spec_file(s)
    for t in all_theorems():
        deps = f"  (depends on {', '.join(t.depends_on)})" if t.depends_on else ""
        print(f"{t.id:<10} [{t.confidence}] {t.title}{deps}")
        print(f"{'':<10} claims: {', '.join([c.id for c in t.claims] + [c.id for c in t.identities])}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    a = build_parser().parse_args(argv)
    try:
        if a.command == "list":
            return cmd_list(a)
        if a.command == "check":
            return cmd_check(a, argv)
        for mod in _plugins():
            code = mod.dispatch(a, argv)
            if code is not None:
                return int(code)
    except VerifierError as e:
        print(f"verifier: error: {e}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
