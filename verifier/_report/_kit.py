"""Building blocks of the HTML report, public through `verifier.report` so spec packages render their
own sections the same way: escaping, badges, tables, numeric cells and figures.

Every string that comes from a spec, an instance or a search must go through `escape` (or the
MathML whitelist `render_text`) before it reaches the page.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

from verifier._levels import LEVEL_NAMES

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
:root { --fg:#1d1d1f; --muted:#5f6368; --line:#d8dbe0; --bg:#fff; --soft:#f5f6f8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
  background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 21px; margin-top: 38px; border-bottom: 2px solid var(--line);
  padding-bottom: 4px; } h3 { font-size: 17px; margin: 22px 0 6px; } h4 { font-size: 15px; margin: 16px 0 4px; }
p { margin: 6px 0; } .muted { color: var(--muted); } small { color: var(--muted); }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px;
  margin: 14px 0; }
nav.toc a { margin-right: 14px; white-space: nowrap; }
a { color: #1a56b0; text-decoration: none; } a:hover { text-decoration: underline; }
table { border-collapse: collapse; margin: 8px 0 14px; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto;
  white-space: pre-wrap; word-break: break-all; }
code.tex { background: #fff6e0; padding: 0 3px; border-radius: 3px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700;
  letter-spacing: .03em; white-space: nowrap; border: 1px solid transparent; vertical-align: 1px; }
.st-holds { background: #1b7f3b; color: #fff; } .st-violated { background: #b3261e; color: #fff; }
.st-inconclusive { background: #e8b21c; color: #222; } .st-not-run { background: #d9d9d9; color: #333; }
.st-not-checked { background: #fff; color: #555; border: 1px dashed #999; }
.st-necessary, .st-refuted { background: #6a3fb5; color: #fff; }
.st-not-shown-necessary, .st-not-refuted { background: #ece7f6; color: #3b2a63; border-color: #c9bde6; }
.ev-exact { background: #12355b; color: #fff; } .ev-certified { background: #2d6fb7; color: #fff; }
.ev-mp { background: #8fc1ea; color: #0b2540; } .ev-float { background: #eef0f3; color: #333; border-color: #b9bec7; }
.ev-none { background: #fff; color: #777; border-color: #ccc; }
.cf-code { background: #e3f4e8; color: #145a2c; border-color: #9ed3ae; }
.cf-derived { background: #e8f0fb; color: #1a4a85; border-color: #a9c4ea; }
.cf-recalled { background: #fff2d6; color: #7a5200; border-color: #efcf85; }
.flag { color: #b3261e; font-weight: 700; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 4px 18px 12px; margin: 18px 0; }
.card.violated { border-left: 6px solid #b3261e; } .card.holds { border-left: 6px solid #1b7f3b; }
.card.inconclusive { border-left: 6px solid #e8b21c; }
.statement { background: #fbfbfd; border-left: 3px solid #9aa4b2; padding: 8px 12px; margin: 8px 0; }
.figure { margin: 12px 0 20px; } .figure img { max-width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; } .figure .caption { font-size: 13px; color: var(--muted); }
.graph { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 10px; background: #fff; }
.legend span.badge { margin-right: 6px; }
details { margin: 6px 0 12px; } summary { cursor: pointer; color: #1a56b0; }
math { font-size: 1.05em; }
"""


def escape(x: Any) -> str:
    """Escape anything for HTML text or attribute context."""
    return html.escape("" if x is None else str(x))


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-").lower() or "x"


def statement_of(t: dict[str, Any]) -> str:
    """A theorem entry's statement verdict for display: "not-checked" where no claim states it
    (JSON null), the overall status for documents older than the field."""
    if "statement_status" not in t:
        return str(t.get("status", "inconclusive"))
    return t["statement_status"] or "not-checked"


_NOT_CHECKED = "no claim states it: only its proof steps and labelled readings are checked"


def status_text(status: str) -> str:
    """A verdict as shown: "HOLDS", "NOT-APPLICABLE", ... and "NOT CHECKED"."""
    return "NOT CHECKED" if status == "not-checked" else status.upper()


def status_badge(status: str | None) -> str:
    s = status or "not-run"
    title = f' title="{_NOT_CHECKED}"' if s == "not-checked" else ""
    return f'<span class="badge st-{slug(s)}"{title}>{escape(status_text(s))}</span>'


def evidence_badge(level: str | None) -> str:
    if not level:
        return '<span class="badge ev-none" title="no evidence level">no evidence</span>'
    name = escape(LEVEL_NAMES.get(level, level))
    return f'<span class="badge ev-{slug(level)}" title="{name}">{escape(level)}</span>'


def confidence_badge(conf: str | None) -> str:
    return f'<span class="badge cf-{slug(conf or "")}" title="confidence in the statement">{escape(conf)}</span>'


def table(head: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """A table from pre-rendered (already escaped) cells."""
    h = "".join(f"<th>{c}</th>" for c in head)
    body = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def num_cell(x: Any, fmt: str = ".3g") -> str:
    if x is None:
        return '<td class="num">-</td>'
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f'<td class="num">{format(x, fmt) if isinstance(x, float) else x}</td>'
    return f'<td class="num">{escape(x)}</td>'


def ball_text(v: Any, r: Any) -> str:
    if v is None:
        return "-"
    return f"{escape(v)} ± {escape(r)}" if r not in (None, "0", "0e+0", "0.0") else escape(v)


def value_text(x: Any) -> str:
    """Generic rendering of search results whose exact shape belongs to another module."""
    if x is None:
        return "-"
    if isinstance(x, Mapping):
        parts = []
        for k, v in x.items():
            if k == "replay":
                parts.append(f"replay: <code>{escape(v)}</code>")
            elif isinstance(v, (Mapping, list)):
                parts.append(f"{escape(k)}: <code>{escape(json.dumps(v, default=str)[:300])}</code>")
            else:
                parts.append(f"{escape(k)}: {escape(v)}")
        return "<br>".join(parts)
    if isinstance(x, list):
        return ", ".join(value_text(v) for v in x)
    if isinstance(x, float):
        return f"{x:.3g}"
    return escape(x)


def finding_html(f: Any) -> str:
    """A counterexample found by search: evidence, parameters, what failed, and the replay command."""
    if not f:
        return "-"
    if not isinstance(f, Mapping):
        return value_text(f)
    parts = [f"{evidence_badge(f.get('evidence'))} <code>{escape(json.dumps(f.get('parameters', {})))}</code>"]
    if f.get("claim"):
        parts.append(f"claim <code>{escape(f['claim'])}</code>")
    if f.get("detail"):
        parts.append(escape(f["detail"]))
    if f.get("structure"):
        parts.append(f"<small>structure: {escape(f['structure'])}</small>")
    if f.get("found_after_examples") is not None:
        parts.append(f"<small>found after {escape(f['found_after_examples'])} examples, "
                     f"{float(f.get('found_after_seconds') or 0):.1f} s</small>")
    if f.get("replay"):
        parts.append(f"<pre><code>{escape(f['replay'])}</code></pre>")
    return "<br>".join(parts)




def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def figure(svg: str, alt: str, caption: str) -> str:
    return (f'<div class="figure"><img alt="{escape(alt)}" src="{svg_data_uri(svg)}">'
            f'<div class="caption">{caption}</div></div>')



__all__ = ["ball_text", "confidence_badge", "escape", "evidence_badge", "figure", "finding_html", "num_cell", "slug",
           "status_badge", "svg_data_uri", "table", "value_text"]
