"""The `verifier` command line: one module per sub-command on shared parent parsers.

Exit codes: 0 every claim holds (or is not applicable); 1 a claim is violated (certified or exact
counterexample); 2 bad usage or bad input (one line naming the problem); 3 nothing violated but
something inconclusive; 4 an internal error (one line; the traceback only with `--debug`).
Spec packages add sub-commands of their own (`SpecPackage.commands`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from types import FrameType
from typing import Any, NoReturn

from verifier._cli import check, listing, report, search
from verifier._cli._common import EXIT_INTERNAL, EXIT_PIPE, EXIT_USAGE, output_parser
from verifier._errors import VerifierError
from verifier._interrupt import clear_stop, request_stop

COMMANDS = (listing, check, search, report)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2)."""

    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        self.exit(EXIT_USAGE, f"verifier: error: {message}\n")


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: searches stop, keep their findings and write their summaries."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if request_stop():  # a search is running: it stops at its next safe point, keeping its findings
        return
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _package_commands() -> list[Any]:
    from verifier._registry import packages

    out: list[Any] = []
    seen = {m.NAME for m in COMMANDS}
    for pkg in packages():
        for cmd in pkg.commands:
            if cmd.name not in seen:
                seen.add(cmd.name)
                out.append(cmd)
    return out


def build_parser(argv: Sequence[str] = ()) -> tuple[argparse.ArgumentParser, dict[str, Any]]:
    p = _Parser(prog="verifier", description="Check theorem claims at explicit evidence levels "
                                             "(float < mp < certified < exact).")
    sub: Any = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    runners: dict[str, Any] = {}
    for mod in COMMANDS:
        parents: list[argparse.ArgumentParser] = [f() for f in mod.PARENTS]  # type: ignore[attr-defined]
        sp = sub.add_parser(mod.NAME, help=mod.HELP, parents=parents)
        mod.configure(sp)
        runners[mod.NAME] = mod.run
    wanted = argv[0] if argv else None
    if wanted is None or wanted not in runners:  # only load packages when their commands may be asked for
        for cmd in _package_commands():
            sp = sub.add_parser(cmd.name, help=cmd.help, parents=[output_parser()], conflict_handler="resolve")
            cmd.configure(sp)
            runners[cmd.name] = cmd.run
    return p, runners


def main(argv: Sequence[str] | None = None) -> int:
    argv = [*(sys.argv[1:] if argv is None else argv)]
    debug = "--debug" in argv
    clear_stop()
    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)} if _main_thread() else {}
    try:
        try:
            parser, runners = build_parser(argv)
            a = parser.parse_args(argv)
            code = int(runners[a.command](a, argv))
            sys.stdout.flush()  # inside the try: a reader that went away is handled below, not at exit
            return code
        except VerifierError as e:
            if debug:
                traceback.print_exc()
            kind = type(e).__name__
            code = EXIT_INTERNAL if kind == "InternalError" else EXIT_USAGE
            print(f"verifier: error: {e}", file=sys.stderr)
            return code
        except KeyboardInterrupt:
            print("verifier: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # the reader went away (`verifier check ... | head`): stop quietly, like a shell tool
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_PIPE
        except RecursionError:
            print("verifier: error: input nested too deeply", file=sys.stderr)
            return EXIT_USAGE
        except MemoryError:
            print("verifier: error: out of memory (try smaller sizes or fewer examples)", file=sys.stderr)
            return EXIT_USAGE
        except Exception as e:  # anything else is our bug or a spec's: exit 4, never 1 (violated)
            if debug:
                traceback.print_exc()
            msg = f"{type(e).__name__}: {e}".splitlines()[0][:400]
            print(f"verifier: internal error: {msg} (rerun with --debug for the traceback)", file=sys.stderr)
            return EXIT_INTERNAL
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


__all__ = ["COMMANDS", "build_parser", "main"]
