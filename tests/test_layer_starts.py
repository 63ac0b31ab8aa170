"""Where a colour change goes: right after the marker of the first layer printed above its height, a layer's height
being the Z of its first extruding move, whichever way the slicer orders its marker and its move up."""

from __future__ import annotations

from pathlib import Path

import pytest

from octoprint_img2print.slicing import color_change, gcode
from octoprint_img2print.slicing.color_change import ColourChange

CURA_LIKE = """;FLAVOR:Marlin
M82
G92 E0
G1 Z0.2 F600
;LAYER:0
G1 X10 Y10
G1 X20 Y10 E1.0
G0 Z0.4
;LAYER:1
G1 X20 Y20 E2.0
G0 Z0.6
;LAYER:2
G92 E0
G1 X10 Y20 E0.5
"""
PRUSA_LIKE = """M83
;LAYER_CHANGE
;Z:0.2
G1 Z0.2 F600
G1 X10 Y10 E-0.8
G1 E0.8
G1 X20 Y10 E1.0
;LAYER_CHANGE
;Z:0.4
G1 Z0.4
G1 X5 Y5
;LAYER_CHANGE
;Z:0.6
G1 Z0.6
G1 X20 Y20 E1.0
"""


def _marked(text: str, tmp_path: Path, changes: list[ColourChange]) -> list[str]:
    path = tmp_path / "part.gcode"
    path.write_text(text)
    color_change.insert(path, changes, "M600")
    return path.read_text().splitlines()


@pytest.mark.parametrize("stretch_bytes", [gcode.STRETCH_BYTES, 40])  # whole file, and a few lines at a time
def test_a_change_goes_after_the_marker_of_the_first_layer_above_it(tmp_path, monkeypatch, stretch_bytes):
    monkeypatch.setattr(gcode, "STRETCH_BYTES", stretch_bytes)
    lines = _marked(CURA_LIKE, tmp_path, [ColourChange(0.3, "second colour")])
    at = lines.index(";LAYER:1")
    assert lines[at + 1:at + 3] == ["; img2print: second colour", "M600"]
    assert lines.count("M600") == 1


@pytest.mark.parametrize("stretch_bytes", [gcode.STRETCH_BYTES, 40])
def test_a_layer_that_only_travels_takes_no_change_the_next_printed_one_does(tmp_path, monkeypatch, stretch_bytes):
    """PrusaSlicer moves up after its marker; a layer with a retraction's unretract only (no XY) or travel only is not
    where anything is printed."""
    monkeypatch.setattr(gcode, "STRETCH_BYTES", stretch_bytes)
    lines = _marked(PRUSA_LIKE, tmp_path, [ColourChange(0.3, "top"), ColourChange(5.0, "above the print")])
    markers = [i for i, line in enumerate(lines) if line == ";LAYER_CHANGE"]
    assert lines[markers[2] + 1:markers[2] + 3] == ["; img2print: top", "M600"], lines
    assert lines.count("M600") == 1, "a change above the print's top is left out"
