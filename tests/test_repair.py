"""`img2print repair` makes the broken models people bring printable, and `check` finds what slips past a plain
edge count: self-intersections, overlapping parts, specks. Every result is judged by trimesh, not by img2print."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from solids import load
from tangled import raw, spiked_sphere, star_prism

from octoprint_img2print.command.main import main
from octoprint_img2print.geometry import meshfix
from octoprint_img2print.geometry.mesh import Mesh


def box(size: float = 20.0, at: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    solid = trimesh.creation.box(extents=(size, size, size))
    solid.apply_translation(np.add(at, size / 2))
    return solid


def joined(*parts: trimesh.Trimesh) -> trimesh.Trimesh:
    return raw(np.concatenate([p.vertices for p in parts]),
               np.concatenate([p.faces + sum(len(q.vertices) for q in parts[:k]) for k, p in enumerate(parts)]))


def broken(kind: str) -> tuple[trimesh.Trimesh, float, int]:
    """A broken model, the volume its repair must have, and how many parts it must keep."""
    cube = box()
    if kind == "open box":
        return raw(cube.vertices, cube.faces[2:]), 8000.0, 1
    if kind == "flipped faces":
        faces = cube.faces.copy()
        faces[[1, 4, 7]] = faces[[1, 4, 7], ::-1]
        return raw(cube.vertices, faces), 8000.0, 1
    if kind == "inside out":
        return raw(cube.vertices, cube.faces[:, ::-1]), 8000.0, 1
    if kind == "duplicate faces":
        return raw(cube.vertices, np.concatenate([cube.faces, cube.faces[:4]])), 8000.0, 1
    if kind == "two overlapping shells":
        return joined(cube, box(at=(10, 10, 10))), 2 * 8000.0 - 1000.0, 1
    if kind == "inner shell":
        return joined(cube, box(8.0, at=(6, 6, 6))), 8000.0, 1
    if kind in ("triangle without area", "crack closed by a flat triangle"):
        corners = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10], [5, 0, 0]], float)
        faces = ([[0, 2, 4], [4, 2, 1], [0, 4, 3], [4, 1, 3], [1, 2, 3], [0, 3, 2], [0, 4, 1]]
                 if kind == "triangle without area" else [[0, 2, 1], [0, 4, 3], [4, 1, 3], [1, 2, 3], [0, 3, 2],
                                                          [0, 1, 4]])
        return raw(corners, np.array(faces)), 1000.0 / 6.0, 1
    if kind == "holes touching at corners":
        sphere = trimesh.creation.icosphere(subdivisions=5, radius=20.0)
        keep = np.ones(len(sphere.faces), dtype=bool)
        keep[np.random.default_rng(3).choice(len(sphere.faces), 400, replace=False)] = False
        return raw(sphere.vertices, sphere.faces[keep]), sphere.volume, 1
    if kind == "open end of a tube":
        tube = trimesh.creation.cylinder(radius=10.0, height=20.0, sections=64)
        top = tube.triangles_center[:, 2] > 9.99
        return raw(tube.vertices, tube.faces[~top]), tube.volume, 1
    if kind == "non-manifold shared edge":
        pair = joined(cube, box(at=(20, 20, 0)))
        pair.merge_vertices()
        return pair, 16000.0, 2
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=15.0)
    keep = np.ones(len(sphere.faces), dtype=bool)
    keep[::23] = False  # many small holes
    return raw(sphere.vertices, sphere.faces[keep]), sphere.volume, 1


KINDS = ["open box", "flipped faces", "inside out", "duplicate faces", "two overlapping shells", "inner shell",
         "non-manifold shared edge", "triangle without area", "crack closed by a flat triangle",
         "open end of a tube", "holes touching at corners", "many small holes"]


def run(capsys, *arguments: str) -> tuple[int, dict]:
    code = main([*arguments, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("kind", KINDS)
def test_a_broken_model_comes_out_closed_with_the_volume_it_should_have(capsys, tmp_path, kind):
    mesh, volume, parts = broken(kind)
    source = tmp_path / "broken.stl"
    mesh.export(str(source))
    code, answer = run(capsys, "check", str(source))
    assert answer["repairable"] and (code == 3 or answer["findings"][-1]["level"] == "warning")
    code, answer = run(capsys, "repair", str(source), "-o", str(tmp_path / "fixed.stl"))
    assert code == 0 and answer["fixed"] and answer["done"], answer
    result = load(tmp_path / "fixed.stl")
    assert result.is_watertight and result.is_winding_consistent
    assert result.volume == pytest.approx(volume, rel=0.02)
    assert len(result.split(only_watertight=False)) == parts
    code, answer = run(capsys, "check", str(tmp_path / "fixed.stl"))
    assert code == 0 and answer["self_intersections"] == 0 and answer["overlapping_shells"] == 0


def test_small_holes_are_closed_without_meshfix(capsys, tmp_path, monkeypatch):
    """Scattered holes, some touching at a corner, are closed by img2print itself: MeshFix is not needed."""
    monkeypatch.setattr(meshfix, "repaired", lambda *_a, **_k: pytest.fail("MeshFix was called"))
    mesh, volume, _parts = broken("holes touching at corners")
    mesh.export(str(tmp_path / "holes.stl"))
    code, answer = run(capsys, "repair", str(tmp_path / "holes.stl"), "-o", str(tmp_path / "fixed.stl"))
    assert code == 0 and [d["code"] for d in answer["done"]] == ["closed_holes"]
    assert answer["done"][0]["numbers"]["count"] > 300
    assert load(tmp_path / "fixed.stl").volume == pytest.approx(volume, rel=1e-6)


def test_check_says_where_a_model_cuts_through_itself(capsys, tmp_path):
    spiked_sphere().export(str(tmp_path / "spike.stl"))
    code, answer = run(capsys, "check", str(tmp_path / "spike.stl"))
    finding = next(f for f in answer["findings"] if f["code"] == "self_intersections")
    assert code == 3 and answer["self_intersections"] == finding["numbers"]["count"] > 0
    x, y, z = finding["numbers"]["where_mm"][0]
    assert abs(x) < 3 and abs(y) < 3 and -15 < z < 0  # the spike runs down the middle
    assert "Repair may make it printable: it removes self-intersections only where that keeps the shape" in \
        answer["verdict"]


@pytest.mark.parametrize("model", [spiked_sphere, star_prism])
def test_a_self_intersection_repair_would_only_cut_away_is_refused_and_the_model_not_cut(capsys, tmp_path, model,
                                                                                         monkeypatch):
    """Where a part cannot be united with itself (put in here: the union gives up, as it does where crossings stay
    degenerate), MeshFix is tried; it removes self-intersections by deleting the triangles that cross and filling
    what is left: the spike pulled through a sphere would go with a part of the sphere, the star's points would be
    cut off. Repair keeps the shape or says it cannot, never 'OK' with geometry gone; and it does not send the
    model back to repair."""
    from octoprint_img2print.geometry import repair as repairing

    monkeypatch.setattr(repairing, "united_with_itself", lambda part, pairs=None: None)
    mesh = model()
    mesh.export(str(tmp_path / "tangled.stl"))
    code, answer = run(capsys, "repair", str(tmp_path / "tangled.stl"), "-o", str(tmp_path / "fixed.stl"))
    assert code == 3 and answer["error"]["code"] == "not_repairable", answer
    message, done = answer["error"]["message"], [d["code"] for d in answer["error"]["details"]["done"]]
    assert "self-intersection" in message and "Repair can" not in message and "Repair may" not in message
    assert {"meshfix_would_cut", "meshfix_gave_up"} & set(done), done
    assert answer["error"]["details"]["after"]["volume_mm3"] == pytest.approx(mesh.volume, rel=1e-6)
    assert not (tmp_path / "fixed.stl").exists()


def test_check_counts_overlapping_parts_and_locates_them(capsys, tmp_path):
    joined(box(), box(at=(10, 10, 10)), box(at=(100, 0, 0))).export(str(tmp_path / "three.stl"))
    code, answer = run(capsys, "check", str(tmp_path / "three.stl"))
    finding = next(f for f in answer["findings"] if f["code"] == "overlapping_shells")
    assert code == 0 and finding["level"] == "warning" and answer["overlapping_shells"] == 2
    places = finding["numbers"]["where_mm"]
    assert len(places) == 2 and all(p[0] < 40 for p in places)  # not the separate box at x = 100


def test_parts_apart_on_purpose_and_cavities_stay(capsys, tmp_path):
    hollow = box(8.0, at=(6, 6, 6))
    hollow.invert()
    model = joined(raw(box().vertices, box().faces[:, ::-1]), box(at=(40, 0, 0)), hollow)  # one part inside out
    model.export(str(tmp_path / "parts.stl"))
    code, answer = run(capsys, "repair", str(tmp_path / "parts.stl"), "-o", str(tmp_path / "fixed.stl"))
    assert code == 0 and [d["code"] for d in answer["done"]] == ["turned_inside_out"]
    result = load(tmp_path / "fixed.stl")
    assert result.volume == pytest.approx(2 * 8000 - 512)
    assert len(result.split(only_watertight=False)) == 3


def test_specks_are_dropped_and_reported(capsys, tmp_path):
    joined(box(), box(0.3, at=(50, 50, 0)), box(0.5, at=(-10, 0, 0))).export(str(tmp_path / "specks.stl"))
    code, answer = run(capsys, "check", str(tmp_path / "specks.stl"))
    assert "specks" in [f["code"] for f in answer["findings"]]
    code, answer = run(capsys, "repair", str(tmp_path / "specks.stl"), "-o", str(tmp_path / "fixed.3mf"))
    speck = next(d for d in answer["done"] if d["code"] == "dropped_specks")
    assert code == 0 and speck["numbers"]["count"] == 2
    assert load(tmp_path / "fixed.3mf").volume == pytest.approx(8000)
    code, answer = run(capsys, "repair", str(tmp_path / "specks.stl"), "-o", str(tmp_path / "kept.stl"),
                       "--min-part", "0.2")
    assert code == 0 and len(load(tmp_path / "kept.stl").split(only_watertight=False)) == 3


def test_a_model_repair_cannot_save_writes_nothing_and_says_why(capsys, tmp_path):
    sheet = raw(np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [10, 10, 0]], float), np.array([[0, 1, 2], [1, 3, 2]]))
    sheet.export(str(tmp_path / "sheet.stl"))
    code, answer = run(capsys, "repair", str(tmp_path / "sheet.stl"), "-o", str(tmp_path / "fixed.stl"))
    assert code == 3 and answer["error"]["code"] == "not_repairable"
    assert answer["error"]["details"]["fixed"] is False and "sheet.stl" in answer["error"]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.stl"]


def test_a_good_model_is_written_as_it_is(capsys, tmp_path):
    box().export(str(tmp_path / "cube.stl"))
    assert main(["repair", str(tmp_path / "cube.stl"), "-o", str(tmp_path / "same.stl")]) == 0
    assert "Nothing to repair." in capsys.readouterr().out
    assert load(tmp_path / "same.stl").volume == pytest.approx(8000)


def test_meshfix_out_of_time_is_a_clear_failure_and_leaves_no_process(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=6)
    with pytest.raises(meshfix.MeshFixFailed, match="longer than"):
        meshfix.repaired([Mesh(sphere.vertices, sphere.faces[1:])], timeout_s=0.05)
    children = subprocess.run(["pgrep", "-f", "octoprint_img2print.geometry.meshfix", "-P", str(os.getpid())],
                              capture_output=True, text=True)
    assert children.stdout.strip() == ""


def test_meshfix_dies_with_the_process_that_started_it(tmp_path):
    """A job's worker killed mid-repair (a cancel) takes its MeshFix child with it."""
    script = ("import numpy as np, trimesh; from octoprint_img2print.geometry import meshfix; "
              "from octoprint_img2print.geometry.mesh import Mesh; s = trimesh.creation.icosphere(subdivisions=7); "
              "meshfix.repaired([Mesh(s.vertices, s.faces[1:])])")
    parent = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        for _attempt in range(100):
            found = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
            if found:
                break
            subprocess.run(["sleep", "0.1"])
        assert found, "MeshFix never started"
    finally:
        parent.kill()
        parent.wait()
    for _attempt in range(50):
        if subprocess.run(["kill", "-0", found[0]], capture_output=True).returncode != 0:
            return
        subprocess.run(["sleep", "0.1"])
    pytest.fail("the MeshFix child outlived its parent")


