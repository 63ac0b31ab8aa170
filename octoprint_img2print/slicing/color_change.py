"""Colour changes (``M600`` or the printer's own command): where a two-colour print's artwork starts, or at each
swap of a filament painting.

Both slicers' G-code is post-processed the same way: each command goes right after the layer-change marker of the
first layer printed above its height, before anything of that layer is printed, with a comment saying what to load.
A layer's height is where its first extrusion happens, since the slicers move up before or after their markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .gcode import inspect

ABOVE_MM = 1e-3
ARTWORK_NOTE = "colour change for the artwork"


@dataclass(frozen=True)
class ColourChange:
    """A colour change above ``z`` mm (on the bed), and what its G-code comment says (for the person at the
    printer, in G-code's own English); on a printer with several tools, ``tool`` is the one to change to, which the
    slicer does itself."""

    z: float
    note: str
    tool: int | None = None


def placed_height(start_z: float | None, rotation: np.ndarray, built_height: float,
                  placed_height_mm: float) -> float | None:
    """The artwork's start height on the bed: the built height scaled as the solid was, or None when there is
    no artwork start or the solid was turned so that its layers no longer run along the artwork."""
    if start_z is None or start_z <= 0 or not np.allclose(np.asarray(rotation)[2], (0.0, 0.0, 1.0), atol=1e-6):
        return None
    return start_z * placed_height_mm / built_height if built_height > 0 else None


def insert(gcode: Path, changes: Sequence[ColourChange], command: str) -> None:
    """Put ``command`` at the first layer printed above each change's height (mm), right after its marker; a change
    above the print's top is left out."""
    layers = inspect(gcode).layer_starts
    placed = [(next((at for at, z in layers if z > change.z + ABOVE_MM), None), change) for change in changes]
    data = gcode.read_bytes()
    for at, change in sorted(((at, c) for at, c in placed if at is not None), key=lambda item: item[0], reverse=True):
        lines = [f"; img2print: {change.note}", *command.strip().splitlines()]
        data = data[:at] + "".join(f"{line}\n" for line in lines).encode() + data[at:]
    gcode.write_bytes(data)
