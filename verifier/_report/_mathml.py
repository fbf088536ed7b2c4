"""LaTeX math in report text, rendered to sanitised MathML (no script, no network: the browser draws it).

Statements in specs are prose with `$...$` math. The math is converted with `latex2mathml`, and the
result is parsed again and re-serialised through a whitelist of MathML elements and attributes:
latex2mathml passes `\\text{...}` through unescaped, so its output is not trusted as HTML. Anything
that fails to convert or to pass the whitelist is shown as escaped TeX source instead, so hostile
or malformed text degrades to visible text, never to markup.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

_NS = "{http://www.w3.org/1998/Math/MathML}"
# MathML Core presentation elements (what Chromium renders natively), plus `semantics` wrappers.
_TAGS = frozenset((
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mfrac", "msqrt", "mroot", "mstyle", "mpadded", "mphantom", "menclose", "mtable", "mtr", "mtd",
    "mmultiscripts", "mprescripts", "none", "semantics", "annotation", "merror"))
_ATTRS = frozenset((
    "display", "mathvariant", "stretchy", "fence", "form", "separator", "lspace", "rspace", "largeop",
    "movablelimits", "accent", "accentunder", "minsize", "maxsize", "symmetric", "linethickness", "columnalign",
    "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "width", "height", "depth",
    "scriptlevel", "displaystyle", "notation", "encoding"))
_VALUE = re.compile(r"^[A-Za-z0-9 .%#+\-]*$")  # attribute values: words, lengths, numbers only
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def _fallback(tex: str) -> str:
    return f'<code class="tex">{html.escape(tex)}</code>'


def _serialise(el: ET.Element) -> str | None:
    """Whitelisted MathML for `el`, or None if it contains anything outside the whitelist."""
    tag = el.tag[len(_NS):] if el.tag.startswith(_NS) else el.tag
    if tag not in _TAGS:
        return None
    attrs = []
    for k, v in el.attrib.items():
        if k == "xmlns":
            continue
        if k not in _ATTRS or not _VALUE.match(v):
            return None
        attrs.append(f' {k}="{html.escape(v)}"')
    if tag == "math":
        attrs.insert(0, ' xmlns="http://www.w3.org/1998/Math/MathML"')
    inner = [html.escape(el.text or "", quote=False)]
    for child in el:
        s = _serialise(child)
        if s is None:
            return None
        inner.append(s)
        inner.append(html.escape(child.tail or "", quote=False))
    return f"<{tag}{''.join(attrs)}>{''.join(inner)}</{tag}>"


@lru_cache(maxsize=1024)
def latex_to_mathml(tex: str, display: bool = False) -> str:
    """A `<math>` element for the TeX math `tex`, or escaped source in `<code>` if it cannot be converted."""
    try:
        from latex2mathml.converter import convert
    except ImportError:  # the report still reads without it; formulas show as TeX
        return _fallback(tex)
    try:
        raw = convert(tex, display="block" if display else "inline")
        tree = ET.fromstring(raw)
    except Exception:  # any conversion or parse failure: show the source, never partial markup
        return _fallback(tex)
    out = _serialise(tree)
    return out if out is not None else _fallback(tex)


def render_text(text: str | None) -> str:
    """HTML for prose with `$...$` math: the prose escaped, the math as MathML."""
    if not text:
        return ""
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        out.append(latex_to_mathml(m.group(1)))
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


__all__ = ["latex_to_mathml", "render_text"]
