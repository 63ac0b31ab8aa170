"""A closed part that cuts through itself becomes the solid its surface encloses, nothing cut away: judged against
CGAL's exact union of the part with itself (libigl's ``mesh_boolean``, exact arithmetic, a measuring tool only:
its licence keeps it out of the package), and by trimesh and manifold3d."""

from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh
from conftest import require
from solids import load
from tangled import figure_eight, spiked_sphere, star_prism, three_petals

from octoprint_img2print.command.main import main
from octoprint_img2print.geometry import self_union
from octoprint_img2print.geometry.mesh import Mesh

SHAPES = {
    "tube through itself": lambda: figure_eight(wobble=0.3),
    "tube through itself, finely": lambda: figure_eight(points=600, sides=64, wobble=0.3),
    "tube through its own corners": lambda: figure_eight(),
    "square tube, tops in one plane": lambda: figure_eight(sides=4, phase=np.pi / 4),
    "three stretches through one another": three_petals,
    "star prism": star_prism,
    "sphere with a spike pulled through": spiked_sphere,
}


def exact_union(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """The union of the mesh with itself by CGAL in exact arithmetic."""
    try:
        from igl.copyleft import cgal
    except ImportError:
        cgal = None
    require(cgal is not None, "libigl (the exact union to measure against)")
    vertices, faces, _birth = cgal.mesh_boolean(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64),
                                                type_str="union")
    return trimesh.Trimesh(vertices, faces, process=False)


def assert_closed_solid(mesh: trimesh.Trimesh) -> None:
    """Closed, wound alike and outwards by trimesh, and a valid solid to manifold3d."""
    import manifold3d

    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    solid = manifold3d.Manifold(manifold3d.Mesh(vert_properties=np.asarray(mesh.vertices, np.float32),
                                                tri_verts=np.asarray(mesh.faces, np.uint32)))
    assert solid.status() == manifold3d.Error.NoError


@pytest.mark.parametrize("name", SHAPES)
def test_the_part_becomes_the_exact_union_with_itself(name):
    model = SHAPES[name]()
    part = Mesh(model.vertices, model.faces)
    assert model.is_watertight and len(self_union.crossing_pairs(part)) > 0  # closed as it comes, crossing itself
    result = self_union.united_with_itself(part)
    assert result is not None
    mesh = trimesh.Trimesh(result.vertices, result.faces, process=False)
    assert_closed_solid(mesh)
    exact = exact_union(model)
    reach = nudge(model)  # corners where surfaces touch may move this far: the surface by as much, at most
    assert abs(mesh.volume - exact.volume) <= model.area * reach + 1e-6 * exact.volume
    np.testing.assert_allclose(mesh.bounds, exact.bounds, atol=reach + 1e-5 * np.linalg.norm(model.extents))
    # nothing of the solid is lost and nothing added: the same points lie inside both (libigl's winding numbers)
    points = np.random.default_rng(1).uniform(*model.bounds, size=(4000, 3))
    inside, exact_inside = contains(mesh, points), contains(exact, points)
    assert exact_inside.sum() > 100 and (inside != exact_inside).mean() < 0.002


def nudge(model: trimesh.Trimesh) -> float:
    """How far a corner may be nudged at most (JITTER of the larger of the part's diagonal and its reach from the
    origin, along each axis)."""
    scale = max(np.linalg.norm(model.extents), np.abs(model.bounds).max())
    return self_union.JITTER * scale * np.sqrt(3)


def contains(mesh: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """Which points lie inside the closed mesh, by libigl's winding number."""
    import igl

    return igl.winding_number(np.asarray(mesh.vertices, float), np.asarray(mesh.faces, np.int64), points) > 0.5


def test_a_part_that_does_not_cross_itself_is_given_back_as_it_is():
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10.0)
    part = Mesh(sphere.vertices, sphere.faces)
    assert self_union.united_with_itself(part) is part


def test_degenerate_crossings_are_resolved_by_a_nudge_far_below_what_prints():
    """The plain figure eight passes through its own corners: the exact attempt gives up, the nudged one works and
    moves no corner by more than JITTER of the part's size."""
    model = figure_eight()
    part = Mesh(model.vertices, model.faces)
    with pytest.raises(self_union._Touching):
        self_union._resolved(part, self_union.crossing_pairs(part))
    result = self_union.united_with_itself(part)
    assert result is not None
    from scipy.spatial import cKDTree

    moved, _nearest = cKDTree(result.vertices.astype(float)).query(model.vertices)
    reach = nudge(model) + 1e-5  # and float32 rounding
    kept = moved < 1e-3  # the corners outside the overlap are kept, nudged
    assert kept.mean() > 0.8 and moved[kept].max() <= reach and moved[kept].max() > 0


