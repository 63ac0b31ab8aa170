"""Slicing as experienced people set it up (issue 12): seams off a lithophane's picture, the printer's own facts
from its makers' PrusaSlicer bundle and Cura definition, a lithophane intent with walls and slow outer walls, and a
colour change where a logo's artwork starts. Everything is read back from the real slicers' G-code."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from gcode_reading import moves
from pictures import photo_like, save

from octoprint_img2print import pipeline
from octoprint_img2print.command.main import main
from octoprint_img2print.errors import BadInput
from octoprint_img2print.geometry.circles import fitted_circle
from octoprint_img2print.geometry.stl import write_stl
from octoprint_img2print.printers.profile import get_printer, profile_from_dict
from octoprint_img2print.printers.vendor import prusaslicer_facts
from octoprint_img2print.recipe import Recipe
from octoprint_img2print.slicing.plan import SliceOverrides
from octoprint_img2print.slicing.slicers import curaengine, get_backend

OUTER_WALL = {"prusaslicer": "External perimeter", "cura": "WALL-OUTER"}
PRINTER = {"prusaslicer": "prusa_mk4", "cura": "creality_ender3_v2"}
EDGE_MM = 1.0
LINE_MM = 0.45  # the printers' line width


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    return save(photo_like(60, 45), tmp_path_factory.mktemp("pictures") / "photo.png")


@pytest.fixture(scope="module")
def logo(tmp_path_factory) -> Path:
    grey = np.full((60, 60), 255, dtype=np.uint8)
    grey[15:45, 10:50] = 0
    return save(grey, tmp_path_factory.mktemp("pictures") / "logo.png")


def slice_cli(capsys, source: Path, output: Path, *options) -> dict:
    code = main(["slice", str(source), "-o", str(output), "--json", *map(str, options)])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0, answer
    return answer


def outer_wall_starts(text: str, slicer: str) -> list[tuple[int, tuple[float, float]]]:
    """The first point of every outer-wall loop, with its layer."""
    starts, inside = [], False
    for start, _end, _z, extrudes, _feed, kind, layer, _pushed in moves(text):
        wall = kind == OUTER_WALL[slicer] and layer >= 0
        if wall and extrudes and not inside:
            starts.append((layer, start))
        inside = wall and extrudes
    return starts


def share_on_face(text: str, slicer: str) -> float:
    """The share of outer-wall starts on a standing sheet's face: farther than EDGE_MM from both ends of that
    layer's outer wall along its long axis (the face's plane runs along that axis)."""
    points: dict[int, list[tuple[float, float]]] = {}
    for start, end, _z, extrudes, _feed, kind, layer, _pushed in moves(text):
        if extrudes and kind == OUTER_WALL[slicer]:
            points.setdefault(layer, []).extend([start, end])
    starts = outer_wall_starts(text, slicer)
    on_face = 0
    for layer, point in starts:
        xy = np.asarray(points[layer])
        centre = (xy.min(axis=0) + xy.max(axis=0)) / 2
        _values, axes = np.linalg.eigh((xy - centre).T @ (xy - centre))
        along = (xy - centre) @ axes[:, -1]
        at = (np.asarray(point) - centre) @ axes[:, -1]
        on_face += bool(along.min() + EDGE_MM < at < along.max() - EDGE_MM)
    return on_face / len(starts)


def test_upright_lithophane_seams_stay_off_the_picture(capsys, tmp_path, photo, slicer):
    answer = slice_cli(capsys, photo, tmp_path / "litho.gcode", "--printer", PRINTER[slicer], "--slicer", slicer,
                       "--mode", "lithophane", "--width", "40")
    assert answer["settings"]["seam"] is not None
    text = (tmp_path / "litho.gcode").read_text()
    assert len(outer_wall_starts(text, slicer)) > 100
    assert share_on_face(text, slicer) <= 0.10


def test_the_seam_measure_sees_seams_on_the_picture_when_slicers_choose(tmp_path, photo, slicer):
    """The measure above can fail: left to the slicer's own seam placement, most starts land on the face."""
    printer = get_printer(PRINTER[slicer])
    built = pipeline.build_solid(photo, recipe=Recipe(mode="lithophane", options={"width": 40}))  # standing on its foot
    prepared = pipeline.prepare_for_printer(built.mesh, printer, mode=built.mode, options=built.options,
                                            overrides=SliceOverrides())
    assert prepared.settings.seam is not None
    info = pipeline.detect_slicer(slicer)
    model = tmp_path / "litho.stl"
    write_stl(prepared.mesh, model)
    get_backend(slicer).slice(info, model, tmp_path / "litho.gcode", printer, replace(prepared.settings, seam=None),
                              tmp_path)
    assert share_on_face((tmp_path / "litho.gcode").read_text(), slicer) > 0.10


