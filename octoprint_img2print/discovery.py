"""Finding the modules of a package that declare one thing each (a mode, a slicer backend): adding one is adding
its module to the package's folder. A module that fails to import is left out with a warning in the log (once),
so that one broken module does not take every other mode or slicer with it."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable
from typing import TypeVar

Declared = TypeVar("Declared")
LOG = logging.getLogger(__name__)
_failed: set[str] = set()  # modules already said to fail


def declared_in(package: str, folders: Iterable[str], attribute: str, kind: type[Declared],
                key: Callable[[Declared], str]) -> dict[str, Declared]:
    """The ``attribute`` of every module in the package that has one of type ``kind``, by ``key``, in the order
    of their ``position`` (then key)."""
    found = []
    for module_info in pkgutil.iter_modules(list(folders)):
        name = f"{package}.{module_info.name}"
        try:
            module = importlib.import_module(name)
        except Exception as error:  # any failure of its own code: the others still load
            if name not in _failed:
                _failed.add(name)
                LOG.warning("img2print: %s could not be loaded and is left out (%s: %s)", name,
                            type(error).__name__, error)
            continue
        value = getattr(module, attribute, None)
        if isinstance(value, kind):
            found.append(value)
    return {key(value): value for value in sorted(found, key=lambda v: (v.position, key(v)))}
