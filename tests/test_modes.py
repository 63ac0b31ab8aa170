"""Each mode gives a closed solid of the asked size, checked by trimesh and the real PrusaSlicer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pictures import halves, photo_like, save
from PIL import Image
from solids import assert_printable_solid, assert_size, prusa_info, surface_height

from octoprint_img2print.command.main import main


def convert(capsys, source, output, *options: str) -> dict:
    assert main(["convert", str(source), "-o", str(output), "--json", *options]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["closed"] is True and answer["findings"] == []
    return answer


@pytest.fixture
def photo(tmp_path):
    return save(photo_like(400, 300), tmp_path / "photo.jpg", quality=92)


@pytest.fixture
def split(tmp_path):
    return save(halves(120, 80), tmp_path / "halves.png")


def top_heights(mesh, xs, ys):
    """Height of the top surface above each (x, y)."""
    return [surface_height(mesh, x, y) for x, y in zip(xs, ys)]


@pytest.mark.parametrize("extension", ["stl", "3mf"])
def test_flat_lithophane_has_the_asked_size_and_prusaslicer_finds_it_manifold(capsys, tmp_path, photo, prusa_slicer,
                                                                               extension):
    output = tmp_path / f"litho.{extension}"
    answer = convert(capsys, photo, output, "--width", "80", "--auto-levels")
    mesh = assert_printable_solid(output)
    assert_size(mesh, {0: 80.0, 1: 60.0, 2: 3.0})
    assert answer["size_mm"] == pytest.approx([80.0, 60.0, 3.0], rel=0.005)
    assert mesh.volume == pytest.approx(answer["volume_mm3"], rel=1e-3)
    info = prusa_info(prusa_slicer, output)
    assert info["manifold"] == "yes" and info["number_of_parts"] == "1"
    assert float(info["size_x"]) == pytest.approx(80.0, rel=0.005)


def test_height_alone_sets_the_size(capsys, tmp_path, photo):
    convert(capsys, photo, tmp_path / "h.stl", "--height", "45")
    assert_size(assert_printable_solid(tmp_path / "h.stl"), {0: 60.0, 1: 45.0})


def test_width_and_height_fill_the_sheet(capsys, tmp_path, photo):
    convert(capsys, photo, tmp_path / "wh.stl", "--width", "50", "--height", "50")
    assert_size(assert_printable_solid(tmp_path / "wh.stl"), {0: 50.0, 1: 50.0})


def test_dark_is_thick_and_light_is_thin_and_negative_inverts(capsys, tmp_path, split):
    convert(capsys, split, tmp_path / "pos.stl", "--width", "60", "--min-thickness", "1", "--max-thickness", "4")
    convert(capsys, split, tmp_path / "neg.stl", "--width", "60", "--min-thickness", "1", "--max-thickness", "4",
            "--negative")
    positive = assert_printable_solid(tmp_path / "pos.stl")
    negative = assert_printable_solid(tmp_path / "neg.stl")
    assert top_heights(positive, [10, 50], [20, 20]) == pytest.approx([4.0, 1.0], abs=0.02)
    assert top_heights(negative, [10, 50], [20, 20]) == pytest.approx([1.0, 4.0], abs=0.02)


def test_transmission_tone_mapping_gives_truer_mid_tones(capsys, tmp_path):
    ramp = save(np.tile(np.array([0, 128, 255], dtype=np.uint8).repeat(40), (60, 1)), tmp_path / "steps.png")
    convert(capsys, ramp, tmp_path / "lin.stl", "--width", "60")
    convert(capsys, ramp, tmp_path / "bl.stl", "--width", "60", "--tone", "transmission", "--transmittance", "0.5")
    linear = top_heights(assert_printable_solid(tmp_path / "lin.stl"), [5, 30, 55], [10, 10, 10])
    beer = top_heights(assert_printable_solid(tmp_path / "bl.stl"), [5, 30, 55], [10, 10, 10])
    assert linear == pytest.approx([3.0, 3.0 - 2.2 * 128 / 255, 0.8], abs=0.02)
    mid_light = 0.5 ** (beer[1] - 0.8)
    expected = 0.5 ** 2.2 + ((128 / 255 + 0.055) / 1.055) ** 2.4 * (1 - 0.5 ** 2.2)
    assert beer[0] == pytest.approx(3.0, abs=0.02) and beer[2] == pytest.approx(0.8, abs=0.02)
    assert mid_light == pytest.approx(expected, rel=0.03)


def test_frame_surrounds_the_picture_at_full_thickness(capsys, tmp_path, split):
    convert(capsys, split, tmp_path / "framed.stl", "--width", "60", "--frame-width", "4", "--frame-thickness", "5")
    mesh = assert_printable_solid(tmp_path / "framed.stl")
    assert_size(mesh, {0: 60.0, 1: (60 - 8) * 80 / 120 + 8, 2: 5.0})
    assert top_heights(mesh, [1, 58], [1, 1]) == pytest.approx([5.0, 5.0], abs=0.01)


def test_arc_is_bent_by_the_asked_angle(capsys, tmp_path, photo, prusa_slicer):
    convert(capsys, photo, tmp_path / "arc.stl", "--width", "100", "--shape", "arc", "--curve-angle", "90")
    mesh = assert_printable_solid(tmp_path / "arc.stl")
    radius = 100 / math.radians(90)
    assert_size(mesh, {0: 2 * (radius + 3.0) * math.sin(math.radians(45)), 2: 75.0}, tolerance=0.01)
    assert prusa_info(prusa_slicer, tmp_path / "arc.stl")["manifold"] == "yes"


def test_cylinder_is_a_closed_ring_with_the_seam_welded(capsys, tmp_path, photo, prusa_slicer):
    convert(capsys, photo, tmp_path / "lamp.stl", "--width", "150", "--shape", "cylinder", "--frame-width", "3")
    mesh = assert_printable_solid(tmp_path / "lamp.stl")
    assert mesh.euler_number == 0
    centre = mesh.bounds.mean(axis=0)
    radii = np.hypot(mesh.vertices[:, 0] - centre[0], mesh.vertices[:, 1] - centre[1])
    assert radii.min() == pytest.approx(150 / (2 * math.pi), rel=0.005)
    assert radii.max() == pytest.approx(150 / (2 * math.pi) + 3.0, rel=0.005)
    assert_size(mesh, {2: 150 * 300 / 400 + 6})
    assert prusa_info(prusa_slicer, tmp_path / "lamp.stl")["manifold"] == "yes"


def test_stand_makes_one_upright_part_on_a_foot(capsys, tmp_path, photo, prusa_slicer):
    convert(capsys, photo, tmp_path / "stand.stl", "--width", "80", "--stand", "foot", "--stand-depth", "14",
            "--stand-height", "4")
    mesh = assert_printable_solid(tmp_path / "stand.stl")
    assert_size(mesh, {0: 80.0, 1: 14.0, 2: 60.0 + 4 - 1})
    info = prusa_info(prusa_slicer, tmp_path / "stand.stl")
    assert info["manifold"] == "yes" and info["number_of_parts"] == "1"


def test_relief_black_highest_on_its_base_and_invertible(capsys, tmp_path, split):
    convert(capsys, split, tmp_path / "relief.stl", "--mode", "relief", "--width", "60", "--base", "2",
            "--relief-height", "5")
    convert(capsys, split, tmp_path / "inv.stl", "--mode", "relief", "--width", "60", "--invert")
    relief = assert_printable_solid(tmp_path / "relief.stl")
    assert_size(relief, {0: 60.0, 1: 40.0, 2: 7.0})
    assert top_heights(relief, [10, 50], [20, 20]) == pytest.approx([7.0, 2.0], abs=0.01)
    inverted = assert_printable_solid(tmp_path / "inv.stl")
    assert top_heights(inverted, [10, 50], [20, 20]) == pytest.approx([2.0, 5.0], abs=0.01)


def test_relief_background_stays_at_the_base(capsys, tmp_path):
    rgba = np.zeros((60, 60, 4), dtype=np.uint8)
    rgba[20:40, 20:40] = (0, 0, 0, 255)
    convert(capsys, save(rgba, tmp_path / "logo.png"), tmp_path / "r.stl", "--mode", "relief", "--width", "60")
    mesh = assert_printable_solid(tmp_path / "r.stl")
    assert top_heights(mesh, [5, 30], [5, 30]) == pytest.approx([2.0, 5.0], abs=0.01)


def test_crop_to_subject_sizes_the_subject(capsys, tmp_path):
    rgba = np.zeros((100, 100, 4), dtype=np.uint8)
    rgba[30:50, 10:90] = (60, 60, 60, 255)
    convert(capsys, save(rgba, tmp_path / "wide.png"), tmp_path / "c.stl", "--width", "80", "--crop")
    assert_size(assert_printable_solid(tmp_path / "c.stl"), {0: 80.0, 1: 20.0})


def terrain(tmp_path) -> tuple:
    y, x = np.mgrid[0:200, 0:300]
    elevation = 1000 + 800 * np.exp(-((x - 150) ** 2 + (y - 100) ** 2) / 3000.0)
    path = save(Image.fromarray(elevation.astype(np.uint16)), tmp_path / "dem.png")
    return path, elevation


def test_topo_from_sixteen_bit_elevations_with_true_scale_and_exaggeration(capsys, tmp_path, prusa_slicer):
    path, elevation = terrain(tmp_path)
    convert(capsys, path, tmp_path / "topo.stl", "--mode", "topo", "--width", "150", "--ground-pixel", "10",
            "--exaggeration", "2", "--base", "3")
    mesh = assert_printable_solid(tmp_path / "topo.stl")
    mm_per_metre = 150 / (300 * 10)
    relief = (elevation.max() - elevation.min()) * mm_per_metre * 2
    assert_size(mesh, {0: 150.0, 1: 100.0, 2: 3 + relief})
    assert prusa_info(prusa_slicer, tmp_path / "topo.stl")["manifold"] == "yes"


def test_topo_water_level_flattens_the_lowlands(capsys, tmp_path):
    path, _elevation = terrain(tmp_path)
    convert(capsys, path, tmp_path / "lake.stl", "--mode", "topo", "--width", "150", "--water-level", "1400",
            "--relief-height", "20", "--base", "2")
    mesh = assert_printable_solid(tmp_path / "lake.stl")
    assert_size(mesh, {2: 22.0})
    assert top_heights(mesh, [5, 140], [5, 90]) == pytest.approx([2.0, 2.0], abs=0.01)


@pytest.mark.parametrize("extension", ["png", "tif"])
def test_sixteen_bit_topo_keeps_fine_steps(capsys, tmp_path, extension):
    ramp = np.tile(np.linspace(0, 50, 200).astype(np.uint16) + 30000, (100, 1))
    convert(capsys, save(Image.fromarray(ramp), tmp_path / f"fine.{extension}"), tmp_path / "fine.stl", "--mode",
            "topo", "--width", "100", "--relief-height", "10")
    assert_size(assert_printable_solid(tmp_path / "fine.stl"), {2: 3.0 + 10.0})


def test_picture_reads_the_right_way_up_seen_from_above(capsys, tmp_path):
    grey = np.full((80, 120), 255, dtype=np.uint8)
    grey[:40, :30] = 0
    convert(capsys, save(grey, tmp_path / "corner.png"), tmp_path / "corner.stl", "--width", "60")
    mesh = assert_printable_solid(tmp_path / "corner.stl")
    top_left, top_right, bottom_left = top_heights(mesh, [5, 55, 5], [35, 35, 5])
    assert top_left == pytest.approx(3.0, abs=0.01)
    assert top_right == pytest.approx(0.8, abs=0.01) and bottom_left == pytest.approx(0.8, abs=0.01)


def test_smoothing_is_given_in_millimetres(capsys, tmp_path, split):
    edge_heights = {}
    for smoothing in ("0", "2"):
        convert(capsys, split, tmp_path / f"s{smoothing}.stl", "--width", "60", "--smoothing", smoothing)
        mesh = assert_printable_solid(tmp_path / f"s{smoothing}.stl")
        edge_heights[smoothing] = top_heights(mesh, [28, 26, 15], [20, 20, 20])
    assert edge_heights["0"][:2] == pytest.approx([3.0, 3.0], abs=0.01)
    assert 2.3 < edge_heights["2"][0] < 2.85 < edge_heights["2"][1] < 2.99
    assert edge_heights["2"][2] == pytest.approx(3.0, abs=0.01)


def test_levels_and_gamma_reshape_the_tones(capsys, tmp_path):
    steps = save(np.tile(np.array([64, 128, 192], dtype=np.uint8).repeat(40), (60, 1)), tmp_path / "grey.png")
    convert(capsys, steps, tmp_path / "lv.stl", "--width", "60", "--black-point", str(64 / 255),
            "--white-point", str(192 / 255))
    convert(capsys, steps, tmp_path / "gm.stl", "--width", "60", "--gamma", "2")
    levelled = top_heights(assert_printable_solid(tmp_path / "lv.stl"), [5, 30, 55], [10, 10, 10])
    assert levelled == pytest.approx([3.0, 3.0 - 2.2 * (64 / 128), 0.8], abs=0.02)
    gamma = top_heights(assert_printable_solid(tmp_path / "gm.stl"), [30], [10])[0]
    assert gamma == pytest.approx(3.0 - 2.2 * (128 / 255) ** 0.5, abs=0.02)