def test_cylinder_seams_line_up_at_the_weld(capsys, tmp_path, photo, slicer):
    answer = slice_cli(capsys, photo, tmp_path / "lamp.gcode", "--printer", PRINTER[slicer], "--slicer", slicer,
                       "--mode", "lithophane", "--shape", "cylinder", "--width", "60", "--height", "20")
    seam = answer["settings"]["seam"]
    assert seam is not None and seam["dy"] == pytest.approx(-1, abs=0.01)  # the bend welds at the front
    text = (tmp_path / "lamp.gcode").read_text()
    walls = np.asarray([point for start, end, _z, extrudes, _f, kind, layer, _pushed in moves(text)
                        if extrudes and kind == OUTER_WALL[slicer] and layer >= 0 for point in (start, end)])
    axis, radius = fitted_circle(walls)  # not the box's middle: the picture is thicker on one side than the other
    starts = np.asarray([point for _layer, point in outer_wall_starts(text, slicer)]) - axis
    angles = np.arctan2(starts[:, 0], -starts[:, 1])  # 0 at the front, where the weld is
    assert len(starts) > 50 and radius > 8
    # within three lines of the weld along the wall: CuraEngine starts a wall at its vertex nearest to a point, and
    # where the picture is thicker beside the weld than at it, the outer wall's nearest vertex drifts that far
    assert np.mean(np.abs(angles) * radius <= 3 * LINE_MM) >= 0.9


@pytest.mark.parametrize("angle", [120, 180, 270, 340])
def test_arc_seams_make_one_vertical_line_at_an_end(capsys, tmp_path, photo, slicer, angle):
    slice_cli(capsys, photo, tmp_path / "arc.gcode", "--printer", PRINTER[slicer], "--slicer", slicer,
              "--mode", "lithophane", "--shape", "arc", "--curve-angle", angle, "--width", "50", "--height", "20")
    text = (tmp_path / "arc.gcode").read_text()
    walls = np.asarray([np.linspace(start, end, 20) for start, end, _z, extrudes, _f, kind, layer, _pushed
                        in moves(text) if extrudes and kind == OUTER_WALL[slicer] and layer >= 0]).reshape(-1, 2)
    starts = np.asarray([point for _layer, point in outer_wall_starts(text, slicer)])
    line = np.median(starts, axis=0)
    assert np.mean(np.hypot(*(starts - line).T) <= 3.0) >= 0.9  # on the end face, as wide as the sheet is thick
    assert min(np.hypot(*(line - end)) for end in arc_ends(walls)) <= 3.5  # the end face is 3 mm thick


