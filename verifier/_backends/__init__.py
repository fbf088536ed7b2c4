"""Arithmetic back ends behind one small interface, selected by name (see `get_context`)."""

from verifier._backends._base import Bound, Context, Decision, get_context, register

__all__ = ["Bound", "Context", "Decision", "get_context", "register"]
