"""The self-intersection test's search: a hashed grid and a sparse product find the pairs of triangles to test, and
a vertex's fan is spared when it cannot cross itself. Judged against testing every pair of triangles (the
definition), on spheres shaken until they fold, torn, flipped, doubled, joined at a point and cut by large
triangles, and against fans built to wind twice around their corner."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from octoprint_img2print.geometry import intersections, nearby
from octoprint_img2print.geometry.fans import flat_fans
from octoprint_img2print.geometry.mesh import Mesh


def _every_pair(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j of triangles that share no edge."""
    i, j = np.triu_indices(len(mesh.faces), 1)
    shared = (mesh.faces[i][:, :, None] == mesh.faces[j][:, None, :]).any(axis=2).sum(axis=1)
    return i[shared < 2], j[shared < 2]


def _crossing_every_pair(mesh: Mesh) -> np.ndarray:
    """Which faces cut through another, found by testing every pair."""
    triangles = mesh.triangles
    low, high = triangles.min(axis=1), triangles.max(axis=1)
    i, j = intersections._cut(triangles, mesh.face_normals(), (high - low).max(axis=1), *_every_pair(mesh))
    cut = np.zeros(len(mesh.faces), dtype=bool)
    cut[i] = cut[j] = True
    return cut


def _shaken_sphere(seed: int, damage: str) -> Mesh:
    rng = np.random.default_rng(seed)
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=10.0)
    vertices, faces = np.array(sphere.vertices), np.array(sphere.faces)
    vertices += rng.normal(scale=(0.05, 0.6, 1.0)[seed % 3], size=vertices.shape)
    if damage == "holes":
        faces = np.delete(faces, rng.choice(len(faces), 30, replace=False), axis=0)
    elif damage == "flipped":
        chosen = rng.choice(len(faces), 30, replace=False)
        faces[chosen] = faces[chosen][:, ::-1]
    elif damage == "doubled":
        faces = np.concatenate([faces, faces[rng.choice(len(faces), 20)]])
    elif damage == "second part":
        ball = trimesh.creation.icosphere(subdivisions=2, radius=5.0)
        faces = np.concatenate([faces, np.array(ball.faces) + len(vertices)])
        vertices = np.concatenate([vertices, np.array(ball.vertices) + np.array([8.0, 0.0, 0.0])])
    elif damage == "joined at a point":  # a second sphere sharing one corner: two fans around one vertex
        ball = trimesh.creation.icosphere(subdivisions=2, radius=5.0)
        ball_vertices = np.array(ball.vertices) - ball.vertices[0] + vertices[0]
        ball_vertices = vertices[0] + (ball_vertices - vertices[0]) * -1.0
        ball_faces = np.where(ball.faces == 0, 0, np.array(ball.faces) + len(vertices) - 1)
        faces = np.concatenate([faces, ball_faces])
        vertices = np.concatenate([vertices, ball_vertices[1:]])
    elif damage == "large triangles":  # boxes many grid cells wide
        start = len(vertices)
        vertices = np.concatenate([vertices, [[-30, -30, 0.5], [30, -30, -0.5], [30, 30, 0.5], [-30, 30, -0.5]]])
        faces = np.concatenate([faces, [[start, start + 1, start + 2], [start, start + 2, start + 3]]])
    return Mesh(vertices, faces)


DAMAGES = ["none", "holes", "flipped", "doubled", "second part", "joined at a point", "large triangles"]


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("seed", range(3))
def test_the_faces_found_cutting_are_those_every_pair_finds(damage, seed):
    mesh = _shaken_sphere(seed, damage)
    found = intersections.crossing(mesh, np.zeros(len(mesh.faces), dtype=int))
    expected = _crossing_every_pair(mesh)
    assert np.array_equal(found.within, expected)
    if seed > 0:
        assert expected.any()  # shaken hard enough to fold: the comparison is not of empty sets


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("damage", DAMAGES)
def test_the_search_yields_every_pair_whose_boxes_meet_except_neighbours_of_a_quiet_corner(damage, chunked,
                                                                                         monkeypatch):
    if chunked:  # a few rows, cells and products at a time, as millions of triangles are searched
        monkeypatch.setattr(nearby, "ROW_CHUNK", 100)
        monkeypatch.setattr(nearby, "ENTRY_CHUNK", 7)
        monkeypatch.setattr(nearby, "PRODUCT_CHUNK", 500)
    mesh = _shaken_sphere(1, damage)
    triangles = mesh.triangles
    low, high = triangles.min(axis=1), triangles.max(axis=1)
    quiet = flat_fans(mesh)
    i, j = _every_pair(mesh)
    meet = np.all(np.maximum(low[i], low[j]) <= np.minimum(high[i], high[j]), axis=1)
    i, j = i[meet], j[meet]
    calm_shared = np.array([any(quiet[v] for v in set(mesh.faces[a]) & set(mesh.faces[b])) for a, b in zip(i, j)])
    expected = set(zip(i[~calm_shared].tolist(), j[~calm_shared].tolist()))
    found = nearby.close_pairs(low.astype(np.float32), high.astype(np.float32), mesh.faces, quiet)
    assert len(found) == len(expected) and set(map(tuple, found.tolist())) == expected


def _ramp(laps: int, steps: int = 12) -> Mesh:
    """A fan around the origin whose ring climbs like a ramp and closes back down: it winds ``laps`` times."""
    angles = 2.0 * np.pi * np.arange(laps * steps) / steps
    ring = np.stack([np.cos(angles), np.sin(angles), np.arange(laps * steps) / (laps * steps)], axis=1)
    faces = [[0, 1 + m, 1 + (m + 1) % (laps * steps)] for m in range(laps * steps)]
    return Mesh(np.concatenate([[[0.0, 0.0, 0.0]], ring]), np.array(faces))


def test_a_fan_winding_twice_is_tested_and_its_crossing_found():
    twice = _ramp(2)
    assert not flat_fans(twice)[0]
    found = intersections.crossing(twice, np.zeros(len(twice.faces), dtype=int)).within
    assert found[-1] and np.array_equal(found, _crossing_every_pair(twice))


def test_a_fan_winding_once_is_spared_the_exact_test():
    once = _ramp(1)
    assert flat_fans(once)[0]
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=10.0)
    assert flat_fans(Mesh(sphere.vertices, sphere.faces)).all()
