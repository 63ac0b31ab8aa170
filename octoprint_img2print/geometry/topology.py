"""How a mesh's triangles hang together: shared edges, separate parts, which way each part is wound, and which
part lies inside which. Whole-array work: one sort of the edge keys, sparse connected components."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mesh import Mesh

WINDING_CHUNK = 2_000_000  # point-triangle pairs per step


@dataclass
class Edges:
    """Every triangle edge, sorted so that the sides of one undirected edge sit next to each other."""

    directed: np.ndarray  # (3M, 2) vertex pairs in the order of ``order``
    faces: np.ndarray  # (3M,) the face each directed edge belongs to, same order
    keys: np.ndarray  # (3M,) undirected edge key, sorted
    starts: np.ndarray  # index into ``keys`` where each distinct edge begins
    counts: np.ndarray  # how many faces share each distinct edge

    @property
    def open(self) -> int:
        """Edges with one triangle: holes."""
        return int((self.counts == 1).sum())

    @property
    def non_manifold(self) -> int:
        """Edges shared by more than two triangles."""
        return int((self.counts > 2).sum())

    def neighbours(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs of faces side by side along an edge, and whether they run the edge the same way (a winding
        conflict). Only edges with exactly two faces count."""
        first = self.starts[self.counts == 2]
        second = first + 1
        same_way = (self.directed[first, 0] == self.directed[second, 0])
        return self.faces[first], self.faces[second], same_way

    def inconsistent(self) -> int:
        """Edges whose two triangles face opposite ways."""
        return int(self.neighbours()[2].sum())

    def chained(self, manifold_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of faces that share an edge (each face linked to the next on the same edge); with
        ``manifold_only``, only edges of exactly two faces link."""
        joined = self.keys[1:] == self.keys[:-1]
        if manifold_only:
            joined &= np.repeat(self.counts == 2, self.counts)[1:]
        return self.faces[:-1][joined], self.faces[1:][joined]


def _stable_order(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The order that sorts non-negative ``keys`` stably, and the sorted keys: by one sort of each key packed with
    its place in 64 bits where both fit (a sort of plain numbers is about twice as fast as an argsort)."""
    place_bits = max(1, (len(keys) - 1).bit_length())
    if not len(keys) or int(keys.max()).bit_length() + place_bits > 64:
        order = np.argsort(keys, kind="stable")
        return order, keys[order]
    packed = np.sort((keys.astype(np.uint64) << np.uint64(place_bits)) | np.arange(len(keys), dtype=np.uint64))
    return ((packed & np.uint64((1 << place_bits) - 1)).astype(np.int64),
            (packed >> np.uint64(place_bits)).astype(np.int64))


def edges(faces: np.ndarray, vertex_count: int) -> Edges:
    """The edge table of ``faces``: one stable sort of packed 64-bit keys."""
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    owner = np.tile(np.arange(len(faces), dtype=np.int64), 3)
    keys = np.minimum(directed[:, 0], directed[:, 1]) * max(vertex_count, 1) + np.maximum(directed[:, 0],
                                                                                        directed[:, 1])
    order, keys = _stable_order(keys)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else np.zeros(0, int)
    counts = np.diff(np.append(starts, len(keys)))
    return Edges(directed[order], owner[order], keys, starts, counts)


def components(count: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Connected-component label (0, 1, ...) of each of ``count`` nodes joined by the given pairs: the roots of
    the pairs' ends hooked onto the lower one, and the trees flattened, until no pair joins two trees."""
    parent = np.arange(count)
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    while True:
        low, high = parent[first], parent[second]
        apart = low != high
        if not apart.any():
            break
        np.minimum.at(parent, np.maximum(low[apart], high[apart]), np.minimum(low[apart], high[apart]))
        while not np.array_equal(flat := parent[parent], parent):
            parent = flat
        first, second = first[apart], second[apart]
    return np.unique(parent, return_inverse=True)[1].reshape(-1)


def shells(mesh: Mesh, table: Edges | None = None, manifold_only: bool = False) -> np.ndarray:
    """A part label for every face; faces are in one part when a chain of shared edges joins them (with
    ``manifold_only``, edges of exactly two faces: parts that only touch along an edge come apart)."""
    table = table or edges(mesh.faces, len(mesh.vertices))
    if len(mesh.faces) == 0:
        return np.zeros(0, dtype=np.int64)
    first, second = table.chained(manifold_only)
    labels = components(len(mesh.faces), first, second)
    _unique, labels = np.unique(labels, return_inverse=True)
    return labels.reshape(-1)


def consistent_flips(face_count: int, table: Edges) -> tuple[np.ndarray, np.ndarray]:
    """Which faces to turn over so that neighbours agree, and which faces cannot agree (a Möbius-like part).

    Each face is two nodes, as it is and turned over; agreeing neighbours join the same states, conflicting
    ones the opposite states. Every part then splits into two mirror components; keeping the one with the lower
    label gives one consistent winding per part, all at once."""
    first, second, same_way = table.neighbours()
    flipped = np.where(same_way, second + face_count, second)
    flipped_back = np.where(same_way, second, second + face_count)
    labels = components(2 * face_count, np.concatenate([first, first + face_count]),
                         np.concatenate([flipped, flipped_back]))
    as_is, turned = labels[:face_count], labels[face_count:]
    return turned < as_is, as_is == turned


def signed_volumes(face_volumes: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """The signed volume of each part (positive when wound outwards; meaningful for closed parts), from each face's
    share (``Mesh.face_volumes``)."""
    return np.bincount(labels, weights=face_volumes, minlength=count)


def part_boxes(mesh: Mesh, labels: np.ndarray, count: int) -> np.ndarray:
    """The bounding box (low, high) of each part, shape (count, 2, 3)."""
    face_low, face_high = (bound.astype(np.float64) for bound in mesh.face_boxes())
    order = np.argsort(labels, kind="stable")
    present = np.flatnonzero(np.bincount(labels, minlength=count))
    starts = np.searchsorted(labels[order], present)
    boxes = np.stack([np.full((count, 3), np.inf), np.full((count, 3), -np.inf)], axis=1)
    if len(present):
        boxes[present, 0] = np.minimum.reduceat(face_low[order], starts)
        boxes[present, 1] = np.maximum.reduceat(face_high[order], starts)
    return boxes


def winding_numbers(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """How many times the closed surface of ``triangles`` (M, 3, 3) winds around each point: about 1 inside an
    outward-wound solid, 0 outside (the solid-angle sum of Van Oosterom and Strackee), in bounded chunks."""
    chunk = max(1, WINDING_CHUNK // max(len(triangles), 1))
    return np.concatenate([_winding_chunk(points[i:i + chunk], triangles) for i in range(0, len(points), chunk)])


def _winding_chunk(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (triangles[None, :, i] - points[:, None] for i in range(3))
    la, lb, lc = (np.linalg.norm(v, axis=2) for v in (a, b, c))
    numerator = np.einsum("pij,pij->pi", a, np.cross(b, c))
    denominator = (la * lb * lc + np.einsum("pij,pij->pi", a, b) * lc + np.einsum("pij,pij->pi", b, c) * la
                   + np.einsum("pij,pij->pi", c, a) * lb)
    return np.arctan2(numerator, denominator).sum(axis=1) / (2.0 * np.pi)
