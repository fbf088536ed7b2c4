"""The dependency graph of the results, drawn as a hand-laid-out inline SVG.

Nodes are theorems (edges from `Theorem.depends_on`: dependency -> dependent). A node is coloured
by its verdict and shaded by its evidence level; a result any of whose (transitive) dependencies
was violated is flagged, because its proof rests on something the verifier refuted. Ids named in
`depends_on` that are not in the report are drawn grey ("not checked here").

The layout is layered (longest path from a source), ordered within a layer by the mean position of
a node's dependencies; good enough for a few dozen results and free of any layout engine.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from verifier._levels import rank
from verifier._report._kit import statement_of

# Fill colours by verdict; the evidence level picks the shade (stronger evidence, deeper colour).
_SHADES = {
    "holds": {"exact": "#1b7f3b", "certified": "#2f9e55", "mp": "#6cc28a", "float": "#a9dcb9", None: "#a9dcb9"},
    "violated": {"exact": "#b3261e", "certified": "#d0392f", "mp": "#e57368", "float": "#f1a7a0", None: "#f1a7a0"},
    "inconclusive": {"exact": "#b8860b", "certified": "#d9a21b", "mp": "#e8c25a", "float": "#f3dc98",
                     None: "#f3dc98"},
    "error": {None: "#6a3fb5"},
    "not-applicable": {None: "#eceff3"},
    "not-checked": {None: "#ffffff"},
    "missing": {None: "#d9d9d9"},
}
_DARK_TEXT = {"#a9dcb9", "#6cc28a", "#f1a7a0", "#e8c25a", "#f3dc98", "#d9d9d9", "#d9a21b", "#e57368", "#eceff3",
              "#ffffff"}


@dataclass(frozen=True, slots=True)
class Node:
    """One result in the graph: its verdict, the evidence behind it, and whether a dependency failed."""

    id: str
    title: str
    status: str  # the statement's verdict, or missing (named as a dependency, not in the report)
    evidence: str | None
    flagged_by: tuple[str, ...]  # violated (transitive) dependencies
    proof_gaps: tuple[str, ...] = ()  # proof steps violated while the statement is not

    @property
    def fill(self) -> str:
        shades = _SHADES.get(self.status, _SHADES["missing"])
        return shades.get(self.evidence, shades[None])


def theorem_evidence(entry: dict[str, Any]) -> str | None:
    """The evidence behind a theorem's verdict: the strongest for a violation, the weakest otherwise
    (a theorem holds only as strongly as its weakest claim was established)."""
    claims = [c for c in entry.get("claims", []) if c.get("role", "statement") == "statement"] or \
        entry.get("claims", [])
    status = statement_of(entry)
    if status == "violated":
        levels = [c["evidence"] for c in claims if c["status"] == "violated" and c.get("evidence")]
        return max(levels, key=rank) if levels else None
    levels = [c["evidence"] for c in claims if c["status"] == status and c.get("evidence")]
    return min(levels, key=rank) if levels else None


def dependency_graph(doc: dict[str, Any]) -> Any:
    """A networkx DiGraph (dependency -> dependent) with a `node` attribute (a `Node`) on each vertex."""
    import networkx as nx

    g = nx.DiGraph()
    entries = {t["id"]: t for t in doc.get("theorems", [])}
    for tid, t in entries.items():
        g.add_node(tid)
        for dep in t.get("depends_on", []):
            g.add_edge(dep, tid)
    violated = {tid for tid, t in entries.items() if statement_of(t) == "violated"}
    for tid in g.nodes:
        t = entries.get(tid)
        anc = nx.ancestors(g, tid)
        flagged = tuple(sorted(anc & violated))
        if t is None:
            g.nodes[tid]["node"] = Node(tid, "not in this report", "missing", None, flagged)
        else:
            status = statement_of(t)
            g.nodes[tid]["node"] = Node(tid, t.get("title", ""), status, theorem_evidence(t), flagged,
                                        tuple(t.get("proof_gaps", ())))
    return g


def _layers(g: Any) -> list[list[str]]:
    import networkx as nx

    order = list(nx.topological_sort(g)) if nx.is_directed_acyclic_graph(g) else sorted(g.nodes)
    depth: dict[str, int] = {}
    for n in order:
        depth[n] = max((depth.get(p, 0) + 1 for p in g.predecessors(n) if p in depth), default=0)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for n in order:
        layers[depth[n]].append(n)
    pos: dict[str, float] = {}
    for layer in layers:  # barycentre ordering keeps edges short and mostly uncrossed
        layer.sort(key=lambda n: (sum(pos.get(p, 0) for p in g.predecessors(n)) / max(1, g.in_degree(n)), n))
        for i, n in enumerate(layer):
            pos[n] = i
    return layers


def graph_svg(doc: dict[str, Any]) -> str:
    """An inline `<svg>` drawing of the dependency graph (empty string if there are no theorems)."""
    g = dependency_graph(doc)
    if not g.nodes:
        return ""
    layers = _layers(g)
    w, h, gap_x, gap_y, pad = 190, 66, 70, 22, 16
    rows = max(len(layer) for layer in layers)
    width = pad * 2 + len(layers) * w + (len(layers) - 1) * gap_x
    height = pad * 2 + rows * h + (rows - 1) * gap_y
    xy: dict[str, tuple[float, float]] = {}
    for li, layer in enumerate(layers):
        off = (rows - len(layer)) * (h + gap_y) / 2
        for ni, n in enumerate(layer):
            xy[n] = (pad + li * (w + gap_x), pad + off + ni * (h + gap_y))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="depgraph" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" aria-label="dependency graph of the results">',
           '<defs><marker id="dg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for a, b in g.edges:
        (xa, ya), (xb, yb) = xy[a], xy[b]
        x0, y0, x1, y1 = xa + w, ya + h / 2, xb, yb + h / 2
        bad = g.nodes[a]["node"].status == "violated"
        stroke = "#b3261e" if bad else "#555"
        dash = ' stroke-dasharray="6 4"' if bad else ""
        mx = (x0 + x1) / 2
        out.append(f'<path d="M{x0:.1f},{y0:.1f} C{mx:.1f},{y0:.1f} {mx:.1f},{y1:.1f} {x1 - 2:.1f},{y1:.1f}" '
                   f'fill="none" stroke="{stroke}" stroke-width="1.6"{dash} marker-end="url(#dg-arrow)"/>')
    for n in g.nodes:
        node: Node = g.nodes[n]["node"]
        x, y = xy[n]
        fg = "#111" if node.fill in _DARK_TEXT else "#fff"
        border = ' stroke="#b3261e" stroke-width="3" stroke-dasharray="5 3"' if node.flagged_by else \
            ' stroke="#e07b00" stroke-width="3"' if node.proof_gaps else ' stroke="#333" stroke-width="1"'
        label = {"missing": "NOT IN THIS REPORT", "not-checked": "STATEMENT NOT CHECKED"}.get(node.status,
                                                                                           node.status.upper())
        ev = f" · {node.evidence}" if node.evidence else ""
        title = html.escape(f"{node.id}: {node.title}" +
                            (f" (depends on violated {', '.join(node.flagged_by)})" if node.flagged_by else ""))
        out.append(f'<g class="dg-node" data-id="{html.escape(n)}" data-status="{node.status}">'
                   f'<title>{title}</title>'
                   f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" fill="{node.fill}"{border}/>'
                   f'<text x="{x + w / 2}" y="{y + 23}" text-anchor="middle" font-size="15" font-weight="bold" '
                   f'fill="{fg}">{html.escape(n)}</text>'
                   f'<text x="{x + w / 2}" y="{y + 43}" text-anchor="middle" font-size="12" fill="{fg}">'
                   f'{html.escape(label + ev)}</text>'
                   + (f'<text x="{x + w / 2}" y="{y + 59}" text-anchor="middle" font-size="11" font-weight="bold" '
                      f'fill="{fg}">⚠ dependency violated</text>' if node.flagged_by else
                      f'<text x="{x + w / 2}" y="{y + 59}" text-anchor="middle" font-size="11" font-weight="bold" '
                      f'fill="{fg}">proof gap: {html.escape(", ".join(node.proof_gaps))[:28]}</text>'
                      if node.proof_gaps else "")
                   + "</g>")
    out.append("</svg>")
    return "".join(out)


__all__ = ["Node", "dependency_graph", "graph_svg", "theorem_evidence"]