@pytest.mark.parametrize(("mode", "width"), [("relief", 40), ("lithophane", 60), ("logo", 50)])
def test_img2prints_own_solids_pass_the_thorough_check(capsys, tmp_path, mode, width):
    """A sharp step in a picture gives steep triangles side by side; they touch, they do not cut."""
    from pictures import halves, save

    picture = save(halves(), tmp_path / "step.png")
    assert main(["convert", str(picture), "-o", str(tmp_path / "step.stl"), "--mode", mode, "--width", str(width)]) == 0
    capsys.readouterr()
    code, answer = run(capsys, "check", str(tmp_path / "step.stl"))
    assert code == 0 and answer["self_intersections"] == 0 and answer["overlapping_shells"] == 0


def test_parts_far_apart_are_checked_quickly_and_correctly(capsys, tmp_path):
    """Cells are numbered in 64 bits: two crossing boxes and a huge box 1e30 mm away must not overflow them."""
    far = box(1e29, at=(1e30, 0, 0))
    joined(box(), box(at=(10, 10, 10)), far).export(str(tmp_path / "far.stl"))
    code, answer = run(capsys, "check", str(tmp_path / "far.stl"))
    finding = next(f for f in answer["findings"] if f["code"] == "overlapping_shells")
    assert code == 0 and answer["overlapping_shells"] == 2 and finding["numbers"]["count"] == 2


