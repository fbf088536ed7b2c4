"""One process-wide stop request: set by the command line's SIGTERM/SIGINT handler, polled by long loops.

A KeyboardInterrupt raised from a signal handler lands wherever the interpreter happens to be; in
a garbage-collector callback or a finaliser it is printed and swallowed ("Exception ignored in
..."), and the work goes on. So while a search runs (`deferred_interrupts`), the handler only
records the request, and the search stops at its next `check_stop()`, a point where stopping is
safe, keeping what it found. Elsewhere the handler raises at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_STOP = threading.Event()
_DEFERRED = [0]


def request_stop() -> bool:
    """Record a stop request (from a signal handler); True when the caller should not raise now."""
    _STOP.set()
    return _DEFERRED[0] > 0


def clear_stop() -> None:
    """Forget an earlier request (a new command starts)."""
    _STOP.clear()


def check_stop() -> None:
    """Raise KeyboardInterrupt if a stop was requested."""
    if _STOP.is_set():
        raise KeyboardInterrupt("stop requested")


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Within this block a signal only requests a stop; `check_stop()` raises it at a safe point."""
    _DEFERRED[0] += 1
    try:
        check_stop()
        yield
    finally:
        _DEFERRED[0] -= 1


__all__ = ["check_stop", "clear_stop", "deferred_interrupts", "request_stop"]
