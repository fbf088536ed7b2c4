"""The JSON report: one document per run, schema `verifier-report/1` (see docs/report-schema.json)."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from verifier._records import Theorem
from verifier._verdicts import ClaimVerdict, TheoremVerdict

SCHEMA_ID = "verifier-report/1"
_LIBS = ("verifier", "python-flint", "mpmath", "sympy", "torch", "numpy", "hypothesis", "networkx")


def environment() -> dict[str, Any]:
    """Library versions, Python and the float device, for the report header."""
    libs = {}
    for name in _LIBS:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = None
    dev = "cpu"
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            dev = f"cuda ({torch.cuda.get_device_name(0)})"
    return {"python": platform.python_version(), "platform": platform.platform(), "libraries": libs, "cuda": dev}


def _claim(c: ClaimVerdict) -> dict[str, Any]:
    return {
        "id": c.id,
        "statement": c.statement,
        "kind": c.kind,
        "quantifier": c.quantifier,
        "status": c.status,
        "evidence": c.evidence,
        "instances": c.instances,
        "counts": c.counts,
        "tolerance": c.tolerance,
        "worst": c.worst,
        "counterexample": c.counterexample,
        "float_deviation": c.float_deviation,
        "notes": list(c.notes),
    }


def theorem_entry(thm: Theorem, v: TheoremVerdict) -> dict[str, Any]:
    return {
        "id": thm.id,
        "title": thm.title,
        "statement": thm.statement,
        "source": thm.source,
        "confidence": thm.confidence,
        "depends_on": list(thm.depends_on),
        "interpretation": thm.interpretation,
        "parameters": [{"name": p.name, "description": p.description} for p in thm.parameters],
        "assumptions": [
            {"name": a.name, "statement": a.statement, "instances": v.assumptions.get(a.name, {})}
            for a in thm.assumptions
        ],
        "construction": thm.construction_summary,
        "status": v.status,
        "instances": v.instances,
        "eligible_instances": v.eligible,
        "claims": [_claim(c) for c in v.claims],
        "settings": v.settings.as_json(),
        "arithmetics": list(v.contexts),
        "timings": {k: round(t, 4) for k, t in v.timings.items()},
        "notes": list(v.notes),
    }


def report_document(
    pairs: Sequence[tuple[Theorem, TheoremVerdict]], command: str = "", extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    statuses = [v.status for _, v in pairs]
    overall = (
        "violated"
        if "violated" in statuses
        else "inconclusive"
        if "inconclusive" in statuses or not statuses
        else "holds"
    )
    doc = {
        "schema": SCHEMA_ID,
        "generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "status": overall,
        "environment": environment(),
        "theorems": [theorem_entry(t, v) for t, v in pairs],
    }
    if extra:
        doc.update(extra)
    return doc
