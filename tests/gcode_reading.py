"""A small G-code reader for the tests, independent of img2print's own inspection."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WORD = re.compile(r"([XYZE])(-?\d*\.?\d+)")


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


def read(path: Path) -> Gcode:
    """Types of extrusion, Z of each layer, total filament pushed, first-layer extrusion points."""
    gcode = Gcode(text=Path(path).read_text(errors="replace"))
    absolute_e, e, z, layer = True, 0.0, 0.0, -1
    x = y = 0.0
    for raw in gcode.text.splitlines():
        if len(gcode.header) < 40:
            gcode.header.append(raw)
        code, _sep, comment = raw.partition(";")
        if comment.startswith("TYPE:"):
            gcode.types[comment[5:].strip()] += 1
        if comment.startswith("LAYER_CHANGE") or re.match(r"LAYER:\d+$", comment):
            layer += 1
        code = code.strip()
        if code.startswith("M82"):
            absolute_e = True
        elif code.startswith("M83"):
            absolute_e = False
        elif code.startswith("G92"):
            e = float(dict(WORD.findall(code)).get("E", e))
        elif code.startswith(("G1 ", "G0 ")):
            words = dict(WORD.findall(code))
            x, y = float(words.get("X", x)), float(words.get("Y", y))
            if "Z" in words:
                z = float(words["Z"])
            if "E" in words:
                value = float(words["E"])
                delta = value - e if absolute_e else value
                e = value if absolute_e else e + value
                if delta > 0 and layer >= 0:
                    gcode.extruded += delta
                    if not gcode.layer_zs or gcode.layer_zs[-1] != z:
                        gcode.layer_zs.append(z)
                    if layer == 0:
                        gcode.first_layer_xy.append((x, y))
    return gcode
