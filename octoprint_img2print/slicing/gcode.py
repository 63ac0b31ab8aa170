"""Read back the G-code a slicer wrote: layers, where it extrudes, how high, how long, how much filament.

Slicers accept bad jobs silently, so a result is refused here when it has no layers, extrudes off the bed
or goes above the printer's height. Moves before the first layer (prime lines of the start G-code) are
not held against the bed, because printers prime outside the print area on purpose.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import SlicerFailed
from ..i18n import _
from ..printers.profile import CIRCULAR, PrinterProfile

BED_TOLERANCE_MM = 0.5
HEIGHT_TOLERANCE_MM = 0.05
WORD = re.compile(r"([XYZEF])(-?\d*\.?\d+)")
DURATION = re.compile(r"(\d+)([dhms])")
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

GCODE_EXTENSIONS = (".gcode", ".gco", ".g")


@dataclass
class GcodeFacts:
    """What the G-code does."""

    layers: int = 0
    extrusions: int = 0
    min_xy: list[float] = field(default_factory=lambda: [math.inf, math.inf])
    max_xy: list[float] = field(default_factory=lambda: [-math.inf, -math.inf])
    max_z: float = 0.0
    layer_heights: set[float] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    estimated_time_s: float | None = None
    filament_mm: float | None = None
    extruded_mm: float = 0.0
    max_radius: float = 0.0

    @property
    def bounds(self) -> list[list[float]]:
        """[[min x, min y], [max x, max y]] of every extrusion after the first layer began."""
        return [[round(v, 3) for v in self.min_xy], [round(v, 3) for v in self.max_xy]]


def _duration(text: str) -> float:
    return float(sum(int(n) * UNITS[u] for n, u in DURATION.findall(text)))


def _comment(facts: GcodeFacts, comment: str) -> bool:
    """Take what a comment says; True when it starts a new layer."""
    if comment.startswith("LAYER_CHANGE") or re.match(r"LAYER:-?\d+$", comment):
        return True
    if comment.startswith("TYPE:"):
        facts.types.add(comment[5:].strip())
    elif comment.startswith(" estimated printing time (normal mode)"):
        facts.estimated_time_s = _duration(comment.split("=", 1)[1])
    elif comment.startswith(" filament used [mm]"):
        facts.filament_mm = float(comment.split("=", 1)[1])
    elif comment.startswith("TIME:") and facts.estimated_time_s is None:
        facts.estimated_time_s = float(comment[5:])
    elif comment.startswith("Filament used:") and facts.filament_mm is None and comment.rstrip().endswith("m"):
        facts.filament_mm = float(comment.split(":", 1)[1].strip()[:-1]) * 1000
    return False


def inspect(path: Path, centre: tuple[float, float] = (0.0, 0.0)) -> GcodeFacts:
    """Walk the G-code once and gather its facts (``centre``: the bed's, for the distance of extrusions); the
    ends of every extrusion are collected and measured at once at the end."""
    facts = GcodeFacts()
    position = {"X": 0.0, "Y": 0.0, "Z": 0.0, "E": 0.0}
    absolute, absolute_e, printing = True, True, False
    ends: list[tuple[float, float]] = []
    heights: list[float] = []
    with open(path, encoding="utf-8", errors="replace") as gcode:
        for raw in gcode:
            line, _sep, comment = raw.partition(";")
            if comment and _comment(facts, comment.rstrip("\n")):
                facts.layers += 1
                printing = True
            command = line.strip()
            if not command:
                continue
            head = command.split(None, 1)[0]
            if head in ("G0", "G1"):
                words = dict(WORD.findall(command))
                start = (position["X"], position["Y"])
                for axis in ("X", "Y", "Z"):
                    if axis in words:
                        value = float(words[axis])
                        position[axis] = value if absolute else position[axis] + value
                if "E" not in words:
                    continue
                value = float(words["E"])
                delta = value - position["E"] if absolute_e else value
                position["E"] = value if absolute_e else position["E"] + value
                if delta > 0:
                    facts.extruded_mm += delta
                if printing and delta > 1e-6 and ("X" in words or "Y" in words):
                    ends.append(start)
                    ends.append((position["X"], position["Y"]))
                    heights.append(position["Z"])
            elif head == "G90":
                absolute = True
            elif head == "G91":
                absolute = False
            elif head == "M82":
                absolute_e = True
            elif head == "M83":
                absolute_e = False
            elif head == "G92":
                for axis, value in WORD.findall(command):
                    if axis in position:
                        position[axis] = float(value)
    _measure(facts, ends, heights, centre)
    return facts


def _measure(facts: GcodeFacts, ends: list[tuple[float, float]], heights: list[float],
             centre: tuple[float, float]) -> None:
    """Extent, distance from the centre, height and layer heights of the extrusions, on whole arrays."""
    facts.extrusions = len(heights)
    if not heights:
        return
    points, zs = np.asarray(ends, dtype=np.float64), np.asarray(heights, dtype=np.float64)
    facts.min_xy = [float(v) for v in points.min(axis=0)]
    facts.max_xy = [float(v) for v in points.max(axis=0)]
    facts.max_radius = float(np.hypot(points[:, 0] - centre[0], points[:, 1] - centre[1]).max())
    facts.max_z = max(0.0, float(zs.max()))
    facts.layer_heights = {float(v) for v in np.round(np.unique(zs), 3)}


def verify(facts: GcodeFacts, printer: PrinterProfile, source: str) -> None:
    """Refuse G-code that would not print: no layers, extrusion off the bed, or too high."""
    if facts.layers == 0 or facts.extrusions == 0:
        raise SlicerFailed("empty_gcode", _("{slicer} produced G-code without any layer to print. The model may be "
                                            "open, empty or too thin for this nozzle.").format(slicer=source),
                           slicer=source)
    cx, cy = printer.centre
    tolerance = BED_TOLERANCE_MM
    if printer.bed_shape == CIRCULAR:
        inside = facts.max_radius <= printer.width / 2 + tolerance
    else:
        inside = (facts.min_xy[0] >= cx - printer.width / 2 - tolerance
                  and facts.min_xy[1] >= cy - printer.depth / 2 - tolerance
                  and facts.max_xy[0] <= cx + printer.width / 2 + tolerance
                  and facts.max_xy[1] <= cy + printer.depth / 2 + tolerance)
    if not inside:
        raise SlicerFailed("gcode_off_bed", _("{slicer} placed extrusion outside the bed of the {printer} (from "
                                              "{x0:.1f}, {y0:.1f} to {x1:.1f}, {y1:.1f} mm). Nothing was kept.")
                           .format(slicer=source, printer=printer.name, x0=facts.min_xy[0], y0=facts.min_xy[1],
                                   x1=facts.max_xy[0], y1=facts.max_xy[1]), slicer=source)
    if facts.max_z > printer.max_height + HEIGHT_TOLERANCE_MM:
        raise SlicerFailed("gcode_too_tall", _("{slicer} prints up to Z {z:.2f} mm, above the {printer}'s "
                                               "{height:g} mm.").format(slicer=source, z=facts.max_z,
                                                                        printer=printer.name,
                                                                        height=printer.max_height), slicer=source)
