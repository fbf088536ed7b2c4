"""`verifier check`: run theorems' claims on random instances (or one instance file)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verifier._cli._common import (
    EXIT,
    check_settings,
    checking_parser,
    command_line,
    exit_code,
    keep_verdict,
    output_parser,
    select,
    selection_parser,
    try_write,
    write_json,
)
from verifier._errors import InstanceError, UsageError

NAME = "check"
HELP = "check theorems' claims on instances"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--instance", help="check this instance file (JSON) instead of random instances")
    p.add_argument("--claim", action="append", default=[], help="only this claim (repeatable)")
    p.add_argument("--role", action="append", default=[], choices=["statement", "step", "interpretation"],
                   help="only claims of this role (repeatable): the statement, the proof's steps, or the spec's "
                        "interpretations; the exit code then reflects those alone")
    p.add_argument("--drop", action="append", default=[], help="ignore this assumption (repeatable)")
    p.add_argument("--json", dest="json_path", help="write the JSON report here")
    p.add_argument("--report", dest="report_dir", help="write report.json, report.md and report.html here")
    p.add_argument("--sizes", action="append", default=[], type=_size, metavar="D=64,L=4",
                   help="check instances of these parameters (repeatable; the others as the generator draws "
                        "them) instead of random ones: --examples of each, default 1")
    _campaign_arguments(p)


PARENTS = (selection_parser, checking_parser, output_parser)


def _size(text: str) -> tuple[tuple[str, int], ...]:
    from verifier._campaign._options import parse_size

    return parse_size(text)


def _campaign_arguments(p: argparse.ArgumentParser) -> None:
    from verifier._campaign._options import add_campaign_arguments

    add_campaign_arguments(p)


def user_instance(thm: Any, path: str, drop: Sequence[str]) -> Any:
    """Load a user's instance; one that violates an assumption is bad input (exit 2), not a counterexample."""
    from verifier._instances import load_instance

    inst = load_instance(thm, path)
    for assumption in thm.assumptions:
        if assumption.name in drop:
            continue
        try:
            res = assumption.check(inst)
        except InstanceError as e:  # the spec's own reading of the instance refuses it: bad input
            raise InstanceError(f"{path}: {e}") from None
        except Exception:  # a crashing check is the spec's error: check_theorem reports it (exit 4)
            continue
        if res.status == "violated":
            raise InstanceError(f"{path}: the instance does not meet assumption {assumption.name} of {thm.id} "
                                f"({res.detail}); pass --drop {assumption.name} to check it anyway")
    return inst


def _claims(a: argparse.Namespace, thms: Sequence[Any]) -> list[str] | None:
    """The claim ids --claim and --role select (None: every claim)."""
    if not a.role:
        return a.claim or None
    ids = [c.id for t in thms for c in (*t.claims, *t.identities) if c.role in a.role]
    chosen = [i for i in ids if not a.claim or i in a.claim]
    if not chosen:
        raise UsageError(f"no claim of role {'/'.join(a.role)}" + (f" among {a.claim}" if a.claim else "")
                         + f" in {', '.join(t.id for t in thms)}")
    return chosen


def _headline(v: Any) -> str:
    """The verdict per role: the statement's, then the proof steps' and the interpretations'."""
    from verifier._verdicts import combine

    roles = {r: [c.status for c in v.claims if c.role == r] for r in ("statement", "step", "interpretation")}
    if not roles["step"] and not roles["interpretation"]:
        return v.status.upper()
    parts = [f"statement {combine(roles['statement']).upper()}"] if roles["statement"] else []
    parts += [f"steps {combine(roles['step']).upper()}"] if roles["step"] else []
    parts += [f"interpretations {combine(roles['interpretation']).upper()}"] if roles["interpretation"] else []
    return f"{v.status.upper()} ({'; '.join(parts)})"


def print_summary(pairs: Sequence[tuple[Any, Any]]) -> None:
    for _thm, v in pairs:
        head = _headline(v)
        gaps = f"; proof gaps: {', '.join(v.proof_gaps)}" if v.proof_gaps else ""
        print(f"{v.id}: {head}  ({v.eligible}/{v.instances} instances met the assumptions, "
              f"{v.timings.get('total', 0):.1f} s{gaps})")
        for c in v.claims:
            w = c.worst
            side = f"  lhs={w.lhs} rhs={w.rhs}" if w is not None else ""
            role = f" [{f'{c.role} {c.label}'.strip()}]" if c.role != "statement" else ""
            print(f"  {c.id:<28} {c.status:<14} evidence={c.evidence or '-':<9} n={c.instances}{side}{role}")
            if c.counterexample:
                print(f"    counterexample: {c.counterexample.detail}")
                if c.counterexample.replay:
                    print(f"    replay: {c.counterexample.replay}")
            for n in c.notes[:3]:
                print(f"    note: {n}")
        for e in v.errors[:5]:
            print(f"  error: {e}")


def run(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._check import check_theorem
    from verifier._findings import record_findings
    from verifier._report import report_document
    from verifier._report._write import write_files

    sel = select(a)
    if a.instance and len(sel.theorems) != 1:
        raise UsageError("--instance needs exactly one theorem id, e.g. `verifier check ID --instance FILE`")
    settings = check_settings(a, a.drop)
    out_dir = Path(a.report_dir) / "counterexamples" if a.report_dir else Path(".verifier/counterexamples")
    from verifier._campaign._options import cluster_spec, sized_instances

    pairs = []
    unwritable: list[str] = []

    def recorded(v: Any) -> Any:
        try:
            return record_findings(v, out_dir, sel.spec_files)
        except UsageError as e:  # the verdict stands without its counterexample file: say so, keep going
            unwritable.append(str(e))
            return v

    spec = cluster_spec(a)
    sized = {t.id: sized_instances(t, a.sizes, a.examples or 1, a.seed) for t in sel.theorems} if a.sizes else {}
    if a.sizes and not any(v is not None for v in sized.values()):
        raise UsageError(f"--sizes {a.sizes}: no selected theorem has all of these parameters")
    if spec is not None and not a.instance:
        from verifier._campaign import check_campaign

        verdicts = check_campaign(sel.theorems, settings, spec, sel.spec_files, _claims(a, sel.theorems), a.quiet,
                                  instances=sized)
        pairs = [(t, recorded(v)) for t, v in zip(sel.theorems, verdicts, strict=True)]
    for thm in sel.theorems if spec is None or a.instance else ():
        insts = [user_instance(thm, a.instance, settings.drop)] if a.instance else sized.get(thm.id)
        pairs.append((thm, recorded(check_theorem(thm, settings, insts, _claims(a, [thm])))))
    doc = report_document(pairs, command=command_line(argv))
    if not a.quiet:
        print_summary(pairs)
    if a.json_path:
        try_write(a.json_path, lambda: write_json(a.json_path, doc), unwritable)
    if a.report_dir:
        try_write(a.report_dir, lambda: write_files(doc, Path(a.report_dir)), unwritable)
    keep_verdict(a, unwritable, [f"{v.id}: {v.status.upper()}" for _t, v in pairs])
    return exit_code([v.status for _t, v in pairs]) if pairs else EXIT["holds"]
