"""Spec packages: a named, ordered set of theorems plus what a package adds to reports and the CLI.

A package is found through the `verifier.specs` entry-point group (or loaded from a file with
`--spec`); the engine never names one. Besides its theorems, a package may contribute report
sections (a paper's experiments, say), which run only when the package itself is reported, and
sub-commands of the `verifier` command line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier._errors import SpecError
from verifier._records import Source, Theorem


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise SpecError(what)


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionSettings:
    """What a report section is told when it runs.

    Args:
        quick: the report was asked for in seconds, not minutes (tests, smoke runs).
        progress: the section may show progress on stderr.
        device: "cpu" or "cuda", for sections that compute in PyTorch.
        seed: the report's seed.
        out: the report's output folder (a section may write files below it).
        options: free-form options a package's own command passes to its sections.
    """

    quick: bool = False
    progress: bool = False
    device: str = "cpu"
    seed: int = 0
    out: Path = Path("reports")
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure a section drew: SVG markup (inline in HTML) and optional PNG bytes (written beside it)."""

    svg: str
    png: bytes | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSection:
    """A section a package adds to its report (its experiments, a numerical study, ...).

    Args:
        id: a token naming the section in the JSON document (`doc["sections"][k]["id"]`).
        title: the heading.
        run: computes the section's data (a JSON-ready mapping) from `SectionSettings`.
        html: renders the data (and the SVG of its figures, by figure id) as an HTML fragment;
            use the helpers of `verifier.report` so every spec-supplied string is escaped.
        markdown: renders the data as Markdown (figure links go to `figures/<id>.svg`).
        figures: draws the data's figures by id (optional).
        summary: one line per item for the terminal summary (optional).
    """

    id: str
    title: str
    run: Callable[[SectionSettings], Mapping[str, Any]]
    html: Callable[[Mapping[str, Any], Mapping[str, str]], str]
    markdown: Callable[[Mapping[str, Any]], str]
    figures: Callable[[Mapping[str, Any], bool], Mapping[str, Figure]] | None = None
    summary: Callable[[Mapping[str, Any]], Sequence[str]] | None = None

    def __post_init__(self) -> None:
        _require(bool(self.id) and self.id.replace("-", "").replace("_", "").isalnum(),
                 f"report section id must be a token of letters, digits, '-' and '_', got {self.id!r}")
        for name in ("run", "html", "markdown"):
            _require(callable(getattr(self, name)), f"report section {self.id}: {name} must be callable")


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A sub-command a package adds to `verifier` (e.g. a paper's `reproduce`).

    Args:
        name: the sub-command's name.
        help: one line for `verifier --help`.
        configure: adds the command's arguments to its parser.
        run: runs it with the parsed arguments and the raw argv; returns the exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Sequence[str]], int]


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecPackage:
    """A set of theorems in their report order, and what the package adds to reports and the CLI.

    Args:
        name: a token (`linalg`, `my_paper`); `--package NAME` selects it.
        title: what it is, for reports and `verifier list`.
        theorems: the specs, in report order; ids are unique across all loaded packages.
        source: where the results come from (a paper, a textbook), if one source covers them all.
        sections: report sections that run when this whole package is reported.
        commands: sub-commands this package adds to `verifier`.
    """

    name: str
    title: str
    theorems: tuple[Theorem, ...]
    source: Source | None = None
    sections: tuple[ReportSection, ...] = ()
    commands: tuple[Command, ...] = ()

    def __post_init__(self) -> None:
        _require(self.name.replace("-", "_").isidentifier(), f"package name must be a token, got {self.name!r}")
        _require(all(isinstance(t, Theorem) for t in self.theorems),
                 f"package {self.name}: theorems must be Theorem records")
        ids = [t.id for t in self.theorems]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        _require(not dup, f"package {self.name}: duplicate theorem ids {dup}")
        secs = [s.id for s in self.sections]
        _require(len(secs) == len(set(secs)), f"package {self.name}: duplicate section ids {secs}")


__all__ = ["Command", "Figure", "ReportSection", "SectionSettings", "SpecPackage"]
