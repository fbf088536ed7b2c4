"""Markdown for the reproduction and stability sections (appended to the report's Markdown)."""

from __future__ import annotations

from typing import Any


def _g(x: Any) -> str:
    return "-" if x is None else f"{x:.2g}" if isinstance(x, float) else str(x)


def reproduction_markdown(doc: dict[str, Any], figures_dir: str = "figures") -> str:
    """Sections "The paper's experiments, reproduced" and "Float stability", or "" if neither ran."""
    out: list[str] = []
    rep = doc.get("reproduction")
    if rep:
        st = rep["settings"]
        out += ["", "## The paper's experiments, reproduced", "",
                f"PyTorch float64, D = {st['D']}, seeds {st['seeds']} (median), MSE on {st['eval_inputs']} standard "
                f"normal inputs; {rep['seconds']:.0f} s. Reductions from the paper's settings:", ""]
        out += [f"- {r}" for r in rep.get("reductions", [])]
        for ex in rep["experiments"]:
            out += ["", f"### {ex['title']}", "", ex.get("description", ""), "",
                    f"![{ex['id']}]({figures_dir}/{ex['id']}.svg)", "",
                    "| reported shape | observed | detail |", "|---|---|---|"]
            for c in ex.get("checks", []):
                obs = {True: "yes", False: "**no**", None: "n/a"}[c["observed"]]
                out.append(f"| {c['shape']} | {obs} | {c['detail']} |")
    stab = doc.get("stability")
    if stab:
        out += ["", "## Float stability of the R-LIN construction", "", stab.get("description", ""), "",
                f"![stability]({figures_dir}/stability.svg)", ""]
        out += [f"- {n}" for n in stab.get("notes", [])]
        dtypes = list(dict.fromkeys(r["dtype"] for r in stab["rows"]))
        out += ["", "Median |float - certified| / ||E||_2 at R = ceil(D/L) (exact regime):", "",
                "| D | L | R | " + " | ".join(dtypes) + " | certified bits |", "|---" * (len(dtypes) + 4) + "|"]
        seen: dict[tuple[int, int, int], dict[str, Any]] = {}
        for r in stab["rows"]:
            if r["regime"].startswith("exact"):
                seen.setdefault((r["D"], r["L"], r["R"]), {})[r["dtype"]] = r
        for (d, depth, rank), by in seen.items():
            cells = []
            for dt in dtypes:
                r = by.get(dt, {})
                cells.append("not measured" if r.get("status") != "measured" else
                             ("non-finite" if r.get("rel_error") is None else _g(r["rel_error"])))
            ref = next((r for r in by.values() if r.get("certified_bits")), {})
            bits = ref.get("certified_bits")
            label = "-" if bits is None else str(bits) if ref.get("certified_residual") is not None else f"> {bits}"
            out.append(f"| {d} | {depth} | {rank} | " + " | ".join(cells) + f" | {label} |")
    return "\n".join(out) + ("\n" if out else "")


__all__ = ["reproduction_markdown"]
