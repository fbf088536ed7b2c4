"""Lazy public modules: each name is imported from its private module on first use (so importing
the public module loads nothing heavy), then kept in the module's globals."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(module: str, names: Mapping[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for the public module `module` (its `globals()` is `namespace`),
    exporting `names` (public name -> private module that defines it)."""
    public = sorted(names)

    def getattr_(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(names[name]), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return public

    return getattr_, dir_
