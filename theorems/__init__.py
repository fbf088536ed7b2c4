"""The built-in specs: every result of Zeng & Lee (ICLR 2024), keyed by content id.

Importing this package registers each spec with `verifier`; the order here is the report's order.
"""

from theorems import r_lin as r_lin

__all__ = ["r_lin"]
