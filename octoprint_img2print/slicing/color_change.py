"""A colour change (``M600`` or the printer's own command) at the first layer of a two-colour print's artwork.

Both slicers' G-code is post-processed the same way: the command goes right after the layer-change marker of the
first layer printed above the height where the artwork starts, before anything of that layer is printed. A layer's
height is where its first extrusion happens, since the slicers move up before or after their markers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

LAYER_MARK = re.compile(r"^;(LAYER_CHANGE|LAYER:-?\d+)\s*$")
WORD = re.compile(r"([XYZE])(-?\d*\.?\d+)")
ABOVE_MM = 1e-3
COMMENT = "; img2print: colour change for the artwork"


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


def insert(gcode: Path, start_z: float, command: str) -> float | None:
    """Put ``command`` at the first layer printed above ``start_z`` (mm), right after its marker; the height of
    that layer, or None when the print never rises above it (then nothing is changed)."""
    lines = gcode.read_text(encoding="utf-8", errors="replace").split("\n")
    for index, z in _layer_heights(lines):
        if z > start_z + ABOVE_MM:
            lines[index + 1:index + 1] = [COMMENT, *command.strip().splitlines()]
            gcode.write_text("\n".join(lines), encoding="utf-8")
            return z
    return None
