"""A small G-code reader for the tests, independent of img2print's own inspection."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

WORD = re.compile(r"([XYZEF])(-?\d*\.?\d+)")
LAYER_MARK = re.compile(r"^;(LAYER_CHANGE|LAYER:-?\d+)\s*$")
TYPE_MARK = re.compile(r"^;TYPE:(.*)$", re.M)


@dataclass
class Gcode:
    types: Counter = field(default_factory=Counter)
    layer_zs: list[float] = field(default_factory=list)
    extruded: float = 0.0
    first_layer_xy: list[tuple[float, float]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def first_layer_span(self) -> tuple[float, float]:
        xs = [p[0] for p in self.first_layer_xy]
        ys = [p[1] for p in self.first_layer_xy]
        return max(xs) - min(xs), max(ys) - min(ys)


def moves(text: str) -> Iterator[tuple]:
    """Every G0/G1: the position before and after it, its Z, whether it extrudes (pushes filament while moving in
    X or Y), its feedrate, the feature type and layer (-1 before the first) it belongs to, and the filament it
    pushes (negative for a retraction)."""
    x = y = z = e = feed = 0.0
    kind, layer, relative = "", -1, False
    for raw in text.splitlines():
        code, _sep, comment = raw.partition(";")
        if comment.startswith("TYPE:"):
            kind = comment[5:].strip()
        if LAYER_MARK.match(raw):
            layer += 1
        code = code.strip()
        if code.startswith("M83"):
            relative = True
        elif code.startswith("M82"):
            relative = False
        elif code.startswith("G92"):
            e = float(dict(WORD.findall(code)).get("E", e))
        elif code.startswith(("G0 ", "G1 ")):
            words = dict(WORD.findall(code))
            start = (x, y)
            x, y, z = float(words.get("X", x)), float(words.get("Y", y)), float(words.get("Z", z))
            feed = float(words.get("F", feed))
            pushed = 0.0
            if "E" in words:
                value = float(words["E"])
                pushed = value if relative else value - e
                e = e + value if relative else value
            yield start, (x, y), z, pushed > 0 and ("X" in words or "Y" in words), feed, kind, layer, pushed


def read(path: Path) -> Gcode:
    """Types of extrusion, Z of each layer, total filament pushed, first-layer extrusion points."""
    gcode = Gcode(text=Path(path).read_text(errors="replace"))
    gcode.header = gcode.text.splitlines()[:40]
    gcode.types.update(kind.strip() for kind in TYPE_MARK.findall(gcode.text))
    for _start, end, z, _extrudes, _feed, _kind, layer, pushed in moves(gcode.text):
        if pushed > 0 and layer >= 0:
            gcode.extruded += pushed
            if not gcode.layer_zs or gcode.layer_zs[-1] != z:
                gcode.layer_zs.append(z)
            if layer == 0:
                gcode.first_layer_xy.append(end)
    return gcode
