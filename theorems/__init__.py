"""The built-in specs: every result of Zeng & Lee (ICLR 2024), keyed by content id.

Importing this package registers each spec with `verifier`; the import order is the report's order
(the paper's: linear model, FNN results, transformer), hence unsorted.
"""
# ruff: noqa: I001

from theorems import r_lin as r_lin
from theorems import fnn_one as fnn_one
from theorems import fnn_auni as fnn_auni
from theorems import fnn_rand as fnn_rand
from theorems import fnn_uni as fnn_uni
from theorems import fnn_abs as fnn_abs
from theorems import fnn_gen as fnn_gen
from theorems import fnn_err as fnn_err
from theorems import fnn_flt as fnn_flt
from theorems import r_tfn as r_tfn

__all__ = ["fnn_abs", "fnn_auni", "fnn_err", "fnn_flt", "fnn_gen", "fnn_one", "fnn_rand", "fnn_uni", "r_lin", "r_tfn"]
