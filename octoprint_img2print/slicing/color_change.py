"""Colour changes (``M600`` or the printer's own command): where a two-colour print's artwork starts, or at each
swap of a filament painting.

Both slicers' G-code is post-processed the same way: each command goes right after the layer-change marker of the
first layer printed above its height, before anything of that layer is printed, with a comment saying what to load.
A layer's height is where its first extrusion happens, since the slicers move up before or after their markers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LAYER_MARK = re.compile(r"^;(LAYER_CHANGE|LAYER:-?\d+)\s*$")
WORD = re.compile(r"([XYZE])(-?\d*\.?\d+)")
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


def _layer_heights(lines: list[str]) -> list[tuple[int, float]]:
    """Each layer marker's line and the height its layer prints at: the Z of its first extruding move (Cura moves
    up to a layer's height before writing its marker, PrusaSlicer after)."""
    z = e = 0.0
    relative = False
    layers: list[tuple[int, float]] = []
    pending: int | None = None
    for index, line in enumerate(lines):
        if LAYER_MARK.match(line):
            pending = index
            continue
        code = line.split(";", 1)[0].strip()
        if code.startswith(("M82", "M83")):
            relative = code.startswith("M83")
        elif code.startswith("G92"):
            e = float(dict(WORD.findall(code)).get("E", e))
        elif code.startswith(("G0 ", "G1 ")):
            words = dict(WORD.findall(code))
            z = float(words.get("Z", z))
            if "E" not in words:
                continue
            pushed = float(words["E"]) if relative else float(words["E"]) - e
            e = e + float(words["E"]) if relative else float(words["E"])
            if pending is not None and pushed > 0 and ("X" in words or "Y" in words):
                layers.append((pending, z))
                pending = None
    return layers


def insert(gcode: Path, changes: Sequence[ColourChange], command: str) -> None:
    """Put ``command`` at the first layer printed above each change's height (mm), right after its marker; a change
    above the print's top is left out."""
    lines = gcode.read_text(encoding="utf-8", errors="replace").split("\n")
    layers = _layer_heights(lines)
    placed = [(next((index for index, z in layers if z > change.z + ABOVE_MM), None), change) for change in changes]
    for index, change in sorted(((i, c) for i, c in placed if i is not None), key=lambda item: item[0], reverse=True):
        lines[index + 1:index + 1] = [f"; img2print: {change.note}", *command.strip().splitlines()]
    gcode.write_text("\n".join(lines), encoding="utf-8")
