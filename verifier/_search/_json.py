"""The search result as JSON: the "search" entry of a theorem in the report document."""

from __future__ import annotations

from typing import Any

from verifier._search._model import Finding, SearchResult


def finding_json(f: Finding | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"claim": f.claim, "kind": f.kind, "evidence": f.evidence, "instance_file": f.instance_file,
            "replay": f.replay, "parameters": f.parameters, "lhs": f.lhs, "rhs": f.rhs, "margin": f.margin,
            "detail": f.detail, "structure": f.description, "assumption": f.assumption,
            "assumption_detail": f.assumption_detail, "found_after_examples": f.examples,
            "found_after_seconds": f.seconds, "origin": f.origin}


def search_json(result: SearchResult) -> dict[str, Any]:
    """The JSON-ready dict a report puts under a theorem entry's "search" key."""
    s = result.settings
    return {
        "theorem": result.theorem,
        "status": result.status,
        "settings": {"max_examples": s.max_examples, "time_budget": s.time_budget, "seed": s.seed,
                     "claims": list(s.claims), "drop": list(s.drop), "threshold_offset": s.threshold_offset,
                     "ranges": [list(r) for r in s.ranges], "default_cap": s.default_cap, "batch": s.batch,
                     "guided": s.guided, "sampler": s.sampler, "structured": s.structured, "shrink": s.shrink,
                     "device": s.device},
        "examples": result.examples,
        "seconds": result.seconds,
        "interrupted": result.interrupted,
        "first_counterexample": (None if result.first_counterexample is None else
                                 {"examples": result.first_counterexample[0],
                                  "seconds": result.first_counterexample[1],
                                  "instances": result.first_counterexample[2]}),
        "violations": [finding_json(f) for f in result.violations],
        "drop": [{"assumption": d.assumption, "result": d.result, "counterexample": finding_json(d.counterexample),
                  "examples": d.examples, "seconds": d.seconds, "violating_instances": d.violating, "note": d.note}
                 for d in result.drop],
        "threshold": [{"claim": t.claim, "offset": t.offset, "result": t.result,
                       "counterexample": finding_json(t.counterexample), "examples": t.examples,
                       "seconds": t.seconds} for t in result.threshold],
        "stronger_than_needed": [{"assumption": r.assumption, "instance_file": r.instance_file, "note": r.note,
                                  "parameters": r.parameters, "replay": r.replay}
                                 for r in result.stronger_than_needed],
        "notes": list(result.notes),
        "counts": dict(result.counts),
        "errors": list(result.errors),
        **({"error": result.errors[0] if result.errors else "the spec's code raised"}
           if result.status == "error" else {}),
    }
