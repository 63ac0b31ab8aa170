"""What a preview says each slicing option left empty will be is what the slicer then slices with: read back from
the settings PrusaSlicer writes at the end of its G-code (the independent record of what it used)."""

from __future__ import annotations

import re

import pytest
from pictures import halves, photo_like, save

from octoprint_img2print import pipeline
from octoprint_img2print.options import option_specs
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe
from octoprint_img2print.slicing.plan import SliceOverrides

CASES = {
    "lithophane as its intent plans it": ("photo", Recipe(mode="lithophane", options={"width": 60},
                                                           slicer="prusaslicer")),
    "logo with walls and infill set": ("logo", Recipe(mode="logo", options={"width": 40}, slicer="prusaslicer",
                                                      overrides={"walls": 4, "infill": 35, "adhesion": "brim",
                                                                 "brim_width": 3})),
}


def _slicer_used(gcode: str) -> dict[str, str]:
    """PrusaSlicer's record of its settings (``; key = value`` lines after the moves)."""
    return dict(re.findall(r"^; (\w+) = (.*)$", gcode, re.MULTILINE))


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_planned_values_are_what_the_slicer_uses(tmp_path, prusa_slicer, case):
    kind, recipe = CASES[case]
    picture = save(photo_like(300, 200) if kind == "photo" else halves(200, 120), tmp_path / f"{kind}.png")
    printer = get_printer("generic")
    planned = pipeline.preview(picture, printer, recipe, pictures=False)["planned"]
    assert set(planned) <= {spec.name for spec in option_specs(SliceOverrides)}, "one of the slicing options each"
    pipeline.slice_job(picture, tmp_path / "sliced.gcode", recipe, printer=printer)
    used = _slicer_used((tmp_path / "sliced.gcode").read_text())
    assert float(used["layer_height"]) == pytest.approx(planned["layer_height"])
    assert float(used["fill_density"].rstrip("%")) == pytest.approx(planned["infill"])
    assert used["fill_pattern"] == planned["infill_pattern"]
    assert int(used["perimeters"]) == planned["walls"]
    assert used["support_material"] == ("1" if planned["supports"] == "always" else "0")
    assert (float(used["brim_width"]) > 0) == (planned["adhesion"] == "brim")
    assert (int(used["skirts"]) > 0) == (planned["adhesion"] == "skirt")
    if planned["adhesion"] == "brim":
        assert float(used["brim_width"]) == pytest.approx(planned["brim_width"])
    for name, value in recipe.overrides.items():
        assert planned[name] == value, f"the {name} asked is the {name} planned"


def test_a_solid_too_big_for_the_printer_has_no_plan(tmp_path):
    picture = save(photo_like(300, 200), tmp_path / "photo.png")
    answer = pipeline.preview(picture, get_printer("generic"), Recipe(mode="relief", options={"width": 400}),
                              pictures=False)
    assert "planned" not in answer
