"""Public symbolic proofs (SymPy is imported only when a proof is asked for)."""

from __future__ import annotations

from typing import Any


def prove_telescoping(L: int, form: str = "svd") -> Any:
    """Prove the R-LIN telescoping identity for depth L with SymPy matrix expressions (any D)."""
    from verifier._symbolic import prove_telescoping as _prove

    return _prove(L, form)  # type: ignore[arg-type]


__all__ = ["prove_telescoping"]