def test_a_closed_model_that_repair_would_make_worse_is_kept_as_it_was(capsys, tmp_path, monkeypatch):
    """Two overlapping boxes are closed (the check says OK, warning of the overlap), so repair runs to unite them;
    were the union ever to leave a hole (a fault put into it here), the model comes back as it was, said so."""
    from octoprint_img2print.geometry import repair as repairing

    model = joined(box(), box(at=(10, 10, 10)))
    model.export(str(tmp_path / "two.stl"))
    opened = box()
    monkeypatch.setattr(repairing, "_united", lambda parts, done, crossed=None: Mesh(opened.vertices,
                                                                                    opened.faces[2:]))
    code, answer = run(capsys, "repair", str(tmp_path / "two.stl"), "-o", str(tmp_path / "fixed.stl"))
    assert code == 0 and answer["fixed"] and answer["verdict"].startswith("OK"), answer
    kept = next(d for d in answer["done"] if d["code"] == "kept_as_it_was")
    assert "not closed" in kept["message"]
    assert load(tmp_path / "fixed.stl").volume == pytest.approx(model.volume)


def test_a_repair_that_moves_the_bounding_box_or_the_volume_says_by_how_much():
    from octoprint_img2print.geometry.repair import shape_change

    whole = box()  # 20 mm, cut in half: its top comes down 10 mm and half its volume goes
    half = trimesh.intersections.slice_mesh_plane(whole, (0, 0, -1), (0, 0, 10), cap=True)
    moved, volume = shape_change(Mesh(whole.vertices, whole.faces), Mesh(half.vertices, half.faces), True)
    assert moved == pytest.approx(10 / np.linalg.norm(whole.extents)) and volume == pytest.approx(0.5)
    assert shape_change(Mesh(whole.vertices, whole.faces), Mesh(whole.vertices, whole.faces), True) == (0.0, 0.0)
