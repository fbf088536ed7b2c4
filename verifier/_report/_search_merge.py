"""Search results inside a report document: the plain search and the drop/threshold analyses merged
into one "search" entry, and violations found by search folded into the verdicts they refute (so a
report never says HOLDS above a certified counterexample in its own search section)."""

from __future__ import annotations

from typing import Any

from verifier._verdicts import combine, statement_and_gaps


def merge_analyses(plain: dict[str, Any] | None, analysis: dict[str, Any] | None) -> dict[str, Any]:
    """One "search" entry from the plain search (violations) and the drop/threshold analyses."""
    base = dict(plain or analysis or {})
    if plain and analysis:
        base["drop"] = analysis.get("drop", [])
        base["threshold"] = analysis.get("threshold", [])
        base["stronger_than_needed"] = plain.get("stronger_than_needed", []) + analysis.get("stronger_than_needed", [])
        base["examples"] = plain.get("examples", 0) + analysis.get("examples", 0)
        base["seconds"] = round(plain.get("seconds", 0) + analysis.get("seconds", 0), 2)
        base["notes"] = list(plain.get("notes", [])) + list(analysis.get("notes", []))
        base["settings"] = dict(plain.get("settings", {}), analyses={"drop": analysis["settings"].get("drop"),
                                                                       "threshold_offset": analysis["settings"].get(
                                                                           "threshold_offset")})
    return base


def fold_search(doc: dict[str, Any]) -> None:
    """Mark each claim a search violated (every assumption enforced, claim as stated) as violated,
    with the search's certified counterexample; recompute theorem and document statuses."""
    for t in doc.get("theorems", []):
        s = t.get("search") or {}
        by_claim: dict[str, dict[str, Any]] = {}
        for f in s.get("violations", []) or []:
            if f and f.get("evidence") in ("certified", "exact"):
                by_claim.setdefault(f["claim"], f)
        for c in t["claims"]:
            f = by_claim.get(c["id"])
            if f is None:
                continue
            if c["status"] != "violated":
                c["notes"] = [*c.get("notes", []), f"violated by a counterexample found by search (the check's own "
                                                    f"instances showed {c['status']})"]
                c["status"] = "violated"
                c["evidence"] = f["evidence"]
            if c.get("counterexample") is None:
                c["counterexample"] = {"instance_file": f.get("instance_file"), "evidence": f["evidence"],
                                       "parameters": f.get("parameters", {}), "detail": f.get("detail", ""),
                                       "replay": f.get("replay"), "lhs": f.get("lhs"), "rhs": f.get("rhs"),
                                       "margin": f.get("margin"), "source": "search"}
        if s.get("status") == "error":
            t["errors"] = [*t.get("errors", []), f"search: {s.get('error')}"]
        statuses = [c["status"] for c in t["claims"]]
        if t.get("errors"):
            statuses.append("error")
        t["status"] = combine(statuses)
        stmt, gaps = statement_and_gaps((c["id"], c.get("role", "statement"), c["status"]) for c in t["claims"])
        t["statement_status"], t["proof_gaps"] = stmt, list(gaps)
    doc["status"] = combine([t["status"] for t in doc.get("theorems", [])]) if doc.get("theorems") else doc["status"]


__all__ = ["fold_search", "merge_analyses"]
