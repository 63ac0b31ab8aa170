"""The preview's estimate of print time and filament, made before any slicer runs, is near what PrusaSlicer
reports once it has sliced the same picture the same way (the independent figure the estimate stands in for)."""

from __future__ import annotations

import pytest
from pictures import halves, photo_like, save

from octoprint_img2print import pipeline
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe

NEAR = 0.3  # the estimate is within 30 % of the slicer's figure

CASES = {
    "lithophane": ("photo", Recipe(mode="lithophane", options={"width": 100}, slicer="prusaslicer")),
    "cylinder": ("photo", Recipe(mode="lithophane", options={"width": 60, "shape": "cylinder"}, slicer="prusaslicer")),
    "relief": ("photo", Recipe(mode="relief", options={"width": 60}, slicer="prusaslicer")),
    "logo": ("logo", Recipe(mode="logo", options={"width": 50}, slicer="prusaslicer")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_estimate_is_near_what_the_slicer_reports(tmp_path, prusa_slicer, case):
    kind, recipe = CASES[case]
    picture = save(photo_like(400, 300) if kind == "photo" else halves(200, 120), tmp_path / f"{kind}.png")
    printer = get_printer("generic")
    guessed = pipeline.preview(picture, printer, recipe)["estimate"]
    sliced = pipeline.slice_job(picture, tmp_path / "sliced.gcode", recipe, printer=printer)
    assert guessed["estimate"] is True
    assert guessed["time_s"] == pytest.approx(sliced.facts.estimated_time_s, rel=NEAR)
    assert guessed["filament_mm"] == pytest.approx(sliced.facts.filament_mm, rel=NEAR)
    assert guessed["filament_g"] == pytest.approx(sliced.filament_g, rel=NEAR)


def test_a_solid_too_big_for_the_printer_gets_no_estimate(tmp_path):
    picture = save(photo_like(400, 300), tmp_path / "photo.png")
    answer = pipeline.preview(picture, get_printer("generic"), Recipe(mode="relief", options={"width": 400}))
    assert [f["code"] for f in answer["findings"] if f["level"] == "error"] == ["does_not_fit"]
    assert "estimate" not in answer
