"""Spec packages shipped with verifier, each found through the `verifier.specs` entry-point group.

- `theorems.linalg`: classical matrix facts (Eckart-Young-Mirsky, Weyl, Mirsky, rank inequalities, ...).
- `theorems.zeng_lee`: every result of Zeng & Lee, "The Expressive Power of Low-Rank Adaptation" (ICLR 2024).
"""
