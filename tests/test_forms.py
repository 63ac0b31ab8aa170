"""Issue 12's forms: heart, hook tab, keychain, dome lamp, lamp shade / night light, and a lithophane on a foot.

Each is closed, sized as asked, stands on z = 0 with its centre of mass over its footprint, maps a darker pixel to
a thicker wall (measured along the normal), and has the openings asked for (measured in the mesh)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import trimesh
from gcode_reading import read
from pictures import halves, photo_like, save
from shapely.geometry import MultiPoint, Point
from solids import assert_printable_solid, assert_size, prusa_info, surface_height

from octoprint_img2print.command.main import main
from octoprint_img2print.recipe import Recipe

LINE = 0.02  # mm: how close a measured thickness lies to the asked one (a linear tone, away from the edges)


def convert(capsys, source, output, *options: str, findings: tuple[str, ...] = ()) -> trimesh.Trimesh:
    assert main(["convert", str(source), "-o", str(output), "--json", *options]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["closed"] is True and [f["code"] for f in answer["findings"]] == list(findings)
    return assert_printable_solid(output)


@pytest.fixture
def split(tmp_path):
    """Left half black, right half white."""
    return save(halves(120, 80), tmp_path / "halves.png")


def assert_stands(mesh: trimesh.Trimesh, margin: float = 1.0) -> None:
    """On z = 0, its centre of mass well inside the convex hull of what touches the bed."""
    touching = mesh.vertices[mesh.vertices[:, 2] < 1e-3][:, :2]
    hull = MultiPoint([tuple(p) for p in touching]).convex_hull
    assert hull.buffer(-margin).contains(Point(mesh.center_mass[:2])), "the centre of mass is not over the footprint"


def hits(mesh: trimesh.Trimesh, origin, direction) -> np.ndarray:
    """Distances from ``origin`` along ``direction`` to every surface crossed, nearest first (Moller-Trumbore over
    all faces)."""
    d = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    tri = mesh.triangles
    edge1, edge2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    p = np.cross(d, edge2)
    det = np.einsum("ij,ij->i", edge1, p)
    usable = np.abs(det) > 1e-12
    inverse = np.where(usable, 1.0 / np.where(usable, det, 1.0), 0.0)
    s = np.asarray(origin, dtype=float) - tri[:, 0]
    u = np.einsum("ij,ij->i", s, p) * inverse
    q = np.cross(s, edge1)
    v = (q @ d) * inverse
    t = np.einsum("ij,ij->i", edge2, q) * inverse
    crossed = usable & (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9) & (t > 1e-9)
    return np.unique(np.round(t[crossed], 4))


def wall(mesh: trimesh.Trimesh, origin, direction) -> float:
    """Thickness of the first wall met from ``origin`` (inside the shell) along ``direction``."""
    inner, outer = hits(mesh, origin, direction)[:2]
    return float(outer - inner)


# --- flat sheets: heart, hook tab, keychain, and the foot -----------------------------------------------------

def test_heart_is_cut_to_its_outline_with_a_frame_and_keeps_the_tones(capsys, tmp_path, split):
    mesh = convert(capsys, split, tmp_path / "heart.stl", "--shape", "heart", "--width", "60", "--pitch", "0.5",
                   "--stand", "flat", "--min-thickness", "1", "--max-thickness", "4")
    assert_size(mesh, {0: 60.0, 1: 40.0, 2: 4.0})
    with pytest.raises(AssertionError):  # the notch between the lobes and the corners beside the point are cut away
        surface_height(mesh, 30.0, 39.0)
    with pytest.raises(AssertionError):
        surface_height(mesh, 2.0, 2.0)
    assert surface_height(mesh, 30.0, 1.0) == pytest.approx(4.0, abs=LINE)  # the frame along the point
    assert [surface_height(mesh, x, 25.0) for x in (15.0, 45.0)] == pytest.approx([4.0, 1.0], abs=LINE)
    assert_stands(mesh)


def test_heart_stands_on_a_foot_by_default_and_prusaslicer_finds_it_one_manifold_part(capsys, tmp_path, split,
                                                                                       prusa_slicer):
    mesh = convert(capsys, split, tmp_path / "heart-foot.stl", "--shape", "heart", "--width", "60", "--pitch", "0.5")
    assert_size(mesh, {0: 60.0, 1: 16.0})
    assert_stands(mesh)
    info = prusa_info(prusa_slicer, tmp_path / "heart-foot.stl")
    assert info["manifold"] == "yes" and info["number_of_parts"] == "1"


@pytest.mark.parametrize("width", ["60", "80", "120"])
def test_a_heart_on_its_foot_at_the_previews_pitch_is_closed(capsys, tmp_path, width):
    """The union with the foot once left two vertices at one 32-bit point (a face without area): the tab's preview
    of a heart (pitch 0.3 mm) failed as an internal error."""
    picture = save(photo_like(160, 120), tmp_path / "photo.png")
    convert(capsys, picture, tmp_path / "heart.stl", "--shape", "heart", "--width", width, "--pitch", "0.3")


def test_flat_lithophane_on_a_foot_stands_where_on_its_edge_it_would_topple(capsys, tmp_path, split):
    footed = convert(capsys, split, tmp_path / "foot.stl", "--width", "60", "--pitch", "0.5", "--stand", "foot")
    assert_size(footed, {0: 60.0, 1: 16.0, 2: 40.0 + 5 - 1})
    assert_stands(footed, margin=5.0)
    lying = convert(capsys, split, tmp_path / "lying.stl", "--width", "60", "--pitch", "0.5", "--stand", "flat")
    assert_size(lying, {0: 60.0, 1: 40.0, 2: 3.0})


def test_hook_tab_has_a_round_hole_of_the_asked_size_above_the_frame(capsys, tmp_path, split):
    mesh = convert(capsys, split, tmp_path / "hook.stl", "--shape", "hook", "--width", "60", "--pitch", "0.5",
                   "--stand", "flat", "--hole", "6", "--hole-rim", "3", "--frame-width", "4")
    sheet = 52.0 * 80 / 120 + 2 * 4  # the picture inside the frame keeps its aspect; the frame adds to the height
    assert_size(mesh, {0: 60.0, 1: sheet + 6 + 3, 2: 3.0})
    centre = (30.0, sheet + 3, 1.5)
    for angle in np.radians([0, 90, 180, 270]):
        assert hits(mesh, centre, [math.cos(angle), math.sin(angle), 0])[0] == pytest.approx(3.0, abs=0.01)
    assert surface_height(mesh, 2.0, 20.0) == pytest.approx(3.0, abs=LINE)  # the frame
    assert [surface_height(mesh, x, 20.0) for x in (15.0, 45.0)] == pytest.approx([3.0, 0.8], abs=LINE)


def test_keychain_is_a_small_fob_with_a_ring_hole_and_rim_as_asked(capsys, tmp_path, split):
    mesh = convert(capsys, split, tmp_path / "key.stl", "--mode", "keychain", "--width", "30", "--hole", "5",
                   "--hole-rim", "2", "--pitch", "0.3")
    assert_size(mesh, {0: 30.0, 1: 20.0 + 5 + 2, 2: 3.0})
    centre = (15.0, 22.5, 1.5)
    assert hits(mesh, centre, [1, 0, 0])[0] == pytest.approx(2.5, abs=0.01)
    assert hits(mesh, centre, [0, 1, 0])[:2] == pytest.approx([2.5, 4.5], abs=0.01)  # the rim is 2 mm
    with pytest.raises(AssertionError):
        surface_height(mesh, 0.3, 0.3)  # a rounded corner
    assert [surface_height(mesh, x, 10.0) for x in (8.0, 22.0)] == pytest.approx([3.0, 0.8], abs=LINE)
    assert_stands(mesh)


def test_a_ring_wider_than_the_fob_is_refused(capsys, tmp_path, split):
    code = main(["convert", str(split), "-o", str(tmp_path / "k.stl"), "--mode", "keychain", "--width", "10",
                 "--hole", "8", "--hole-rim", "2"])
    error = capsys.readouterr().err.strip()
    assert code != 0 and "--hole" in error and len(error.splitlines()) == 1
    assert not (tmp_path / "k.stl").exists()


# --- curved: dome and lamp ------------------------------------------------------------------------------------

def test_dome_is_a_half_sphere_on_its_rim_with_the_tones_along_the_normal(capsys, tmp_path, split, prusa_slicer):
    mesh = convert(capsys, split, tmp_path / "dome.stl", "--mode", "dome", "--width", "60", "--pitch", "0.6",
                   "--min-thickness", "1", "--max-thickness", "3", findings=("dome_needs_supports",))
    assert_size(mesh, {0: 60.0, 1: 60.0}, tolerance=0.002)
    assert mesh.extents[2] == pytest.approx(30.0, abs=3.0 - 1.0)
    assert_stands(mesh, margin=10.0)
    centre = [*(mesh.bounds[0][:2] + mesh.bounds[1][:2]) / 2, 0.0]
    slant = math.radians(45)
    dark = wall(mesh, centre, [-math.sin(slant), 0, math.cos(slant)])  # the picture's left half
    light = wall(mesh, centre, [math.sin(slant), 0, math.cos(slant)])
    assert (dark, light) == pytest.approx((3.0, 1.0), abs=0.03)
    assert hits(mesh, [*centre[:2], 1.0], [0, 0, -1]).size == 0  # open at the base
    assert hits(mesh, centre, [1, 0, 0.02])[0] == pytest.approx(27.0, abs=0.05)  # the rim band at 3 mm
    assert prusa_info(prusa_slicer, tmp_path / "dome.stl")["manifold"] == "yes"


@pytest.mark.parametrize("holder", ["base", "hanger"])
def test_lamp_has_its_rims_its_opening_and_the_tones_around_it(capsys, tmp_path, split, holder):
    mesh = convert(capsys, split, tmp_path / f"{holder}.stl", "--mode", "lamp", "--width", "60", "--height", "50",
                   "--top-rim", "6", "--bottom-rim", "4", "--holder", holder, "--opening", "30", "--pitch", "0.4")
    assert_size(mesh, {0: 60.0, 1: 60.0, 2: 50.0}, tolerance=0.01)
    assert_stands(mesh, margin=10.0)
    axis = (mesh.bounds[0][:2] + mesh.bounds[1][:2]) / 2
    assert hits(mesh, [*axis, 1.0], [1, 0, 0])[0] == pytest.approx(15.0, abs=0.05)  # the opening in the plate
    plate_rim, far_rim = (6.0, 4.0) if holder == "hanger" else (4.0, 6.0)
    assert wall(mesh, [*axis, plate_rim - 1.0], [0, -1, 0]) == pytest.approx(3.0, abs=LINE)
    assert wall(mesh, [*axis, 50.0 - far_rim + 1.0], [0, 1, 0]) == pytest.approx(3.0, abs=LINE)
    middle = [*axis, 25.0]
    assert wall(mesh, middle, [1, 0, 0]) == pytest.approx(3.0, abs=LINE)  # the picture's left quarter, dark
    assert wall(mesh, middle, [-1, 0, 0]) == pytest.approx(0.8, abs=LINE)  # its right quarter, light


def test_an_opening_larger_than_the_shade_is_refused(capsys, tmp_path, split):
    code = main(["convert", str(split), "-o", str(tmp_path / "lamp.stl"), "--mode", "lamp", "--width", "40",
                 "--opening", "38"])
    error = capsys.readouterr().err.strip()
    assert code != 0 and "--opening" in error and "38 mm" in error and len(error.splitlines()) == 1
    assert not (tmp_path / "lamp.stl").exists()


def test_new_forms_are_listed_for_the_pages():
    from octoprint_img2print.modes import describe_modes

    listed = {mode["id"]: mode for mode in describe_modes(lambda text: text)}
    assert {"dome", "lamp", "keychain"} <= set(listed)
    shapes = next(o for o in listed["lithophane"]["options"] if o["name"] == "shape")
    assert {"heart", "hook"} <= {c["value"] for c in shapes["choices"]}
    names = {o["name"] for o in listed["lamp"]["options"]}
    assert {"top_rim", "bottom_rim", "holder", "opening"} <= names


def test_night_light_slices_with_prusaslicer_on_the_bed(capsys, tmp_path, prusa_slicer):
    picture = save(photo_like(160, 120), tmp_path / "photo.jpg")
    output = tmp_path / "night.gcode"
    code = main(["slice", str(picture), "-o", str(output), "--json", "--printer", "prusa_mk4", "--slicer",
                 "prusaslicer", "--mode", "lamp", "--width", "40", "--height", "20", "--opening", "16",
                 "--pitch", "0.5"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0, answer
    assert answer["orientation"]["name"] == "flat" and answer["max_z_mm"] == pytest.approx(20.0, abs=0.3)
    assert answer["settings"]["seam"]["dy"] == pytest.approx(-1, abs=0.01)  # at the weld, which the bend puts in front
    (x0, y0), (x1, y1) = answer["gcode_bounds_mm"]
    assert 0 <= x0 < x1 <= 250 and 0 <= y0 < y1 <= 210
    assert max(read(output).layer_zs) == pytest.approx(20.0, abs=0.3)


def test_a_dome_too_fine_for_its_size_is_refused_before_it_is_built(capsys, tmp_path, split):
    code = main(["convert", str(split), "-o", str(tmp_path / "huge.stl"), "--mode", "dome", "--width", "1000"])
    error = capsys.readouterr().err.strip()
    assert code != 0 and "--pitch" in error and len(error.splitlines()) == 1
    assert not (tmp_path / "huge.stl").exists()


def test_the_orientation_says_when_an_upright_sheet_may_topple_and_how_a_footed_one_stands(split):
    from octoprint_img2print.pipeline import build_solid
    from octoprint_img2print.slicing.orientation import fixed_orientation

    bare = build_solid(split, recipe=Recipe(mode="lithophane", options={"width": 60, "pitch": 0.5}))
    footed = build_solid(split, recipe=Recipe(mode="lithophane", options={"width": 60, "pitch": 0.5, "stand": "foot"}))
    assert bare.mode.orientation(bare.options) is None  # the intent stands it upright
    assert "--stand foot" in fixed_orientation(bare.mesh, "upright").reason
    assert footed.mode.orientation(footed.options) == "flat"
    assert fixed_orientation(footed.mesh, "flat").reason.startswith("Standing as built")
