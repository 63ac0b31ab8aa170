"""How a model lies on the bed: the overhang left to support and the footing, measured against their definitions
worked out with trimesh (every face steeper than 45 degrees from vertical that does not lie on the bed; the faces
flat on the bed), and the turn chosen for a mushroom that needs the least support upside down."""

from __future__ import annotations

import math

import numpy as np
import trimesh

from octoprint_img2print.geometry.mesh import Mesh
from octoprint_img2print.slicing.orientation import best_orientation, overhang_and_base, turned

ANGLE_DEG = 45.0
ON_BED_MM = 0.05  # a face touches the bed when all its corners lie this close to the lowest point


def by_definition(solid: trimesh.Trimesh) -> tuple[float, float]:
    """Overhang and footing from trimesh's own normals and areas."""
    lowest = solid.vertices[:, 2].min()
    resting = np.all(solid.vertices[solid.faces][:, :, 2] <= lowest + ON_BED_MM, axis=1)
    down = solid.face_normals[:, 2]
    overhang = solid.area_faces[(down < -math.cos(math.radians(ANGLE_DEG))) & ~resting].sum()
    return float(overhang), float(solid.area_faces[resting & (down < -0.999)].sum())


def mushroom() -> trimesh.Trimesh:
    """A 10 mm stem under a 30 x 30 x 5 mm cap (two closed parts, touching)."""
    stem = trimesh.creation.box(extents=(10, 10, 10))
    stem.apply_translation((0, 0, 5))
    cap = trimesh.creation.box(extents=(30, 30, 5))
    cap.apply_translation((0, 0, 12.5))
    return trimesh.util.concatenate([stem, cap])


def as_mesh(solid: trimesh.Trimesh) -> Mesh:
    return Mesh(np.asarray(solid.vertices, dtype=np.float32), np.asarray(solid.faces, dtype=np.int32))


def test_overhang_and_footing_are_as_defined_at_any_turn():
    rng = np.random.default_rng(4)
    bumpy = trimesh.creation.icosphere(subdivisions=4, radius=20.0)
    bumpy.vertices *= rng.uniform(0.85, 1.15, (len(bumpy.vertices), 1))
    for solid in (mushroom(), bumpy, trimesh.creation.box(extents=(20, 10, 5))):
        for _turn in range(6):
            rotation = trimesh.transformations.random_rotation_matrix(rng.random(3))
            if _turn == 0:
                rotation = np.eye(4)
            placed = solid.copy()
            placed.apply_transform(rotation)
            ours = overhang_and_base(as_mesh(placed), ANGLE_DEG)
            assert np.allclose(ours, by_definition(placed), rtol=1e-4, atol=1e-3), (ours, by_definition(placed))


def test_a_mushroom_is_turned_onto_its_cap():
    solid = mushroom()
    assert np.allclose(by_definition(solid), (900, 100))  # the cap's underside (its triangles span the stem); the foot
    chosen = best_orientation(as_mesh(solid))
    lying = turned(as_mesh(solid), chosen.rotation)
    placed = trimesh.Trimesh(lying.vertices, lying.faces)
    assert np.allclose((chosen.overhang_mm2, chosen.base_mm2), (100, 900), atol=1e-3)  # the stem's end; the cap's top
    assert np.allclose(by_definition(placed), (100, 900), atol=1e-3)

