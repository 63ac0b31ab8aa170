"""The slicer backends: one module each, which defines ``BACKEND``; this registry finds them by name.

Adding a slicer is adding one module here: the CLI, the plugin's settings and the pipeline loop over the registry.
"""

from __future__ import annotations

from functools import cache

from ...discovery import declared_in
from ...errors import BadInput
from ...i18n import _
from ...printers.profile import PrinterProfile
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


def check_slicer_sections(printer: PrinterProfile) -> None:
    """A printer profile's sections of settings name slicers there are, and its lists of the vendors' profiles
    lists a slicer reads (the printer profile itself does not know the slicers)."""
    backends = registry()
    for key in printer.slicer_overrides:
        if key not in backends:
            raise BadInput("bad_printer_profile", _("Printer profile '{printer}': '{key}' is not a printer profile key "
                                                    "(nor one of the slicers {slicers}).")
                           .format(printer=printer.id, key=key, slicers=", ".join(backends)), key=key)
    lists = sorted(key for backend in backends.values() for key in backend.vendor_keys)
    if any(key not in lists for key in printer.vendor_profiles):
        raise BadInput("bad_printer_profile", _("Printer profile '{printer}': 'vendor_profiles' must map {choices} "
                                                "to lists of profile names.")
                       .format(printer=printer.id, choices=", ".join(lists)), key="vendor_profiles")
