"""Printers, intents and real slicing: every planned setting shows in the G-code of both slicers,
bad jobs are refused, and exported profiles work in the slicers' own command lines."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import require
from gcode_reading import read
from pictures import halves, photo_like, save

from octoprint_img2print import pipeline
from octoprint_img2print.command.main import main
from octoprint_img2print.errors import BadInput, Cancelled, SlicerFailed
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe
from octoprint_img2print.slicing.slicers import curaengine

SUPPORT_TYPES = {"prusaslicer": "Support material", "cura": "SUPPORT"}


def export(mesh: trimesh.Trimesh, path: Path) -> Path:
    mesh.export(str(path))
    return path


@pytest.fixture
def cube(tmp_path):
    return export(trimesh.creation.box(extents=(20, 20, 10)), tmp_path / "cube.stl")


@pytest.fixture
def tee(tmp_path):
    """A column with a wide slab on top: its underside needs support when it stands as built."""
    column = trimesh.creation.box(extents=(8, 8, 12))
    slab = trimesh.creation.box(extents=(30, 30, 3)).apply_translation([0, 0, 7.5])
    return export(trimesh.boolean.union([column, slab], engine="manifold"), tmp_path / "tee.stl")


def slice_cli(capsys, source, output, *options) -> tuple[int, dict]:
    code = main(["slice", str(source), "-o", str(output), "--json", *map(str, options)])
    return code, json.loads(capsys.readouterr().out)


# --- every setting takes effect -----------------------------------------------------------------------------

def test_supports_present_only_where_needed(capsys, tmp_path, tee, slicer):
    code, on = slice_cli(capsys, tee, tmp_path / "on.gcode", "--printer", "prusa_mk4", "--slicer", slicer,
                         "--orientation", "flat")
    assert code == 0 and on["supports"] is True and on["orientation"]["overhang_mm2"] > 500
    assert read(tmp_path / "on.gcode").types[SUPPORT_TYPES[slicer]] > 0
    code, off = slice_cli(capsys, tee, tmp_path / "off.gcode", "--printer", "prusa_mk4", "--slicer", slicer,
                          "--orientation", "flat", "--supports", "none")
    assert code == 0 and off["supports"] is False
    assert read(tmp_path / "off.gcode").types[SUPPORT_TYPES[slicer]] == 0


def test_auto_orientation_turns_the_tee_over_and_needs_no_supports(capsys, tmp_path, tee, slicer):
    code, answer = slice_cli(capsys, tee, tmp_path / "auto.gcode", "--printer", "prusa_mk4", "--slicer", slicer)
    assert code == 0 and answer["orientation"]["name"] == "auto"
    assert answer["orientation"]["overhang_mm2"] < 1 and answer["orientation"]["base_mm2"] == pytest.approx(900, 0.01)
    assert answer["supports"] is False and read(tmp_path / "auto.gcode").types[SUPPORT_TYPES[slicer]] == 0
    assert "overhang" in answer["orientation"]["reason"]


def test_more_infill_extrudes_more(capsys, tmp_path, cube, slicer):
    """Up to a solid 100 % (which PrusaSlicer refuses in the default gyroid pattern)."""
    amounts = []
    for density in (10, 60, 100):
        output = tmp_path / f"infill{density}.gcode"
        assert slice_cli(capsys, cube, output, "--printer", "generic", "--slicer", slicer, "--infill", density)[0] == 0
        amounts.append(read(output).extruded)
    assert amounts[1] > amounts[0] * 1.5 and amounts[2] > amounts[1] * 1.2


def test_wall_count_takes_effect(capsys, tmp_path, cube, slicer):
    amounts = []
    for walls in (1, 4):
        output = tmp_path / f"walls{walls}.gcode"
        code, answer = slice_cli(capsys, cube, output, "--printer", "generic", "--slicer", slicer, "--walls", walls,
                                 "--infill", 0)
        assert code == 0 and answer["settings"]["walls"] == walls
        amounts.append(read(output).extruded)
        if slicer == "cura":
            assert (read(output).types["WALL-INNER"] > 0) == (walls > 1)
    assert amounts[1] > amounts[0] * 1.3


def test_brim_widens_the_first_layer(capsys, tmp_path, cube, slicer):
    code, _answer = slice_cli(capsys, cube, tmp_path / "brim.gcode", "--printer", "generic", "--slicer", slicer,
                              "--adhesion", "brim", "--brim-width", 8)
    assert code == 0
    width, depth = read(tmp_path / "brim.gcode").first_layer_span
    assert width == pytest.approx(20 + 2 * 8, abs=1.5) and depth == pytest.approx(20 + 2 * 8, abs=1.5)
    slice_cli(capsys, cube, tmp_path / "none.gcode", "--printer", "generic", "--slicer", slicer, "--adhesion", "none")
    assert read(tmp_path / "none.gcode").first_layer_span[0] == pytest.approx(20, abs=1.0)


@pytest.mark.parametrize("layer", [0.1, 0.3])
def test_layer_height_takes_effect(capsys, tmp_path, cube, slicer, layer):
    code, answer = slice_cli(capsys, cube, tmp_path / "layers.gcode", "--printer", "generic", "--slicer", slicer,
                             "--layer-height", layer)
    zs = np.array(read(tmp_path / "layers.gcode").layer_zs)
    steps = np.diff(zs[1:])
    assert code == 0 and np.median(steps) == pytest.approx(layer, abs=1e-3)
    assert answer["layers"] == pytest.approx(10 / layer, abs=2)
    assert zs.max() == pytest.approx(10.0, abs=layer)


def test_lithophane_stands_upright_or_lies_flat(capsys, tmp_path, slicer):
    picture = save(halves(120, 80), tmp_path / "photo.png")
    code, upright = slice_cli(capsys, picture, tmp_path / "up.gcode", "--printer", "prusa_mk4", "--slicer", slicer,
                              "--width", "60", "--mode", "lithophane")
    assert code == 0 and upright["intent"] == "lithophane" and upright["orientation"]["name"] == "upright"
    # standing, it gets its foot: 5 mm high with the sheet 1 mm in it, 16 mm deep
    assert upright["max_z_mm"] == pytest.approx(44.0, abs=0.15)
    (_x0, y0), (_x1, y1) = upright["gcode_bounds_mm"]
    assert y1 - y0 >= 16.0
    code, edge = slice_cli(capsys, picture, tmp_path / "edge.gcode", "--printer", "prusa_mk4", "--slicer", slicer,
                           "--width", "60", "--mode", "lithophane", "--stand", "edge")
    assert code == 0 and edge["max_z_mm"] == pytest.approx(40.0, abs=0.15)
    (_x0, y0), (_x1, y1) = edge["gcode_bounds_mm"]
    assert y1 - y0 < 16.0 and "may topple" in edge["orientation"]["reason"]
    assert upright["settings"]["infill_density"] == 100 and upright["settings"]["adhesion"] == "brim"
    assert upright["settings"]["layer_height"] == pytest.approx(0.12)
    code, flat = slice_cli(capsys, picture, tmp_path / "flat.gcode", "--printer", "prusa_mk4", "--slicer", slicer,
                           "--width", "60", "--orientation", "flat", "--mode", "lithophane")
    assert code == 0 and flat["max_z_mm"] == pytest.approx(3.0, abs=0.15)


def test_json_answer_and_real_figures(capsys, tmp_path, cube, slicer):
    code, answer = slice_cli(capsys, cube, tmp_path / "cube.gcode", "--printer", "creality_ender3_v2", "--slicer",
                             slicer)
    assert code == 0
    for key in ("slicer", "slicer_version", "estimated_time_s", "filament_mm", "layers", "gcode_bounds_mm",
                "orientation", "supports"):
        assert key in answer
    assert answer["slicer"] == slicer and answer["slicer_version"].count(".") >= 1
    assert 60 < answer["estimated_time_s"] < 3 * 3600 and 100 < answer["filament_mm"] < 5000
    (x0, y0), (x1, y1) = answer["gcode_bounds_mm"]
    assert x0 > 80 and x1 < 140 and y0 > 80 and y1 < 140
    gcode = read(tmp_path / "cube.gcode")
    assert not any(";TIME:6666" in line or "2.14748e+06" in line for line in gcode.header)
    assert "; thumbnail begin 220x124" in gcode.text and "; thumbnail begin 16x16" in gcode.text


def test_centre_origin_round_bed(capsys, tmp_path, cube, slicer):
    code, answer = slice_cli(capsys, cube, tmp_path / "delta.gcode", "--printer", "generic_delta", "--slicer", slicer)
    assert code == 0
    (x0, y0), (x1, y1) = answer["gcode_bounds_mm"]
    assert -20 < x0 < 0 < x1 < 20 and -20 < y0 < 0 < y1 < 20


# --- refused jobs --------------------------------------------------------------------------------------------

def test_too_large_for_the_bed_is_refused_before_slicing(capsys, tmp_path):
    big = export(trimesh.creation.box(extents=(240, 240, 10)), tmp_path / "big.stl")
    code, answer = slice_cli(capsys, big, tmp_path / "big.gcode", "--printer", "prusa_mk4")
    assert code == 4 and answer["error"]["code"] == "does_not_fit"
    assert "240.0 x 240.0 x 10.0" in answer["error"]["message"] and "250 x 210 mm bed" in answer["error"]["message"]
    assert not (tmp_path / "big.gcode").exists()


def test_too_tall_is_refused(capsys, tmp_path):
    tall = export(trimesh.creation.box(extents=(10, 12, 260)), tmp_path / "tall.stl")
    code, answer = slice_cli(capsys, tall, tmp_path / "tall.gcode", "--printer", "creality_ender3_v2",
                             "--orientation", "flat")
    assert code == 4 and answer["error"]["details"]["size_mm"][2] == pytest.approx(260)
    assert not (tmp_path / "tall.gcode").exists()


def test_scale_to_fit_on_request_and_round_bed(capsys, tmp_path, slicer):
    wide = export(trimesh.creation.box(extents=(170, 170, 5)), tmp_path / "wide.stl")
    code, refused = slice_cli(capsys, wide, tmp_path / "wide.gcode", "--printer", "generic_delta", "--slicer", slicer)
    assert code == 4 and "round 180 mm bed" in refused["error"]["message"]
    code, answer = slice_cli(capsys, wide, tmp_path / "wide.gcode", "--printer", "generic_delta", "--slicer", slicer,
                             "--scale-to-fit")
    assert code == 0 and "scaled_to_fit" in [f["code"] for f in answer["findings"]]
    first_layer = np.array(read(tmp_path / "wide.gcode").first_layer_xy)
    assert np.hypot(*first_layer.T).max() <= 90.0


def test_open_models_are_repaired_unless_refused_and_empty_ones_are_refused(capsys, tmp_path):
    box = trimesh.creation.box(extents=(20, 20, 20))
    box.faces = box.faces[2:]
    open_box = export(box, tmp_path / "open.stl")
    code, answer = slice_cli(capsys, open_box, tmp_path / "o.gcode", "--printer", "generic", "--no-repair")
    assert code == 3 and answer["error"]["code"] == "model_not_printable" and "open.stl" in answer["error"]["message"]
    assert not list(tmp_path.glob("*.gcode"))
    code, answer = slice_cli(capsys, open_box, tmp_path / "o.gcode", "--printer", "generic")
    codes = [f["code"] for f in answer["findings"]]
    assert code == 0 and "model_repaired" in codes and "closed_holes" in codes
    assert answer["size_mm"] == [20.0, 20.0, 20.0]
    (tmp_path / "o.gcode").unlink()
    (tmp_path / "empty.stl").write_bytes(b"")
    code, answer = slice_cli(capsys, tmp_path / "empty.stl", tmp_path / "e.gcode", "--printer", "generic")
    assert code == 3 and answer["error"]["code"] == "empty_file"
    assert not list(tmp_path.glob("*.gcode"))


def test_a_slicer_failure_is_exit_5_with_the_slicers_own_words(capsys, tmp_path, cube, monkeypatch):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    contradiction = {"prusaslicer": {"fill_pattern": "gyroid", "fill_density": "100%"}}
    broken = get_printer("generic").__class__(**{**get_printer("generic").__dict__,
                                                 "slicer_overrides": contradiction})
    monkeypatch.setattr("octoprint_img2print.command.main.get_printer", lambda _id: broken)
    code, answer = slice_cli(capsys, cube, tmp_path / "x.gcode", "--printer", "generic")
    assert code == 5 and answer["error"]["code"] == "slicer_failed"
    assert "100%" in answer["error"]["message"] or "density" in answer["error"]["message"]
    assert not (tmp_path / "x.gcode").exists()


def test_a_slicer_out_of_memory_says_so_with_the_limit(tmp_path):
    """Under a job's memory limit (here 650 MB of address space, enough for img2print's own work on this model),
    PrusaSlicer runs out on a 160 mm sphere in 0.05 mm layers: the answer says so, not just "exit code 1"."""
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    sphere = trimesh.creation.icosphere(subdivisions=6, radius=80)
    sphere.apply_translation((0, 0, 80))
    sphere.export(tmp_path / "sphere.stl")
    limit = 650 * 2**20
    run = subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "slice", str(tmp_path / "sphere.stl"),
                          "-o", str(tmp_path / "sphere.gcode"), "--printer", "generic", "--slicer", "prusaslicer",
                          "--layer-height", "0.05", "--json"], capture_output=True, text=True, timeout=300,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    error = json.loads(run.stdout)["error"]
    assert run.returncode == 5 and error["code"] == "slicer_out_of_memory", run.stdout
    assert "650 MB" in error["message"] and "thicker layers" in error["message"]
    assert not list(tmp_path.glob("*.gcode"))


def test_same_every_time_gives_the_same_gcode_for_a_standing_lithophane(capsys, tmp_path):
    """PrusaSlicer's default variable-width perimeters differ from run to run on a standing lithophane; asked for
    the same G-code every time, two runs differ only in the date line."""
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    picture = save(photo_like(60, 45), tmp_path / "photo.png")
    texts = []
    for run in range(2):
        code, _answer = slice_cli(capsys, picture, tmp_path / f"{run}.gcode", "--printer", "prusa_mini", "--slicer",
                                  "prusaslicer", "--mode", "lithophane", "--width", "40", "--same-every-time")
        assert code == 0
        texts.append((tmp_path / f"{run}.gcode").read_text().splitlines())
    assert "; perimeter_generator = classic" in texts[0]
    assert len(texts[0]) == len(texts[1]) > 1000
    assert [a for a, b in zip(*texts) if a != b and not a.startswith("; generated by PrusaSlicer")] == []
    code, _answer = slice_cli(capsys, picture, tmp_path / "default.gcode", "--printer", "prusa_mini", "--slicer",
                              "prusaslicer", "--mode", "lithophane", "--width", "40")
    assert "; perimeter_generator = arachne" in (tmp_path / "default.gcode").read_text()


def test_unknown_printer_lists_the_known_ones(capsys, tmp_path, cube):
    code, answer = slice_cli(capsys, cube, tmp_path / "x.gcode", "--printer", "nonesuch")
    assert code == 2 and "prusa_mk4" in answer["error"]["message"]


# --- progress, cancel, timeout -----------------------------------------------------------------------------------

def test_progress_cancel_and_timeout(tmp_path, cube):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    seen: list[float] = []
    pipeline.slice_job(cube, tmp_path / "p.gcode", printer=get_printer("generic"), slicing_progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] >= 0.8
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        pipeline.slice_job(cube, tmp_path / "c.gcode", printer=get_printer("generic"), cancel=stop)
    picture = save(photo_like(600, 400), tmp_path / "big.png")
    with pytest.raises(SlicerFailed) as failure:
        pipeline.slice_job(picture, tmp_path / "t.gcode",
                           recipe=Recipe(timeout_s=0.3, mode="lithophane", options={"width": 150}),
                           printer=get_printer("prusa_mk4"))
    assert failure.value.code == "slicer_timeout"
    assert not (tmp_path / "c.gcode").exists() and not (tmp_path / "t.gcode").exists()


def test_model_bytes_need_a_path(tmp_path):
    with pytest.raises(BadInput):
        pipeline.slice_job(b"solid", tmp_path / "x.gcode", printer=get_printer("generic"), name="x.stl")


# --- exported profiles -----------------------------------------------------------------------------------------

def test_exported_prusaslicer_config_slices_in_prusaslicer(capsys, tmp_path, cube):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    assert main(["profiles", "export", "prusa_mk4", "--intent", "functional", "--slicer", "prusaslicer", "-o",
                 str(tmp_path / "mk4.ini")]) == 0
    capsys.readouterr()
    run = subprocess.run(["prusa-slicer", "--load", str(tmp_path / "mk4.ini"), "--export-gcode", "--center",
                          "125,105", "--output", str(tmp_path / "mk4.gcode"), str(cube)], capture_output=True)
    assert run.returncode == 0, run.stderr[-500:]
    gcode = read(tmp_path / "mk4.gcode")
    assert "; perimeters = 4" in gcode.text and "; fill_density = 40%" in gcode.text
    assert "; resolution = 0.0125" in gcode.text  # outlines simplified as finely as the G-code is written
    assert np.median(np.diff(gcode.layer_zs[1:])) == pytest.approx(0.2)


def test_exported_cura_definition_slices_in_curaengine(capsys, tmp_path, cube):
    require(shutil.which("CuraEngine") is not None and curaengine.resources() is not None, "CuraEngine")
    assert main(["profiles", "export", "creality_ender3_v2", "--intent", "lithophane", "--slicer", "cura", "-o",
                 str(tmp_path / "ender.def.json")]) == 0
    capsys.readouterr()
    base = curaengine.resources()
    env = {**os.environ, "CURA_ENGINE_SEARCH_PATH": f"{tmp_path}:{base / 'definitions'}:{base / 'extruders'}"}
    run = subprocess.run(["CuraEngine", "slice", "-j", str(tmp_path / "ender.def.json"), "-l", str(cube), "-o",
                          str(tmp_path / "ender.gcode")], capture_output=True, text=True, env=env)
    assert run.returncode == 0 and "[ERROR]" not in run.stderr, run.stderr[-500:]
    gcode = read(tmp_path / "ender.gcode")
    assert np.median(np.diff(gcode.layer_zs[1:])) == pytest.approx(0.12)
    assert gcode.types["SKIRT"] > 0
    assert "FILL" not in gcode.types or gcode.types["SKIN"] > 0


def test_temperatures_reach_the_gcode(capsys, tmp_path, cube, slicer):
    assert slice_cli(capsys, cube, tmp_path / "t.gcode", "--printer", "creality_ender3_v2", "--slicer", slicer)[0] == 0
    text = read(tmp_path / "t.gcode").text
    assert "M190 S60" in text and "M109 S215" in text and "M104 S210" in text


def test_thin_walls_for_the_nozzle_are_reported(capsys, tmp_path):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    picture = save(halves(120, 80), tmp_path / "photo.png")
    code, answer = slice_cli(capsys, picture, tmp_path / "thin.gcode", "--printer", "prusa_mk4", "--width", "40",
                             "--min-thickness", "0.3", "--orientation", "flat", "--mode", "lithophane")
    assert code == 0 and "wall_below_nozzle" in [f["code"] for f in answer["findings"]]


def test_without_a_mode_a_photo_becomes_a_lithophane_sized_for_the_printer_and_a_logo_a_logo_plate(tmp_path):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    photo = save(photo_like(300, 200), tmp_path / "holiday.jpg")
    small = get_printer("generic").__class__(**{**get_printer("generic").__dict__, "width": 120.0, "depth": 120.0})
    result = pipeline.slice_job(photo, tmp_path / "photo.gcode", printer=small)
    assert result.intent == "lithophane" and result.size_mm[0] == pytest.approx(72, rel=0.01)
    logo = save(halves(120, 80), tmp_path / "logo.png")
    assert pipeline.slice_job(logo, tmp_path / "logo.gcode", printer=get_printer("generic")).intent == "logo"
    transparent = np.zeros((60, 90, 4), dtype=np.uint8)
    transparent[20:40, 20:70] = (200, 30, 30, 255)
    assert pipeline.read_input(save(transparent, tmp_path / "t.png"), "t.png", None, {})[0].id == "logo"
    drawing = tmp_path / "drawing.svg"
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20mm" height="10mm" viewBox="0 0 20 10">'
                       '<rect width="20" height="10"/></svg>')
    assert pipeline.read_input(drawing, "drawing.svg", None, {})[0].id == "logo"


def test_the_slicers_progress_rises_to_its_end(tmp_path, slicer):
    """What the Slice dialog shows: the slicer's own progress rises from its start to near its end (CuraEngine's
    stages, PrusaSlicer's percentages); the stage times Cura prints once made it stop at a third."""
    seen: list[float] = []
    pipeline.slice_job(save(photo_like(300, 200), tmp_path / "photo.jpg"), tmp_path / "photo.gcode",
                       recipe=Recipe(slicer=slicer, options={"width": 40}), printer=get_printer("generic"),
                       slicing_progress=seen.append)
    assert len(seen) >= 3 and seen == sorted(seen) and seen[0] < 0.5 and seen[-1] >= 0.85, seen


