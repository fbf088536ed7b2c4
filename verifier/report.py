"""Public helpers for spec packages that add sections to reports (`ReportSection`).

HTML: `escape` every string that does not come from your own code, or pass LaTeX-bearing text
through `render_text` (a MathML whitelist); `table` takes pre-rendered cells; `num_cell` renders a
number as a right-aligned cell; `figure` embeds SVG as a data URI (the page runs no script and
loads nothing from the network).
"""

from verifier._report._kit import ball_text as ball_text
from verifier._report._kit import escape as escape
from verifier._report._kit import evidence_badge as evidence_badge
from verifier._report._kit import figure as figure
from verifier._report._kit import num_cell as num_cell
from verifier._report._kit import slug as slug
from verifier._report._kit import status_badge as status_badge
from verifier._report._kit import svg_data_uri as svg_data_uri
from verifier._report._kit import table as table
from verifier._report._mathml import render_text as render_text
from verifier._report._write import run_sections as run_sections
from verifier._report._write import write_files as write_files
from verifier._report._write import write_report as write_report

__all__ = ["ball_text", "escape", "evidence_badge", "figure", "num_cell", "render_text", "run_sections", "slug",
           "status_badge", "svg_data_uri", "table", "write_files", "write_report"]
