"""The theorem registry: built-in specs from the `theorems` package, plus user spec files."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from verifier._errors import SpecError, UsageError
from verifier._records import Theorem

_THEOREMS: dict[str, Theorem] = {}
_LOADED = False


def register_theorem(thm: Theorem) -> Theorem:
    """Add a spec to the registry (idempotent for the same object)."""
    if not isinstance(thm, Theorem):
        raise SpecError(f"register_theorem expects a Theorem but got {type(thm).__name__}")
    old = _THEOREMS.get(thm.id)
    if old is not None and old is not thm and old.title != thm.title:
        raise SpecError(f"two specs registered under the id {thm.id!r}")
    _THEOREMS[thm.id] = thm
    return thm


def _load_builtin() -> None:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        importlib.import_module("theorems")


def all_theorems() -> list[Theorem]:
    """Every registered theorem, in registration order (the order of `theorems/__init__.py`)."""
    _load_builtin()
    return list(_THEOREMS.values())


def get_theorem(theorem_id: str) -> Theorem:
    _load_builtin()
    if theorem_id not in _THEOREMS:
        raise UsageError(f"unknown theorem {theorem_id!r}; known: {', '.join(_THEOREMS)}")
    return _THEOREMS[theorem_id]


def load_spec_file(spec: str) -> list[Theorem]:
    """Load `PATH.py` or `PATH.py:NAME`: every Theorem the file defines (or the one named NAME)."""
    path_s, _, name = spec.partition(":")
    path = Path(path_s)
    if not path.is_file():
        raise UsageError(f"spec file not found: {path}")
    mod_name = "verifier_userspec_" + str(abs(hash(str(path.resolve()))))
    module_spec = importlib.util.spec_from_file_location(mod_name, path)
    if module_spec is None or module_spec.loader is None:
        raise UsageError(f"cannot import spec file {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[mod_name] = module
    try:
        module_spec.loader.exec_module(module)
    except SpecError:
        raise
    except Exception as e:  # a user's file may fail in any way; report it in one line
        raise SpecError(f"spec file {path} failed to import: {type(e).__name__}: {e}") from None
    found = {k: v for k, v in vars(module).items() if isinstance(v, Theorem)}
    if name:
        if name not in found:
            raise UsageError(f"spec file {path} defines no Theorem named {name!r}; it has {sorted(found)}")
        found = {name: found[name]}
    if not found:
        raise UsageError(f"spec file {path} defines no Theorem")
    for thm in found.values():
        _THEOREMS[thm.id] = thm
    return list(found.values())
