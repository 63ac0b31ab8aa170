"""A painting on a printer with several tools (a multi-material unit feeding one nozzle, or a tool changer): each of
its filaments is given a tool, its swaps become the slicer's own tool changes (the new filament heated and purged on
a tower beside the print), and the print moves over, if it must, to leave the tower its corner of the bed.

The tower stands at the bed's right-hand edge, starting at the front and growing towards the back as deep as the
slicer needs (PrusaSlicer's wipe tower, Cura's prime tower of the same width).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import BadInput, DoesNotFit
from ..filaments.library import Filament
from ..geometry.booleans import from_manifold, to_manifold
from ..geometry.mesh import Mesh
from ..i18n import _
from ..printers.profile import PrinterProfile
from ..processes import native_code
from .color_change import ColourChange

TOWER_MM = 30.0  # the tower's width
EDGE_MM = 8.0  # between the tower and the bed's edges: its brim and the skirt that goes round it too
GAP_MM = 8.0  # between the print's skirt or brim and the tower
PURGE_MM3 = 140.0  # filament pushed through the tower at each change (PrusaSlicer's own default for its MMU)


@dataclass(frozen=True)
class Tools:
    """Tool i holds ``filaments[i]``; the tower's front-left corner is at ``tower`` and the print's centre at
    ``centre`` (G-code coordinates, mm)."""

    filaments: tuple[Filament, ...]
    tower: tuple[float, float]
    centre: tuple[float, float]


def filaments_in_order(filaments: tuple[Filament, ...]) -> tuple[Filament, ...]:
    """Each filament of a painting's bands once, in the order they are first printed (the first is tool 0)."""
    seen: dict[str, Filament] = {}
    for filament in filaments:
        seen.setdefault(filament.id, filament)
    return tuple(seen.values())


def tools_for(printer: PrinterProfile, filaments: tuple[Filament, ...], print_width: float,
              margin: float) -> Tools:
    """The tools for a painting with bands of ``filaments`` on ``printer`` (``print_width`` along x on the bed,
    ``margin`` for its skirt or brim), or BadInput when the printer holds fewer filaments, or DoesNotFit when the
    print leaves the tower no room."""
    used = filaments_in_order(filaments)
    if len(used) > printer.tools:
        raise BadInput("too_many_filaments",
                       _("The painting uses {count} filaments and the {printer} holds {tools}: choose at most "
                         "{tools} with --colours.").format(count=len(used), printer=printer.name, tools=printer.tools),
                       filaments=[f.id for f in used], tools=printer.tools)
    cx, cy = printer.centre
    left, front = cx - printer.width / 2, cy - printer.depth / 2
    tower_x = left + printer.width - EDGE_MM - TOWER_MM
    half = print_width / 2 + margin
    room = tower_x - GAP_MM - (left + EDGE_MM)
    if 2 * half > room:
        raise DoesNotFit("no_room_for_tower",
                         _("The {printer} needs a {tower:g} mm wide tower beside the print to clean the nozzle between "
                           "its filaments: make the painting at most {most:.0f} mm wide.")
                         .format(printer=printer.name, tower=TOWER_MM, most=room - 2 * margin),
                         printer=printer.id, most_mm=round(room - 2 * margin, 1))
    centre_x = min(cx, tower_x - GAP_MM - half)
    return Tools(used, (tower_x, front + EDGE_MM), (centre_x, cy))


def tool_of(tools: Tools, filament: Filament) -> int:
    """The tool that holds ``filament``."""
    return next(index for index, held in enumerate(tools.filaments) if held.id == filament.id)


@native_code()
def tool_bands(mesh: Mesh, changes: tuple[ColourChange, ...]) -> list[tuple[int, Mesh]]:
    """The solid cut at each change's height into closed bands, each with the tool that prints it (0 below the
    first change), for a slicer that gives tools to parts rather than to heights."""
    solid = to_manifold(mesh)
    bounds = [None, *(change.z for change in changes), None]
    bands: list[tuple[int, Mesh]] = []
    for tool, low, high in zip([0, *(change.tool or 0 for change in changes)], bounds[:-1], bounds[1:]):
        band = solid if low is None else solid.trim_by_plane((0.0, 0.0, 1.0), low)
        band = band if high is None else band.trim_by_plane((0.0, 0.0, -1.0), -high)
        if not band.is_empty():
            bands.append((tool, from_manifold(band)))
    return bands