def test_the_gcodes_thumbnail_shows_the_solid_without_pinholes(capsys, tmp_path, cube, slicer):
    """The 220 x 124 preview OctoPrint's file list, the result card and the phone show, read back from the G-code:
    every pixel inside the drawn solid (all eight neighbours drawn) is drawn too."""
    import base64
    import io
    import re

    from PIL import Image

    code, _answer = slice_cli(capsys, cube, tmp_path / "cube.gcode", "--printer", "creality_ender3_v2", "--slicer",
                              slicer)
    assert code == 0
    text = (tmp_path / "cube.gcode").read_text()
    block = re.search(r"; thumbnail begin 220x124 \d+\n(.*?); thumbnail end", text, re.S).group(1)
    picture = Image.open(io.BytesIO(base64.b64decode("".join(line[2:] for line in block.splitlines()))))
    drawn = np.asarray(picture.convert("RGBA"))[..., 3] > 0
    around = sum(np.roll(np.roll(drawn, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)
    inside = (around == 8)[1:-1, 1:-1]
    assert drawn.sum() > 1000 and not (inside & ~drawn[1:-1, 1:-1]).any()


@pytest.mark.parametrize("check_ends", ["first", "last", "no_room_beside"])
def test_a_model_running_through_itself_is_checked_while_it_slices_and_only_its_repair_is_printed(
        capsys, tmp_path, monkeypatch, check_ends):
    """A closed model that runs through itself (a sphere with its top pulled down through its bottom, 24 mm tall;
    united with itself, 20 mm) looks sound at first: the slicer starts while the thorough check runs beside it. The
    G-code of the model as it came is never used, whether the check ends first (the slicer is stopped) or after the
    slicer (its G-code is dropped): the model is united with itself and sliced again. Where the memory budget does
    not hold both, the check comes first and the slicer runs once. With --no-repair it is refused and nothing is
    written."""
    import time

    from tangled import spiked_sphere

    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    model = tmp_path / "spiked.stl"
    spiked_sphere().export(model)
    runs = []
    real_backend, real_look = pipeline.get_backend, pipeline.closer_look

    class Counted:
        def __init__(self, backend):
            self.backend = backend

        def __getattr__(self, name):
            return getattr(self.backend, name)

        def slice(self, *args, **kwargs):
            runs.append("started")
            figures = self.backend.slice(*args, **kwargs)
            runs.append("finished")
            return figures

    def late_look(*args):
        time.sleep(4.0)  # the slicer of a small model is done by then
        return real_look(*args)

    monkeypatch.setattr(pipeline, "get_backend", lambda name: Counted(real_backend(name)))
    if check_ends == "last":
        monkeypatch.setattr(pipeline, "closer_look", late_look)
    if check_ends == "no_room_beside":
        monkeypatch.setattr(pipeline, "triangle_budget", lambda _bytes_per_triangle: 1000)  # the model has 1,280
    code, answer = slice_cli(capsys, model, tmp_path / "o.gcode", "--printer", "generic", "--slicer", "prusaslicer")
    codes = [f["code"] for f in answer["findings"]]
    assert code == 0 and "model_repaired" in codes and "united_with_itself" in codes, answer
    assert max(answer["size_mm"]) == pytest.approx(20.0, abs=0.5)  # the repaired sphere, not the 24 mm one
    assert max(read(tmp_path / "o.gcode").layer_zs) == pytest.approx(max(answer["size_mm"]), abs=0.3)  # printed so
    if check_ends == "no_room_beside":
        assert runs == ["started", "finished"]
    else:
        assert runs[0] == "started" and runs[-2:] == ["started", "finished"] and runs.count("started") == 2
    if check_ends == "last":
        assert runs == ["started", "finished", "started", "finished"]
    (tmp_path / "o.gcode").unlink()
    code, answer = slice_cli(capsys, model, tmp_path / "o.gcode", "--printer", "generic", "--slicer", "prusaslicer",
                             "--no-repair")
    assert code == 3 and answer["error"]["code"] == "model_not_printable"
    assert "self-intersection" in answer["error"]["message"] and not list(tmp_path.glob("*.gcode"))