def arc_ends(walls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two wall points (along the wall lines) beside the open side of an arc: the widest gap between their
    angles around the circle through them."""
    (a, b), _radius = fitted_circle(walls)
    angles = np.arctan2(walls[:, 1] - b, walls[:, 0] - a)
    order = np.argsort(angles)
    gaps = np.diff(np.append(angles[order], angles[order[0]] + 2 * np.pi))
    widest = int(np.argmax(gaps))
    return walls[order[widest]], walls[order[(widest + 1) % len(order)]]


def test_mk4_gets_its_bed_levelling_and_own_retraction(capsys, tmp_path, photo):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    slice_cli(capsys, photo, tmp_path / "mk4.gcode", "--printer", "prusa_mk4", "--slicer", "prusaslicer",
              "--mode", "lithophane", "--width", "30", "--orientation", "flat")
    text = (tmp_path / "mk4.gcode").read_text()
    head = text[:text.index(";LAYER_CHANGE")]
    assert re.search(r"^G29\b", head, re.M)
    mk4 = get_printer("prusa_mk4")
    assert f"; retract_length = {mk4.retract_length:g}" in text and mk4.retract_length < 2
    retractions = [float(m) for m in re.findall(r"^G1 E-(\d*\.?\d+) F", text, re.M)]
    assert len(retractions) > 10 and float(np.median(retractions)) == pytest.approx(mk4.retract_length, abs=0.01)


def test_vendor_bundle_facts_reach_prusaslicer(capsys, tmp_path, photo):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    ender = get_printer("creality_ender3_v2")
    facts = prusaslicer_facts(ender.vendor_profiles["prusaslicer"][0])
    require(facts is not None, "PrusaSlicer's Creality vendor bundle")
    slice_cli(capsys, photo, tmp_path / "ender.gcode", "--printer", "creality_ender3_v2", "--slicer", "prusaslicer",
              "--mode", "lithophane", "--width", "30", "--orientation", "flat")
    text = (tmp_path / "ender.gcode").read_text()
    assert f"; retract_length = {facts['retract_length']}" in text
    assert "; printer_model = ENDER3V2" in text
    speeds = prusaslicer_facts(ender.vendor_profiles["prusaslicer_print"][0], "print")
    assert speeds["perimeter_speed"] != "60"  # PrusaSlicer's own default, so the preset's value shows
    assert f"; perimeter_speed = {speeds['perimeter_speed']}" in text
    assert "prime the nozzle" in text[:text.index(";LAYER_CHANGE")]


def test_a_bad_vendor_profiles_entry_is_one_clear_line():
    with pytest.raises(BadInput) as caught:
        profile_from_dict({"id": "x", "name": "X", "bed": {"width": 200, "depth": 200}, "max_height": 200,
                           "vendor_profiles": {"prusaslicer": "Creality"}}, "x.yaml")
    assert caught.value.code == "bad_printer_profile" and "x.yaml" in caught.value.message
    assert "vendor_profiles" in caught.value.message


def test_a_broken_cura_definition_falls_back_to_the_profiles_own_facts(tmp_path, photo):
    require(shutil.which("CuraEngine") is not None and curaengine.resources() is not None, "CuraEngine")
    base = curaengine.resources()
    resources = tmp_path / "cura"
    (resources / "definitions").mkdir(parents=True)
    (resources / "extruders").mkdir()
    (resources / "definitions" / "fdmprinter.def.json").symlink_to(base / "definitions" / "fdmprinter.def.json")
    (resources / "definitions" / "fdmextruder.def.json").symlink_to(base / "definitions" / "fdmextruder.def.json")
    (resources / "definitions" / "creality_base.def.json").write_text("{not json")
    (resources / "definitions" / "creality_ender3v2.def.json").write_text(json.dumps({"inherits": "creality_ender3v2"}))
    ender = get_printer("creality_ender3_v2")
    pipeline.slice_job(photo, tmp_path / "ender.gcode",
                       recipe=Recipe(slicer="cura", slicer_settings={"definitions": str(resources)}, mode="lithophane",
                                     options={"width": 30}),
                       printer=ender)
    text = (tmp_path / "ender.gcode").read_text()
    assert ender.start_gcode.splitlines()[-2] in text and ";Move to start position" not in text


def _definition_start_gcode(definition: str) -> str:
    base = curaengine.resources()
    data = json.loads((base / "definitions" / f"{definition}.def.json").read_text())
    return data["overrides"]["machine_start_gcode"]["default_value"]


def test_cura_runs_and_exports_with_the_printers_own_definition(capsys, tmp_path, photo):
    require(shutil.which("CuraEngine") is not None and curaengine.resources() is not None, "CuraEngine")
    start = _definition_start_gcode("creality_base").splitlines()
    slice_cli(capsys, photo, tmp_path / "ender.gcode", "--printer", "creality_ender3_v2", "--slicer", "cura",
              "--mode", "lithophane", "--width", "30", "--orientation", "flat")
    text = (tmp_path / "ender.gcode").read_text()
    assert ";Move to start position" in text and start[0] in text
    assert "{machine_depth}" not in text
    assert main(["profiles", "export", "creality_ender3_v2", "--intent", "lithophane", "--slicer", "cura", "-o",
                 str(tmp_path / "ender.def.json")]) == 0
    capsys.readouterr()
    exported = json.loads((tmp_path / "ender.def.json").read_text())
    assert exported["inherits"] == "creality_base"
    assert exported["overrides"]["speed_print"]["default_value"] == 50.0
    base = curaengine.resources()
    env = {**os.environ, "CURA_ENGINE_SEARCH_PATH": f"{tmp_path}:{base / 'definitions'}:{base / 'extruders'}"}
    run = subprocess.run(["CuraEngine", "slice", "-j", str(tmp_path / "ender.def.json"), "-l",
                          str(_cube(tmp_path)), "-o", str(tmp_path / "cube.gcode")], capture_output=True, text=True,
                         env=env)
    assert run.returncode == 0 and "[ERROR]" not in run.stderr, run.stderr[-500:]
    assert start[0] in (tmp_path / "cube.gcode").read_text()


def _cube(tmp_path: Path) -> Path:
    import trimesh
    path = tmp_path / "cube.stl"
    trimesh.creation.box(extents=(20, 20, 5)).export(str(path))
    return path


def test_lithophane_intent_solid_walls_and_slow_outer_wall(capsys, tmp_path, photo, slicer):
    answer = slice_cli(capsys, photo, tmp_path / "litho.gcode", "--printer", PRINTER[slicer], "--slicer", slicer,
                       "--mode", "lithophane", "--width", "40")
    speed = answer["settings"]["outer_wall_speed"]
    assert answer["settings"]["walls"] >= 8 and speed <= 25
    text = (tmp_path / "litho.gcode").read_text()
    sparse = {"prusaslicer": "Internal infill", "cura": "FILL"}[slicer]
    printed = [(z, kind) for _s, _e, z, extrudes, _f, kind, layer, _pushed in moves(text) if extrudes and layer >= 0]
    top = max(z for z, _kind in printed)
    picture = [kind for z, kind in printed if z > top / 2]  # above any foot
    assert picture.count(sparse) <= 0.02 * len(picture)
    feeds = [feed for _s, _e, _z, extrudes, feed, kind, layer, _pushed in moves(text)
             if extrudes and kind == OUTER_WALL[slicer] and layer > 1]
    assert feeds and max(feeds) <= speed * 60 + 1


@pytest.mark.parametrize(("mode", "base"), [("logo", 2.0), ("stamp", 3.0)])
def test_color_change_at_the_first_artwork_layer(capsys, tmp_path, logo, slicer, mode, base):
    answer = slice_cli(capsys, logo, tmp_path / "logo.gcode", "--printer", PRINTER[slicer], "--slicer", slicer,
                       "--mode", mode, "--width", "30", "--base", base, "--color-change")
    assert [c["z"] for c in answer["settings"]["color_changes"]] == [pytest.approx(base)]
    text = (tmp_path / "logo.gcode").read_text()
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if line.split(";")[0].strip() == "M600"]
    assert len(at) == 1
    extrusions = [(z, layer) for _s, _e, z, extrudes, _f, _kind, layer, _pushed in moves(text) if extrudes]
    before = sum(1 for *_rest, extrudes, _f, _kind, _layer, _pushed in moves("\n".join(lines[:at[0]])) if extrudes)
    below = [z for z, layer in extrusions[:before] if layer >= 0]
    assert max(below) <= base + 1e-3 < extrusions[before][0] <= base + 0.4


def test_color_change_without_artwork_is_reported_and_left_out(capsys, tmp_path, photo):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    answer = slice_cli(capsys, photo, tmp_path / "litho.gcode", "--printer", "prusa_mk4", "--mode", "lithophane",
                       "--width", "30", "--orientation", "flat", "--color-change")
    assert any(f["code"] == "no_color_change" for f in answer["findings"])
    assert not re.search(r"^M600", (tmp_path / "litho.gcode").read_text(), re.M)