@pytest.mark.parametrize("name", ["tube through itself", "star prism", "square tube, tops in one plane"])
def test_repair_makes_a_part_crossing_itself_printable_without_cutting_it(capsys, tmp_path, name):
    model = SHAPES[name]()
    model.export(str(tmp_path / "tangled.stl"))
    code, answer = main(["check", str(tmp_path / "tangled.stl"), "--json"]), json.loads(capsys.readouterr().out)
    assert code == 3 and answer["self_intersections"] > 0
    code = main(["repair", str(tmp_path / "tangled.stl"), "-o", str(tmp_path / "fixed.stl"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["fixed"] and answer["verdict"].startswith("OK"), answer
    assert "united_with_itself" in [d["code"] for d in answer["done"]]
    assert "shape_changed" not in [d["code"] for d in answer["done"]]
    fixed = load(tmp_path / "fixed.stl")
    assert_closed_solid(fixed)
    assert abs(fixed.volume - exact_union(model).volume) <= model.area * nudge(model) + 1e-6 * model.volume
    code, answer = main(["check", str(tmp_path / "fixed.stl"), "--json"]), json.loads(capsys.readouterr().out)
    assert code == 0 and answer["self_intersections"] == 0


def test_a_spike_pulled_through_is_not_solid_and_repair_says_the_box_moved(capsys, tmp_path):
    """The spike's tip below the sphere is wound inside out (the surface encloses it negatively): the union leaves
    it out, as CGAL's does, and repair says by how much the bounding box moved."""
    model = spiked_sphere()
    model.export(str(tmp_path / "spike.stl"))
    code = main(["repair", str(tmp_path / "spike.stl"), "-o", str(tmp_path / "fixed.stl"), "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and answer["fixed"], answer
    changed = next(d for d in answer["done"] if d["code"] == "shape_changed")
    fixed, exact = load(tmp_path / "fixed.stl"), exact_union(model)
    assert fixed.bounds[0, 2] == pytest.approx(exact.bounds[0, 2], abs=1e-3) and exact.bounds[0, 2] > -10.5
    assert changed["numbers"]["moved_share"] == pytest.approx((fixed.bounds[0, 2] + 14) / np.linalg.norm(
        model.extents), abs=1e-3)


def test_several_surfaces_are_united_and_cavities_kept():
    """Two tubes through each other and a box inside one of them, a cavity (wound inwards) inside the other: the
    union of the solids, the cavity cut out, as CGAL's exact union has it."""
    eight = figure_eight(wobble=0.3)
    inner = trimesh.creation.box(extents=(2, 2, 2))
    inner.apply_translation((21.2, 15, 0))
    cavity = trimesh.creation.box(extents=(2, 2, 2))
    cavity.apply_translation((-21.2, 15, 0))
    cavity.invert()
    model = trimesh.util.concatenate([eight, inner, cavity])
    result = self_union.united_with_itself(Mesh(model.vertices, model.faces))
    mesh = trimesh.Trimesh(result.vertices, result.faces, process=False)
    exact = exact_union(model)
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert abs(mesh.volume - exact.volume) <= model.area * nudge(model) + 1e-6 * exact.volume
    assert len(mesh.split(only_watertight=False)) == 2  # the tubes, and the cavity's wall


def test_a_part_with_holes_meshfix_would_cut_is_closed_by_meshfix_alone_and_united_with_itself():
    """Holes beyond the simple filling go to MeshFix, whose cleaning would cut the tube where it runs through
    itself; repair then closes the holes with MeshFix alone and unites the part with itself: a closed solid with
    the tube's whole shape, said as such, and nothing left as it was."""
    from octoprint_img2print.geometry import meshfix, repair
    from octoprint_img2print.report import Report

    require(meshfix.available(), "pymeshfix")
    model = figure_eight(wobble=0.3)
    holed = Mesh(model.vertices, np.delete(model.faces, [30 * 48, 30 * 48 + 7, 50 * 48 + 3], axis=0))
    done = Report()
    fixed, united = repair._fixed_by_meshfix([holed], [], done)
    said = {finding.code for finding in done.findings}
    assert united == 1 and "meshfix_closed_holes" in said and "meshfix_would_cut" not in said
    mesh = trimesh.Trimesh(fixed[0].vertices, fixed[0].faces, process=False)
    assert_closed_solid(mesh)
    assert mesh.volume == pytest.approx(exact_union(model).volume, rel=1e-3)


def test_a_sliver_crossing_after_rounding_nudges_the_corners_near_it_and_tries_again(monkeypatch):
    """New corners are worked out in 64-bit floats and kept in 32-bit ones, which can make a sliver of a triangle
    cross its neighbour (put in here: the first check of a result reports two of its new faces crossing). The
    union is not given with a crossing in it: the part's corners nearest those faces are nudged and it is tried
    again, with the exact union's volume."""
    model = figure_eight(wobble=0.3)
    real, reported, nudged = self_union._pairs_near, [], []
    real_corners = self_union._corners_near

    def first_result_crosses(mesh: Mesh, changed: np.ndarray) -> np.ndarray:
        if not reported and changed.any():
            reported.append(mesh.vertices[mesh.faces[np.flatnonzero(changed)[:2]]].reshape(-1, 3))
            return np.flatnonzero(changed)[:2][None]
        return real(mesh, changed)

    def corners_near(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
        nudged.append(real_corners(vertices, points))
        return nudged[-1]

    monkeypatch.setattr(self_union, "_pairs_near", first_result_crosses)
    monkeypatch.setattr(self_union, "_corners_near", corners_near)
    result = self_union.united_with_itself(Mesh(model.vertices, model.faces))
    assert reported and len(nudged) == 1
    near = np.linalg.norm(model.vertices[nudged[0]][:, None] - reported[0][None], axis=2).min(axis=1)
    assert near.max() < 2.0  # the corners nudged lie by the sliver (the tube's triangles are about 1.6 mm)
    mesh = trimesh.Trimesh(result.vertices, result.faces, process=False)
    assert_closed_solid(mesh)
    assert abs(mesh.volume - exact_union(model).volume) <= model.area * nudge(model) + 1e-6 * mesh.volume
