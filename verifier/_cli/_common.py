"""What every sub-command shares: parent parsers for selection, checking and output options,
argument types that refuse bad values in one line, theorem selection, exit codes, writing JSON."""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier._errors import UsageError

#: 0 all hold (or not applicable); 1 violated (certified/exact evidence); 2 bad usage or input;
#: 3 inconclusive; 4 an internal error (an exception in the verifier, a spec or a back end).
EXIT = {"holds": 0, "not-applicable": 0, "violated": 1, "inconclusive": 3, "error": 4}
EXIT_USAGE = 2
EXIT_INTERNAL = 4
EXIT_PIPE = 141  # 128 + SIGPIPE: stdout was closed by its reader


def exit_code(statuses: Sequence[str]) -> int:
    """The exit code of a run from the statuses it reached (violated > error > inconclusive > holds)."""
    from verifier._verdicts import combine

    return EXIT[combine(list(statuses))] if statuses else 0


def bounded_int(lo: int, hi: int, what: str = "an integer") -> Callable[[str], int]:
    """argparse type: an integer in lo..hi (a bad value is a one-line usage error)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be in {lo}..{hi}, got {v}")
        return v

    return parse


def seconds(allow_zero: bool = False) -> Callable[[str], float]:
    """argparse type for a time budget: finite seconds > 0 (or >= 0), at most a week; NaN refused."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
        if not math.isfinite(v) or not (v >= 0 if allow_zero else v > 0) or v > 7 * 86400:
            raise argparse.ArgumentTypeError(f"must be {'>=' if allow_zero else '>'} 0 and at most a week "
                                             f"(604800 s), got {text}")
        return v

    return parse


def dtypes(text: str) -> tuple[str, ...]:
    known = ("float64", "float32", "bfloat16", "float16")
    out = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [x for x in out if x not in known]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"expected a comma-separated subset of {','.join(known)}, got {text!r}")
    return out


def selection_parser() -> argparse.ArgumentParser:
    """ids, --spec (repeatable), --package (repeatable)."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("ids", nargs="*", help="theorem ids (default: every theorem of the selected packages)")
    p.add_argument("--spec", action="append", default=[], metavar="PATH.py[:NAME]",
                   help="load theorems from a spec file (repeatable); without ids, only these are used")
    p.add_argument("--package", action="append", default=[], metavar="NAME",
                   help="only the theorems of this installed spec package (repeatable)")
    return p


def checking_parser() -> argparse.ArgumentParser:
    """Options that decide how claims are checked."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--level", default="exact", choices=["exact", "certified", "mp", "float"],
                   help="strongest evidence to aim for (float and mp failures always escalate)")
    p.add_argument("--examples", type=bounded_int(1, 100_000), default=None, help="random instances per theorem")
    p.add_argument("--seed", type=bounded_int(0, 2**63 - 1, "a non-negative integer"), default=0)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="device of the float level")
    p.add_argument("--dtype", type=dtypes, default=("float64",),
                   help="float dtypes, comma separated; the first screens, the rest are measured")
    p.add_argument("--tf32", action="store_true", help="allow TF32 matrix products on CUDA (reported)")
    p.add_argument("--prec", type=bounded_int(53, 65536), default=170, help="certified precision in bits")
    p.add_argument("--max-prec", type=bounded_int(53, 65536), default=1360, help="ceiling for certified precision")
    p.add_argument("--dps", type=bounded_int(15, 10_000), default=50, help="mpmath digits")
    p.add_argument("--no-probes", action="store_true", help="skip gradient-descent probes of lower bounds")
    return p


def output_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--quiet", action="store_true", help="no progress, no summary")
    p.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    return p


@dataclass(frozen=True, slots=True)
class Selection:
    """The theorems a command works on, and the packages selected whole (whose sections run)."""

    theorems: list[Any]
    whole_packages: list[Any]
    spec_files: tuple[str, ...]


def select(a: argparse.Namespace) -> Selection:
    """Theorems by id; else the spec files' theorems; else the named packages; else every package.

    Packages named with --package are "asked for": their report sections run even when ids narrow
    the theorems (`verifier report ID --package NAME`).
    """
    from verifier._registry import all_theorems, get_package, get_theorem, load_spec_file, packages

    from_files: list[Any] = []
    for spec in a.spec:
        from_files += load_spec_file(spec)
    named = [get_package(n) for n in dict.fromkeys(a.package)]
    if a.ids:
        return Selection([get_theorem(i) for i in dict.fromkeys(a.ids)], named, tuple(a.spec))
    if a.spec:
        if a.package:
            raise UsageError("give either --spec files or --package names (or theorem ids), not both")
        from verifier._registry import package_of

        files = [get_package(n) for n in dict.fromkeys(package_of(t.id) for t in from_files) if n]
        return Selection(from_files, [p for p in files if p.sections], tuple(a.spec))
    if named:
        return Selection([t for p in named for t in p.theorems], named, ())
    pkgs = packages()
    if not pkgs:
        raise UsageError("no spec packages are installed and no --spec file was given: nothing to do")
    return Selection(all_theorems(), pkgs, ())


def check_settings(a: argparse.Namespace, drop: Sequence[str] = ()) -> Any:
    from verifier._verdicts import CheckSettings

    if a.max_prec < a.prec:
        raise UsageError(f"--max-prec ({a.max_prec}) must be >= --prec ({a.prec})")
    return CheckSettings(level=a.level, examples=a.examples, seed=a.seed, device=a.device, dtypes=a.dtype,
                         tf32=a.tf32, prec=a.prec, max_prec=a.max_prec, dps=a.dps, probes=not a.no_probes,
                         drop=tuple(drop))


def command_line(argv: Sequence[str]) -> str:
    return shlex.join(["verifier", *argv])


def write_json(path: str | Path, doc: Any) -> None:
    from verifier._fileio import atomic_write

    atomic_write(path, json.dumps(doc, indent=1, allow_nan=False))


def try_write(path: str | Path, write: Callable[[], Any], problems: list[str]) -> None:
    """Run `write`; an unwritable path is noted in `problems` (the run goes on and keeps its verdict)."""
    try:
        write()
    except UsageError as e:
        problems.append(str(e))
    except OSError as e:  # a figure or a folder that cannot be written
        problems.append(f"cannot write {path}: {e.strerror or e}")


def keep_verdict(a: argparse.Namespace, problems: Sequence[str], summary: Sequence[str]) -> None:
    """If an output could not be written, print the verdict (even with --quiet: it must not be lost),
    then raise the usage error naming the first path (exit 2)."""
    if problems:
        if getattr(a, "quiet", False):
            print("\n".join(summary))
        raise UsageError(problems[0])


def log(a: argparse.Namespace, msg: str) -> None:
    if not getattr(a, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


__all__ = ["EXIT", "EXIT_INTERNAL", "EXIT_USAGE", "Selection", "bounded_int", "check_settings", "checking_parser",
           "command_line", "dtypes", "exit_code", "keep_verdict", "log", "output_parser", "seconds", "select",
           "selection_parser", "try_write", "write_json"]
