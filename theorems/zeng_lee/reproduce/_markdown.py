"""Markdown for the reproduction and stability sections (appended to the report's Markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _g(x: Any) -> str:
    return "-" if x is None else f"{x:.2g}" if isinstance(x, float) else str(x)


def notes(ex: Mapping[str, Any]) -> str:
    """Grid selection, pretraining and time of one experiment, in one paragraph."""
    parts = []
    for panel, sel in (ex.get("selection") or {}).items():
        if sel.get("groups"):
            lr = ", ".join(f"{k}: {v}" for k, v in sel["lr"].items())
            text = (f"{panel}: {sel['runs']} runs in one program; selected lr ({lr}); weight decay > 0 chosen in "
                    f"{sel['first_seed_wd_positive']}/{sel['groups']} first-seed selections")
            if sel.get("reduced_grid_val_ratio_max") is not None:
                text += (f"; at the first seed the reduced grid's best validation loss is "
                         f"{sel['reduced_grid_val_ratio_median']:.3g}x (median), at most "
                         f"{sel['reduced_grid_val_ratio_max']:.3g}x the full grid's")
            parts.append(text)
    for panel, pre in (ex.get("pretraining") or {}).items():
        parts.append(f"{panel} pretraining: {pre.get('steps')} Adam steps per seed"
                     + ("" if all(pre.get("reached", [])) else " (some seeds hit the step limit)"))
    parts.append(f"{float(ex.get('seconds', 0)):.0f} s")
    return "; ".join(parts) + "."


def reproduction_markdown(doc: dict[str, Any], figures_dir: str = "figures") -> str:
    """Sections "The paper's experiments, reproduced" and "Float stability", or "" if neither ran."""
    out: list[str] = []
    rep = doc.get("reproduction")
    if rep:
        st = rep["settings"]
        tor = rep.get("torch", {})
        out += ["", "## The paper's experiments, reproduced", "",
                f"At the printed protocol (Sec. 5, App. G): D = {st['D']}, seeds {st['seeds']} (median), "
                f"every panel's gradient-descent runs as one batched program ({tor.get('train_dtype')} on "
                f"{tor.get('device')}, {tor.get('jobs')} worker process(es)); constructions and MSEs in float64 with "
                f"certified values beside them; {rep['seconds']:.0f} s.", "",
                "Reductions from the printed protocol:" if rep.get("reductions") else "Reductions: none.", ""]
        out += [f"- {r}" for r in rep.get("reductions", [])]
        if rep.get("protocol"):
            out += ["", "| item | paper | this run | |", "|---|---|---|---|"]
            out += [f"| {r['item']} | {r['paper']} | {r['here']} | {r['status']} |" for r in rep["protocol"]]
        if rep.get("choices"):
            out += ["", "Choices where the paper is silent:", ""] + [f"- {c}" for c in rep["choices"]]
        if rep.get("not_reproduced"):
            out += ["", "Not reproduced:", ""]
            out += [f"- {n['figure']} ({n['what']}): {n['why']}" for n in rep["not_reproduced"]]
        for ex in rep["experiments"]:
            out += ["", f"### {ex['title']}", "", ex.get("description", ""), "",
                    f"![{ex['id']}]({figures_dir}/{ex['id']}.svg)", ""]
            if ex.get("checks"):
                out += ["| the paper's statement | observed | numbers | criterion |", "|---|---|---|---|"]
                for c in ex["checks"]:
                    obs = {True: "yes", False: "**no**", None: "n/a"}[c["observed"]]
                    out.append(f"| {c['shape']} | {obs} | {c['detail']} | {c.get('criterion', '')} |")
            out += ["", notes(ex)]
            if ex.get("certified"):
                out += ["", "The construction's MSE in float64 and certified, same inputs, first seed:", "",
                        "| panel | frozen | R | float64 | certified | bits |", "|---|---|---|---|---|---|"]
                for c in ex["certified"]:
                    cert = (f"{c['certified']:.3g} ± {c['radius']:.1g}" if c.get("certified") is not None
                            else (c.get("note") or "-"))
                    out.append(f"| {c.get('panel')} | {c['frozen']} | {c['rank']} | {_g(c.get('float64'))} | {cert} | "
                               f"{c.get('bits')} |")
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
