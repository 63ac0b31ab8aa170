"""A closed part that cuts through itself, made into the solid it encloses without changing its shape (a union of
the part with itself): every triangle it crosses itself in is split along the crossing lines, and of the pieces of
surface between those lines only the ones with the solid on one side and nothing on the other are kept (the
winding number on each side tells which).

Only the general case is handled: surfaces crossing along lines. Where a crossing is degenerate (a corner or an
edge touching the other surface, three surfaces through one point, coplanar overlaps), nothing is guessed: the
answer is None and the part is left to the other repairs. The result is checked closed and free of crossings before
it is given."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from . import topology
from .intersections import crossing_pairs
from .mesh import Mesh

TOUCH_EPSILON = 1e-10  # a corner this close (as a sine) to the other's plane or edge touches it: degenerate
MAX_CROSSED_FACES = 100_000  # more triangles crossed than this: not attempted (bounded time and memory)
MAX_WINDING_PAIRS = 50_000_000  # pieces of surface times triangles: beyond this, not attempted (a winding number
# for each piece costs a look at every triangle)
HALF_TOLERANCE = 1e-6  # how far twice a winding number on the surface may stray from an odd whole number
JITTER = 1e-5  # how far corners are nudged, as a share of the part's diagonal, where surfaces touch
JITTER_TRIES = 2


@dataclass
class _Lines:
    """Where a part crosses itself: the new points (numbered after the part's corners) and the segments."""

    edges: np.ndarray  # (P, 2) the edge each new point lies on, lower corner first
    shares: np.ndarray  # (P,) how far along that edge, from its lower corner
    points: np.ndarray  # (P, 3) float64 positions
    pairs: np.ndarray  # (K, 2) the faces crossing
    segments: np.ndarray  # (K, 2) point numbers of each pair's segment (a shared corner keeps its own number)


def _orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The sign of the volume of each tetrahedron (a, b, c, d): +1, -1, or 0 where it is too flat to tell."""
    u, v, w = b - a, c - a, d - a
    volume = np.einsum("ij,ij->i", np.cross(u, v), w)
    scale = np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1) * np.linalg.norm(w, axis=1)
    return np.where(np.abs(volume) <= TOUCH_EPSILON * scale, 0, np.sign(volume)).astype(np.int64)


def _pierced(vertices: np.ndarray, faces: np.ndarray, ends: np.ndarray,
             face: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Whether each edge (``ends``, lower corner first) passes through the inside of the triangle ``face``, and
    how far along the edge; None when one touches the triangle instead (neither clearly through nor clearly past)."""
    p, q = vertices[ends[:, 0]], vertices[ends[:, 1]]
    t0, t1, t2 = (vertices[faces[face, k]] for k in range(3))
    side = _orientation(t0, t1, t2, p) * _orientation(t0, t1, t2, q)
    around = np.stack([_orientation(p, q, t0, t1), _orientation(p, q, t1, t2), _orientation(p, q, t2, t0)], axis=1)
    through = (side < 0) & (np.abs(around.sum(axis=1)) == 3)
    past = (side > 0) | ((around.max(axis=1) > 0) & (around.min(axis=1) < 0))
    if np.any(~through & ~past):
        return None
    normal = np.cross(t1 - t0, t2 - t0)
    near, far = np.einsum("ij,ij->i", p - t0, normal), np.einsum("ij,ij->i", q - t0, normal)
    return through, np.where(through, near / np.where(through, near - far, 1.0), 0.0)


def _crossing_lines(vertices: np.ndarray, faces: np.ndarray, pairs: np.ndarray) -> _Lines | None:
    """The lines along which the pairs' triangles cross (each pair: two edges piercing the other triangle, or one
    edge and the corner they share); None when a crossing is degenerate."""
    a, b = faces[pairs[:, 0]], faces[pairs[:, 1]]
    corner = np.where((a[:, :, None] == b[:, None, :]).any(axis=2), a, -1).max(axis=1)
    rows, owner = [], []
    for corners, other in ((a, pairs[:, 1]), (b, pairs[:, 0])):
        for k in range(3):
            u, v = corners[:, k], corners[:, (k + 1) % 3]
            away = (u != corner) & (v != corner)  # an edge from the shared corner meets the other only there
            rows.append(np.stack([np.minimum(u, v), np.maximum(u, v), other], axis=1)[away])
            owner.append(np.flatnonzero(away))
    rows, owner = np.concatenate(rows), np.concatenate(owner)
    events, row_event = np.unique(rows, axis=0, return_inverse=True)  # an edge piercing a face, met by two pairs
    row_event = row_event.reshape(-1)
    pierced = _pierced(vertices, faces, events[:, :2], events[:, 2])
    if pierced is None:
        return None
    through, share = pierced
    expected = np.where(corner >= 0, 1, 2)
    hit_rows = through[row_event]
    if not np.array_equal(np.bincount(owner[hit_rows], minlength=len(pairs)), expected):
        return None
    number = np.full(len(events), -1)
    number[through] = len(vertices) + np.arange(int(through.sum()))
    order = np.argsort(owner[hit_rows], kind="stable")
    numbers = number[row_event[hit_rows]][order]
    start = np.cumsum(expected) - expected
    second = np.where(corner >= 0, corner, numbers[np.minimum(start + 1, len(numbers) - 1)])
    p, q = vertices[events[through, 0]], vertices[events[through, 1]]
    points = p + (q - p) * share[through, None]
    return _Lines(events[through, :2], share[through], points, pairs, np.stack([numbers[start], second], axis=1))


def _split_face(corners: np.ndarray, on_edges: dict, segments: list, positions: np.ndarray) -> list | None:
    """The triangles (corner numbers, wound as the face) that cover one face cut along ``segments``; ``on_edges``:
    the points on each edge as (share, number) by edge (lower corner first). None when the cuts do not divide the
    face cleanly."""
    chain = []
    for k in range(3):
        u, v = int(corners[k]), int(corners[(k + 1) % 3])
        along = [number for _share, number in sorted(on_edges.get((min(u, v), max(u, v)), []))]
        chain += [u] + (along if u < v else along[::-1])
    normal = np.cross(*(positions[corners[1:]] - positions[corners[0]]))
    axes = [axis for axis in range(3) if axis != int(np.argmax(np.abs(normal)))]
    numbers = sorted(set(chain) | {int(n) for segment in segments for n in segment})
    flat = {number: tuple(positions[number, axes]) for number in numbers}
    if len(set(flat.values())) < len(flat):
        return None
    lines = [shapely.LineString([flat[chain[k]], flat[chain[(k + 1) % len(chain)]]]) for k in range(len(chain))]
    lines += [shapely.LineString([flat[int(p)], flat[int(q)]]) for p, q in segments]
    polygons, cuts, dangles, invalid = shapely.polygonize_full(lines)
    if not (cuts.is_empty and dangles.is_empty and invalid.is_empty):
        return None
    whole = shapely.Polygon([flat[int(n)] for n in corners])
    if abs(polygons.area - whole.area) > HALF_TOLERANCE * whole.area:
        return None
    number_at = {point: number for number, point in flat.items()}
    wound = np.sign(_area(np.array(whole.exterior.coords[:3])))
    found = []
    for polygon in shapely.get_parts(polygons):
        for triangle in shapely.get_parts(shapely.constrained_delaunay_triangles(polygon)):
            ring = np.array(triangle.exterior.coords[:3])
            numbers = [number_at.get(tuple(point)) for point in ring]
            area = _area(ring)
            if None in numbers or area == 0:
                return None
            found.append(numbers if np.sign(area) == wound else numbers[::-1])
    return found


def _area(ring: np.ndarray) -> float:
    """Twice the signed area of a triangle in the plane."""
    (x0, y0), (x1, y1), (x2, y2) = ring
    return float((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0))


def _split(vertices: np.ndarray, faces: np.ndarray, lines: _Lines) -> np.ndarray | None:
    """The part's faces with every face the lines cross split along them (corner numbers into the part's corners
    followed by the new points)."""
    positions = np.concatenate([vertices, lines.points])
    on_edges: dict = {}
    for (u, v), share, number in zip(lines.edges.tolist(), lines.shares.tolist(), range(len(vertices), len(positions))):
        on_edges.setdefault((u, v), []).append((share, number))
    cut_by: dict = {}
    for (f, g), segment in zip(lines.pairs.tolist(), lines.segments.tolist()):
        cut_by.setdefault(f, []).append(segment)
        cut_by.setdefault(g, []).append(segment)
    table = topology.edges(faces, len(vertices))
    edge_keys = lines.edges[:, 0] * len(vertices) + lines.edges[:, 1]
    beside = np.searchsorted(table.keys, edge_keys)
    touched = set(cut_by) | set(table.faces[beside].tolist()) | set(table.faces[beside + 1].tolist())
    if len(touched) > MAX_CROSSED_FACES:
        return None
    pieces = []
    for face in sorted(touched):
        split = _split_face(faces[face], on_edges, cut_by.get(face, []), positions)
        if split is None:
            return None
        pieces += split
    untouched = np.ones(len(faces), dtype=bool)
    untouched[list(touched)] = False
    return np.concatenate([faces[untouched], np.array(pieces, dtype=np.int64).reshape(-1, 3)])


def _outer(positions: np.ndarray, faces: np.ndarray) -> np.ndarray | None:
    """The faces between the solid and the outside, wound outwards: each piece of surface between crossing lines
    is judged by the winding number just in front of and just behind its largest triangle. None when the winding
    numbers do not come out whole."""
    labels = topology.shells(Mesh(positions, faces), manifold_only=True)
    count = int(labels.max()) + 1
    if count * len(faces) > MAX_WINDING_PAIRS:
        return None
    triangles = positions[faces]
    areas = np.linalg.norm(np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]), axis=1)
    order = np.lexsort((-areas, labels))
    largest = order[np.searchsorted(labels[order], np.arange(count))]
    centres = triangles[largest].mean(axis=1)
    whole = topology.winding_numbers(centres, triangles)
    own = np.array([topology.winding_numbers(centre[None], triangles[face][None])[0]
                    for centre, face in zip(centres, largest)])
    twice = 2.0 * (whole - own)
    if np.any(np.abs(twice - np.round(twice)) > HALF_TOLERANCE) or np.any(np.round(twice) % 2 == 0):
        return None
    behind, in_front = np.round(twice + 1) // 2, np.round(twice - 1) // 2
    keep, turn = (behind >= 1) & (in_front <= 0), (in_front >= 1) & (behind <= 0)
    kept = faces[(keep | turn)[labels]]
    turned = turn[labels][(keep | turn)[labels]]
    kept[turned] = kept[turned][:, ::-1]
    return kept


