"""The JSON report: one document per run, schema `verifier-report/2` (see docs/report-schema.json).

This is the only place typed verdicts become JSON; renderers read the document, never verdicts.
"""

from __future__ import annotations

import datetime as _dt
import math
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from verifier._backends import Decision
from verifier._records import Theorem
from verifier._verdicts import ClaimVerdict, TheoremVerdict, combine

SCHEMA_ID = "verifier-report/2"
_LIBS = ("verifier", "python-flint", "mpmath", "sympy", "torch", "numpy", "hypothesis", "networkx")


def environment() -> dict[str, Any]:
    """Library versions, Python and the float device, for the report header."""
    libs: dict[str, str | None] = {}
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


def _f(x: float) -> float | None:
    return x if math.isfinite(x) else None


def decision_json(d: Decision | None, index: int | None = None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {"label": d.label, "lhs": d.lhs, "lhs_radius": d.lhs_radius, "relation": d.relation,
                           "rhs": d.rhs, "rhs_radius": d.rhs_radius, "margin": _f(d.margin), "tolerance": d.tolerance,
                           "decided": d.status, "exact": d.exact}
    if index is not None:
        out["instance_index"] = index
    return out


def claim_json(c: ClaimVerdict) -> dict[str, Any]:
    cx = c.counterexample
    return {
        "id": c.id,
        "statement": c.statement,
        "kind": c.kind,
        "role": c.role,
        "label": c.label,
        "cites": list(c.cites),
        "interpretation": c.interpretation,
        "quantifier": c.quantifier,
        "status": c.status,
        "evidence": c.evidence,
        "instances": c.instances,
        "counts": c.counts,
        "tolerance": c.tolerance,
        "worst": c.proof if c.kind == "symbolic" else decision_json(c.worst, c.worst_index),
        "counterexample": None if cx is None else {
            "instance_index": cx.index, "instance_file": cx.file, "evidence": cx.evidence,
            "parameters": dict(cx.instance.parameters), "detail": cx.detail, "replay": cx.replay,
            "source": "check", **(decision_json(cx.decision) or {})},
        "float_deviation": c.float_deviation,
        "notes": list(c.notes),
    }


def theorem_entry(thm: Theorem, v: TheoremVerdict) -> dict[str, Any]:
    src = thm.source
    return {
        "id": thm.id,
        "title": thm.title,
        "statement": thm.statement,
        "source": src.describe(),
        "source_record": {"citation": src.citation, "kind": src.kind, "number": src.number, "page": src.page,
                          "url": src.url, "note": src.note},
        "depends_on": list(thm.depends_on),
        "interpretation": thm.interpretation,
        "parameters": [{"name": p.name, "description": p.description, "low": p.low, "high": p.high}
                       for p in thm.parameters],
        "assumptions": [
            {"name": a.name, "statement": a.statement, "instances": v.assumptions.get(a.name, {})}
            for a in thm.assumptions
        ],
        "construction": thm.construction_summary,
        "status": v.status,
        "statement_status": v.statement_status,
        "proof_gaps": list(v.proof_gaps),
        "instances": v.instances,
        "eligible_instances": v.eligible,
        "claims": [claim_json(c) for c in v.claims],
        "settings": v.settings.as_json(),
        "arithmetics": list(v.contexts),
        "timings": {k: round(t, 4) for k, t in v.timings.items()},
        "notes": list(v.notes),
        "errors": list(v.errors),
    }


def report_document(
    pairs: Sequence[tuple[Theorem, TheoremVerdict]], command: str = "", extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    doc = {
        "schema": SCHEMA_ID,
        "generated": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "status": combine([v.status for _, v in pairs]) if pairs else "not-applicable",
        "environment": environment(),
        "theorems": [theorem_entry(t, v) for t, v in pairs],
    }
    if extra:
        doc.update(extra)
    return doc


__all__ = ["SCHEMA_ID", "claim_json", "decision_json", "environment", "report_document", "theorem_entry"]
