"""The verifier's error tree: every error is also the builtin it resembles."""

from __future__ import annotations


class VerifierError(Exception):
    """Root of every error the verifier raises on purpose."""


class SpecError(VerifierError, TypeError):
    """A theorem spec is malformed (raised when the spec is built, i.e. at import time)."""


class InstanceError(VerifierError, ValueError):
    """An instance (or instance file) is malformed or does not fit its theorem."""


class UsageError(VerifierError, ValueError):
    """A command-line option or API argument is wrong."""


class PrecisionExhausted(VerifierError, ArithmeticError):
    """The working precision ran out before a certified answer was reached."""


class BackendUnavailable(VerifierError, RuntimeError):
    """An arithmetic back end or device (e.g. CUDA) is not available here."""


class UnsupportedOperation(VerifierError, NotImplementedError):
    """An arithmetic back end lacks an operation a spec asked for (the message names both)."""


class InternalError(VerifierError, RuntimeError):
    """Something inside the verifier, a spec's code or a back end failed unexpectedly (not a verdict)."""
