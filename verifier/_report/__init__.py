"""Reports: a JSON document with a stable schema, and Markdown and self-contained HTML rendered from it."""

from verifier._report._graph import dependency_graph, graph_svg
from verifier._report._html import render_html
from verifier._report._json import SCHEMA_ID, environment, report_document
from verifier._report._markdown import render_markdown
from verifier._report._mathml import latex_to_mathml, render_text

__all__ = ["SCHEMA_ID", "dependency_graph", "environment", "graph_svg", "latex_to_mathml", "render_html",
           "render_markdown", "render_text", "report_document"]
