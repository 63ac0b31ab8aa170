"""The one mesh type every mode returns and every writer and check takes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grouping import equal_rows


@dataclass
class Mesh:
    """Float32 vertices (N, 3) in millimetres and int32 faces (M, 3), counter-clockwise seen from outside."""

    vertices: np.ndarray
    faces: np.ndarray
    merged: bool = False  # known to hold no two vertices at one position (made by ``welded``)

    def __post_init__(self) -> None:
        self.vertices = np.ascontiguousarray(self.vertices, dtype=np.float32).reshape(-1, 3)
        self.faces = np.ascontiguousarray(self.faces, dtype=np.int32).reshape(-1, 3)

    @property
    def triangles(self) -> np.ndarray:
        """Corner coordinates of every face, shape (M, 3, 3), in float64."""
        return self.vertices.astype(np.float64)[self.faces]

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest corner of the bounding box."""
        if len(self.vertices) == 0:
            zero = np.zeros(3)
            return zero, zero
        return self.vertices.min(axis=0).astype(np.float64), self.vertices.max(axis=0).astype(np.float64)

    def face_boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest corner of each face's bounding box, shape (M, 3) each, in float32 (exact)."""
        corners = [self.vertices[self.faces[:, k]] for k in range(3)]
        return (np.minimum(np.minimum(corners[0], corners[1]), corners[2]),
                np.maximum(np.maximum(corners[0], corners[1]), corners[2]))

    def size(self) -> np.ndarray:
        """Size of the bounding box in millimetres."""
        low, high = self.bounds()
        return high - low

    def _corner(self, k: int) -> np.ndarray:
        """Corner ``k`` of every face, in float64."""
        return self.vertices[self.faces[:, k]].astype(np.float64)

    def face_normals(self) -> np.ndarray:
        """Unnormalised normals (twice the area) of every face."""
        first = self._corner(0)
        return np.cross(self._corner(1) - first, self._corner(2) - first)

    def face_volumes(self, normals: np.ndarray | None = None) -> np.ndarray:
        """Each face's share of the signed volume (the tetrahedron it spans with the origin): a . (b x c) / 6, or
        a . n / 6 from the face normals ``normals`` when they are already worked out (the same: a . (a x ..) is 0)."""
        crossed = np.cross(self._corner(1), self._corner(2)) if normals is None else normals
        return np.einsum("ij,ij->i", self._corner(0), crossed) / 6.0

    def volume(self) -> float:
        """Signed volume; positive for a closed, outward-wound solid."""
        return float(self.face_volumes().sum())

    def translated(self, offset: np.ndarray) -> Mesh:
        """A copy moved by ``offset``."""
        return Mesh(self.vertices + np.asarray(offset, dtype=np.float32), self.faces)

    def on_bed(self) -> Mesh:
        """A copy moved so that it sits on z = 0 with its bounding box starting at x = y = 0."""
        low, _ = self.bounds()
        return self.translated(-low)

    def flipped(self) -> Mesh:
        """A copy with every face wound the other way."""
        return Mesh(self.vertices, self.faces[:, ::-1])

    def outward(self) -> Mesh:
        """This mesh, or its flipped copy, so that the volume is positive."""
        return self.flipped() if self.volume() < 0 else self


def compacted(vertices: np.ndarray, faces: np.ndarray) -> Mesh:
    """The mesh of ``faces`` with only the corners they use."""
    used, inverse = np.unique(faces.reshape(-1), return_inverse=True)
    return Mesh(vertices[used], inverse.reshape(-1, 3))


def concatenate(meshes: list[Mesh]) -> Mesh:
    """One mesh holding all given meshes (their vertices are not merged)."""
    vertices, faces, offset = [], [], 0
    for mesh in meshes:
        vertices.append(mesh.vertices)
        faces.append(mesh.faces + offset)
        offset += len(mesh.vertices)
    if not vertices:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3)))
    return Mesh(np.concatenate(vertices), np.concatenate(faces))


def welded(mesh: Mesh) -> Mesh:
    """A copy in which vertices at exactly the same position are one vertex (the mesh itself if it is one)."""
    if mesh.merged:
        return mesh
    first, group = equal_rows(mesh.vertices)
    return Mesh(mesh.vertices[first], group[mesh.faces], merged=True)