def _resolved(part: Mesh) -> Mesh | None:
    """The union of ``part`` with itself as its corners lie; None when a crossing is degenerate or the result
    does not check out."""
    pairs = crossing_pairs(part)
    if not len(pairs):
        return part
    if len(np.unique(pairs)) > MAX_CROSSED_FACES:
        return None
    vertices, faces = part.vertices.astype(np.float64), part.faces.astype(np.int64)
    lines = _crossing_lines(vertices, faces, pairs)
    split = _split(vertices, faces, lines) if lines is not None else None
    if split is None:
        return None
    positions = np.concatenate([vertices, lines.points])
    kept = _outer(positions, split)
    if kept is None or not len(kept):
        return None
    used, inverse = np.unique(kept.reshape(-1), return_inverse=True)
    result = Mesh(positions[used], inverse.reshape(-1, 3))
    table = topology.edges(result.faces, len(result.vertices))
    if table.open or table.non_manifold or table.inconsistent() or len(crossing_pairs(result)):
        return None
    return result


def united_with_itself(part: Mesh) -> Mesh | None:
    """The closed ``part`` made into the solid it encloses, its self-crossings resolved and its shape kept; the
    part itself when it does not cross itself; None when that cannot be done (see the module's text).

    Where surfaces only touch or lie in one plane (common in drawn models: faces of two boxes in one plane), the
    corners are nudged by a fixed pseudo-random amount of at most JITTER of the part's size and it is tried again,
    which turns touching into crossing or missing; the shape moves by far less than a printer can show."""
    result = _resolved(part)
    low, high = part.bounds()
    reach = JITTER * float(np.linalg.norm(high - low))
    for seed in range(JITTER_TRIES):
        if result is not None:
            break
        nudge = np.random.default_rng(seed).uniform(-reach, reach, part.vertices.shape)
        result = _resolved(Mesh(part.vertices + nudge, part.faces))
    return result
