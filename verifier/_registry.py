"""The registry: spec packages found through the `verifier.specs` entry-point group, and spec files.

Nothing here names a package. An installed distribution declares its packages in its metadata:

    [project.entry-points."verifier.specs"]
    my_paper = "my_specs.paper:PACKAGE"

where `PACKAGE` is a `SpecPackage` (or a module whose Theorems, in definition order, form one).
A spec file (`--spec PATH.py[:NAME]`) is loaded as a package of its own, named after the file.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from verifier._errors import SpecError, UsageError
from verifier._package import SpecPackage
from verifier._records import Theorem

GROUP = "verifier.specs"

_PACKAGES: dict[str, SpecPackage] = {}
_THEOREMS: dict[str, Theorem] = {}
_OWNER: dict[str, str] = {}
_ENTRY_POINTS_LOADED = False


def _add_package(pkg: SpecPackage) -> SpecPackage:
    old = _PACKAGES.get(pkg.name)
    if old is not None and old is not pkg:
        for t in old.theorems:
            _THEOREMS.pop(t.id, None)
            _OWNER.pop(t.id, None)
    for t in pkg.theorems:
        owner = _OWNER.get(t.id)
        if owner is not None and owner != pkg.name:
            raise SpecError(f"theorem id {t.id!r} is defined by two packages: {owner!r} and {pkg.name!r}")
        t.validate()
    _PACKAGES[pkg.name] = pkg
    for t in pkg.theorems:
        _THEOREMS[t.id] = t
        _OWNER[t.id] = pkg.name
    return pkg


def register_package(pkg: SpecPackage) -> SpecPackage:
    """Add a package (replacing an earlier one of the same name)."""
    if not isinstance(pkg, SpecPackage):
        raise SpecError(f"register_package expects a SpecPackage but got {type(pkg).__name__}")
    return _add_package(pkg)


def register_theorem(thm: Theorem, package: str = "user") -> Theorem:
    """Add one spec to the package `package` (created if needed); a spec module may call this."""
    if not isinstance(thm, Theorem):
        raise SpecError(f"register_theorem expects a Theorem but got {type(thm).__name__}")
    old = _PACKAGES.get(package)
    theorems = (*(t for t in (old.theorems if old else ()) if t.id != thm.id), thm)
    base = old if old is not None else SpecPackage(name=package, title=package, theorems=())
    from dataclasses import replace

    _add_package(replace(base, theorems=theorems))
    return thm


def _as_package(obj: Any, name: str) -> SpecPackage:
    if isinstance(obj, SpecPackage):
        return obj
    if isinstance(obj, ModuleType):
        pkg = getattr(obj, "PACKAGE", None)
        if isinstance(pkg, SpecPackage):
            return pkg
        found = [v for v in vars(obj).values() if isinstance(v, Theorem)]
        if not found:
            raise SpecError(f"{name}: defines neither a SpecPackage named PACKAGE nor any Theorem")
        doc = (obj.__doc__ or name).strip().splitlines()[0]
        return SpecPackage(name=name.replace("-", "_"), title=doc, theorems=tuple(found))
    raise SpecError(f"{name}: expected a SpecPackage or a module, got {type(obj).__name__}")


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            obj = ep.load()
        except SpecError:
            raise
        except Exception as e:  # one broken package must be named, not crash with a traceback
            raise SpecError(f"spec package {ep.name!r} ({ep.value}) failed to load: {type(e).__name__}: {e}") from e
        _add_package(_as_package(obj, ep.name))


def packages() -> list[SpecPackage]:
    """Every loaded package: the installed ones (entry points, by name) and spec files, in load order."""
    _load_entry_points()
    return list(_PACKAGES.values())


def get_package(name: str) -> SpecPackage:
    _load_entry_points()
    if name not in _PACKAGES:
        raise UsageError(f"unknown spec package {name!r}; known: {', '.join(_PACKAGES) or 'none'}")
    return _PACKAGES[name]


def package_of(theorem_id: str) -> str | None:
    """The name of the package that defines `theorem_id`."""
    _load_entry_points()
    return _OWNER.get(theorem_id)


def all_theorems() -> list[Theorem]:
    """Every registered theorem, package by package, each package in its own order."""
    _load_entry_points()
    return [t for p in _PACKAGES.values() for t in p.theorems]


def get_theorem(theorem_id: str) -> Theorem:
    _load_entry_points()
    if theorem_id not in _THEOREMS:
        raise UsageError(f"unknown theorem {theorem_id!r}; known: {', '.join(_THEOREMS) or 'none'}")
    return _THEOREMS[theorem_id]


def _import_file(path: Path) -> ModuleType:
    mod_name = "verifier_userspec_" + "".join(c if c.isalnum() else "_" for c in str(path.resolve()))
    module_spec = importlib.util.spec_from_file_location(mod_name, path)
    if module_spec is None or module_spec.loader is None:
        raise UsageError(f"cannot import spec file {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[mod_name] = module
    try:
        module_spec.loader.exec_module(module)
    except (SpecError, UsageError):
        raise
    except Exception as e:  # a user's file may fail in any way; report it in one line
        raise SpecError(f"spec file {path} failed to import: {type(e).__name__}: {e}") from None
    return module


def load_spec_file(spec: str) -> list[Theorem]:
    """Load `PATH.py` or `PATH.py:NAME` as a package named after the file; returns its theorems
    (every Theorem the file defines, or its `PACKAGE`'s, or only the one named NAME)."""
    _load_entry_points()
    path_s, _, name = spec.partition(":")
    path = Path(path_s)
    if path.suffix != ".py" or not path.is_file():
        raise UsageError(f"spec file not found (expected PATH.py[:NAME]): {path}")
    module = _import_file(path)
    # Theorems the file merely imports (the very objects an installed package defines) are not its own
    found = {k: v for k, v in vars(module).items() if isinstance(v, Theorem) and _THEOREMS.get(v.id) is not v}
    pkg_obj = getattr(module, "PACKAGE", None)
    if name:
        if name not in found:
            raise UsageError(f"spec file {path} defines no Theorem named {name!r}; it has {sorted(found)}")
        pkg = SpecPackage(name=path.stem.replace("-", "_"), title=str(path), theorems=(found[name],))
    elif isinstance(pkg_obj, SpecPackage):
        pkg = pkg_obj
    else:
        if not found:
            raise UsageError(f"spec file {path} defines no Theorem")
        pkg = SpecPackage(name=path.stem.replace("-", "_"), title=str(path), theorems=tuple(found.values()))
    # a spec file may redefine an installed theorem (a modified copy, say): the file wins, loudly
    for t in pkg.theorems:
        owner = _OWNER.get(t.id)
        if owner is not None and owner != pkg.name:
            print(f"verifier: warning: spec file {path} redefines {t.id!r} of package {owner!r}; the file's "
                  f"version is used", file=sys.stderr)
            other = _PACKAGES[owner]
            _add_package(_replace_theorems(other, [x for x in other.theorems if x.id != t.id]))
    _add_package(pkg)
    return list(pkg.theorems)


def _replace_theorems(pkg: SpecPackage, theorems: Iterable[Theorem]) -> SpecPackage:
    from dataclasses import replace

    return replace(pkg, theorems=tuple(theorems))


__all__ = ["GROUP", "all_theorems", "get_package", "get_theorem", "load_spec_file", "package_of", "packages",
           "register_package", "register_theorem"]
