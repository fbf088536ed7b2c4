"""`verifier list`: the loaded spec packages and their theorems."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from verifier._cli._common import output_parser, select, selection_parser

NAME = "list"
HELP = "list the spec packages and their theorems"
PARENTS = (selection_parser, output_parser)


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--steps", action="store_true", help="also list each theorem's proof steps")


def run(a: argparse.Namespace, argv: Sequence[str]) -> int:
    from verifier._registry import package_of

    sel = select(a)
    current = None
    for t in sel.theorems:
        pkg = package_of(t.id)
        if pkg != current:
            current = pkg
            print(f"[{pkg}]")
        deps = f"  (depends on {', '.join(t.depends_on)})" if t.depends_on else ""
        where = ", ".join(x for x in (t.source.number, f"p. {t.source.page}" if t.source.page else "") if x)
        print(f"{t.id:<14} {where + ': ' if where else ''}{t.title}{deps}")
        items = [*t.claims, *t.identities]
        stmt = [c.id for c in items if c.role != "step"]
        steps = [f"{c.id}" + (f" ({c.label})" if c.label and c.label != c.id else "") for c in items
                 if c.role == "step"]
        print(f"{'':<14} claims: {', '.join(stmt)}" + (f"; {len(steps)} proof steps" if steps else ""))
        if a.steps and steps:
            print(f"{'':<14} steps: {', '.join(steps)}")
    return 0
