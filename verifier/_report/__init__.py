"""Reports: a JSON document with a stable schema, and Markdown rendered from that document."""

from verifier._report._json import SCHEMA_ID, environment, report_document
from verifier._report._markdown import render_markdown

__all__ = ["SCHEMA_ID", "environment", "render_markdown", "report_document"]
