"""Closing the holes of a consistently wound part in numpy: each hole's rim, followed edge to edge, is closed by
the triangles of least area between its corners when it is small, else by a fan around its middle. Fast for the
small holes downloads have; a rim that branches is left to MeshFix, and a fill that cuts the part is caught by
the check after."""

from __future__ import annotations

import numpy as np

from . import topology
from .mesh import Mesh

SMALL_RIM = 6  # rims of up to this many corners get the least-area triangulation


def _area(points: np.ndarray, a: int, b: int, c: int) -> float:
    return float(np.linalg.norm(np.cross(points[b] - points[a], points[c] - points[a]))) / 2.0


def least_area(points: np.ndarray) -> list[tuple[int, int, int]]:
    """The triangles of least total area spanning a small loop of points (indices into the loop, in its order)."""
    count = len(points)
    best: dict[tuple[int, int], tuple[float, list[tuple[int, int, int]]]] = {}
    for gap in range(2, count):
        for first in range(count - gap):
            last = first + gap
            best[first, last] = min(
                (best.get((first, middle), (0.0, []))[0] + best.get((middle, last), (0.0, []))[0]
                 + _area(points, first, middle, last),
                 [*best.get((first, middle), (0.0, []))[1], *best.get((middle, last), (0.0, []))[1],
                  (first, middle, last)])
                for middle in range(first + 1, last))
    return best[0, count - 1][1]


def rims(mesh: Mesh) -> list[list[int]] | None:
    """Each hole's rim as a loop of corners, in the order the hole's new triangles must run; None when a corner
    sits on two rims (the holes touch) or an edge is shared by more than two triangles."""
    table = topology.edges(mesh.faces, len(mesh.vertices))
    if table.non_manifold:
        return None
    single = np.repeat(table.counts == 1, table.counts)
    starts, ends = table.directed[single, 1], table.directed[single, 0]  # the hole runs each edge backwards
    if len(np.unique(starts)) != len(starts):
        return None
    following = dict(zip(starts.tolist(), ends.tolist()))
    loops, seen = [], set()
    for first in following:
        if first in seen:
            continue
        loop, corner = [], first
        while corner not in seen:
            seen.add(corner)
            loop.append(corner)
            corner = following.get(corner, -1)
            if corner < 0:
                return None
        if corner != first:
            return None
        loops.append(loop)
    return loops


def filled(mesh: Mesh) -> tuple[Mesh, int] | None:
    """The part with every hole closed and how many holes there were, or None when its rims are not simple."""
    loops = rims(mesh)
    if loops is None:
        return None
    vertices, faces = [mesh.vertices.astype(np.float64)], [mesh.faces]
    count = len(mesh.vertices)
    for loop in loops:
        corners = np.array(loop)
        following = np.roll(corners, -1)
        if len(loop) <= SMALL_RIM:
            faces.append(corners[np.array(least_area(mesh.vertices[corners].astype(np.float64)))])
            continue
        vertices.append(mesh.vertices[corners].astype(np.float64).mean(axis=0, keepdims=True))
        faces.append(np.stack([corners, following, np.full(len(loop), count)], axis=1))
        count += 1
    return Mesh(np.concatenate(vertices), np.concatenate(faces)), len(loops)
