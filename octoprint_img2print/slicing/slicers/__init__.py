"""The slicer backends: one module each, which defines ``BACKEND``; this registry finds them by name.

Adding a slicer is adding one module here: the CLI, the plugin's settings and the pipeline loop over the registry.
"""

from __future__ import annotations

from functools import cache

from ...discovery import declared_in
from ...errors import BadInput
from ...i18n import _
from ..backend import SlicerBackend


@cache
def registry() -> dict[str, SlicerBackend]:
    """Every backend, found by importing the modules of this package, the preferred one first."""
    return declared_in(__name__, __path__, "BACKEND", SlicerBackend, key=lambda backend: backend.name)


def get_backend(name: str) -> SlicerBackend:
    """A backend by name, or a BadInput error listing the slicers there are."""
    backends = registry()
    if name not in backends:
        raise BadInput("unknown_slicer", _("Unknown slicer '{slicer}'; choose one of: {choices}.")
                       .format(slicer=name, choices=", ".join(backends)), slicer=name)
    return backends[name]


def default_backend() -> SlicerBackend:
    """The slicer used when nobody chooses one."""
    return next(iter(registry().values()))
