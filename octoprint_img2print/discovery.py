"""Finding the modules of a package that declare one thing each (a mode, a slicer backend): adding one is adding
its module to the package's folder."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import TypeVar

Declared = TypeVar("Declared")


def declared_in(package: str, folders: Iterable[str], attribute: str, kind: type[Declared],
                key: Callable[[Declared], str]) -> dict[str, Declared]:
    """The ``attribute`` of every module in the package that has one of type ``kind``, by ``key``, in the order
    of their ``position`` (then key)."""
    found = []
    for module_info in pkgutil.iter_modules(list(folders)):
        value = getattr(importlib.import_module(f"{package}.{module_info.name}"), attribute, None)
        if isinstance(value, kind):
            found.append(value)
    return {key(value): value for value in sorted(found, key=lambda v: (v.position, key(v)))}
