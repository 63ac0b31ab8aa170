"""A closed part that cuts through itself, made into the solid it encloses without changing its shape (a union of
the part with itself): every triangle it crosses itself in is split along the crossing lines, and of the pieces of
surface between those lines only the ones with the solid on one side and nothing on the other are kept (the
winding number on each side tells which).

Surfaces crossing along lines and three surfaces crossing at points are handled as they lie. Where a crossing is
degenerate (a corner or an edge touching the other surface, coplanar overlaps), nothing is guessed: the corners
involved are nudged a hair and it is tried again, and when that does not settle it the answer is None and the part
is left to the other repairs. The result is checked closed and free of crossings before it is given."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import topology
from .intersections import crossing_pairs
from .mesh import Mesh, compacted

TOUCH = 1e-6  # a point this close to a plane or line (as a share of the part's size or distance from the origin,
# whichever is larger: about 8 steps of a 32-bit float) touches it: a crossing too close to degenerate to resolve
# in 32-bit floats
MAX_CROSSED_FACES = 20_000  # more triangles crossed than this: not attempted (each is split by itself, in about
# half a millisecond: bounded time)
MAX_WINDING_PAIRS = 30_000_000  # pieces of surface times triangles: beyond this, not attempted (a winding number
# for each piece costs a look at every triangle)
HALF_TOLERANCE = 1e-6  # how far twice a winding number on the surface may stray from an odd whole number
AREA_TOLERANCE = 1e-6  # how far the pieces of a split triangle may fall short of covering it, as a share
JITTER = 1e-4  # how far the corners where surfaces touch are nudged at most, as a share like TOUCH's
NUDGES = 4  # rounds of nudging before giving up (each round redoes the work: bounded time)
NEAREST = 6  # corners nudged around each corner of a sliver that crossed after rounding


class _Touching(Exception):
    """A crossing too close to degenerate to resolve as the corners lie; ``corners``: the ones to nudge."""

    def __init__(self, corners: np.ndarray) -> None:
        super().__init__()
        self.corners = np.unique(np.asarray(corners, dtype=np.int64))


@dataclass
class _Lines:
    """Where a part crosses itself: the new points (numbered after the part's corners) and the segments."""

    edges: np.ndarray  # (P, 2) the edge each new point lies on, lower corner first
    shares: np.ndarray  # (P,) how far along that edge, from its lower corner
    points: np.ndarray  # (P, 3) float64 positions
    pairs: np.ndarray  # (K, 2) the faces crossing
    segments: np.ndarray  # (K, 2) point numbers of each pair's segment (a shared corner keeps its own number)


def _orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, touch: float) -> np.ndarray:
    """Which side of the plane through a, b, c each point d lies on: +1, -1, or 0 within ``touch`` of it."""
    across = np.cross(b - a, c - a)
    volume = np.einsum("ij,ij->i", across, d - a)
    return np.where(np.abs(volume) <= touch * np.linalg.norm(across, axis=1), 0, np.sign(volume)).astype(np.int64)


def _pierced(vertices: np.ndarray, faces: np.ndarray, ends: np.ndarray, face: np.ndarray,
             touch: float) -> tuple[np.ndarray, np.ndarray]:
    """Whether each edge (``ends``, lower corner first) passes through the inside of the triangle ``face``, and
    how far along the edge; _Touching where one touches the triangle (neither clearly through nor clearly past)."""
    p, q = vertices[ends[:, 0]], vertices[ends[:, 1]]
    t0, t1, t2 = (vertices[faces[face, k]] for k in range(3))
    side = _orientation(t0, t1, t2, p, touch) * _orientation(t0, t1, t2, q, touch)
    around = np.stack([_orientation(p, q, t0, t1, touch), _orientation(p, q, t1, t2, touch),
                       _orientation(p, q, t2, t0, touch)], axis=1)
    through = (side < 0) & (np.abs(around.sum(axis=1)) == 3)
    past = (side > 0) | ((around.max(axis=1) > 0) & (around.min(axis=1) < 0))
    touching = ~through & ~past
    if touching.any():
        raise _Touching(np.concatenate([ends[touching].reshape(-1), faces[face[touching]].reshape(-1)]))
    normal = np.cross(t1 - t0, t2 - t0)
    near, far = np.einsum("ij,ij->i", p - t0, normal), np.einsum("ij,ij->i", q - t0, normal)
    return through, np.where(through, near / np.where(through, near - far, 1.0), 0.0)


def _crossing_lines(vertices: np.ndarray, faces: np.ndarray, pairs: np.ndarray, touch: float) -> _Lines:
    """The lines along which the pairs' triangles cross (each pair: two edges piercing the other triangle, or one
    edge and the corner they share); _Touching where a crossing is degenerate."""
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
    through, share = _pierced(vertices, faces, events[:, :2], events[:, 2], touch)
    expected = np.where(corner >= 0, 1, 2)
    hit_rows = through[row_event]
    odd = np.bincount(owner[hit_rows], minlength=len(pairs)) != expected
    if odd.any():
        raise _Touching(faces[pairs[odd]].reshape(-1))
    number = np.full(len(events), -1)
    number[through] = len(vertices) + np.arange(int(through.sum()))
    order = np.argsort(owner[hit_rows], kind="stable")
    numbers = number[row_event[hit_rows]][order]
    start = np.cumsum(expected) - expected
    second = np.where(corner >= 0, corner, numbers[np.minimum(start + 1, len(numbers) - 1)])
    p, q = vertices[events[through, 0]], vertices[events[through, 1]]
    points = p + (q - p) * share[through, None]
    return _Lines(events[through, :2], share[through], points, pairs, np.stack([numbers[start], second], axis=1))


def _split_face(corners: np.ndarray, on_edges: dict, segments: list, positions: np.ndarray) -> list:
    """The triangles (corner numbers, wound as the face) that cover one face cut along ``segments``; ``on_edges``:
    the points on each edge as (share, number) by edge (lower corner first). _Touching when the cuts do not divide
    the face cleanly."""
    import shapely  # on first use: a lithophane never needs it

    chain = []
    for k in range(3):
        u, v = int(corners[k]), int(corners[(k + 1) % 3])
        along = [number for _share, number in sorted(on_edges.get((min(u, v), max(u, v)), []))]
        chain += [u] + (along if u < v else along[::-1])
    axes = _flat_axes(positions[corners])
    numbers = sorted(set(chain) | {int(n) for segment in segments for n in segment})
    flat = {number: tuple(positions[number, axes]) for number in numbers}
    if len(set(flat.values())) < len(flat):
        raise _Touching(corners)
    lines = [shapely.LineString([flat[chain[k]], flat[chain[(k + 1) % len(chain)]]]) for k in range(len(chain))]
    lines += [shapely.LineString([flat[int(p)], flat[int(q)]]) for p, q in segments]
    polygons, cuts, dangles, invalid = shapely.polygonize_full(lines)
    whole = shapely.Polygon([flat[int(n)] for n in corners])
    if not (cuts.is_empty and dangles.is_empty and invalid.is_empty) or \
            abs(polygons.area - whole.area) > AREA_TOLERANCE * whole.area:
        raise _Touching(corners)
    number_at = {point: number for number, point in flat.items()}
    wound = np.sign(_area(np.array(whole.exterior.coords[:3])))
    found = []
    for polygon in shapely.get_parts(polygons):
        for triangle in shapely.get_parts(shapely.constrained_delaunay_triangles(polygon)):
            ring = np.array(triangle.exterior.coords[:3])
            numbers = [number_at.get(tuple(point)) for point in ring]
            area = _area(ring)
            if None in numbers or area == 0:
                raise _Touching(corners)
            found.append(numbers if np.sign(area) == wound else numbers[::-1])
    return found


def _flat_axes(triangle: np.ndarray) -> list[int]:
    """The two axes a triangle is seen along without losing its shape (all but its normal's largest)."""
    normal = np.cross(triangle[1] - triangle[0], triangle[2] - triangle[0])
    return [axis for axis in range(3) if axis != int(np.argmax(np.abs(normal)))]


def _side(a: np.ndarray, b: np.ndarray, c: np.ndarray, touch: float) -> int:
    """Which side of the line a-b point c lies on in the plane: +1, -1, or 0 within ``touch`` of it."""
    u, v = b - a, c - a
    cross = u[0] * v[1] - u[1] * v[0]
    return 0 if abs(cross) <= touch * np.linalg.norm(u) else int(np.sign(cross))


def _gap(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """How far point c lies from the segment a-b."""
    along = b - a
    share = float(np.clip(np.dot(c - a, along) / max(float(np.dot(along, along)), 1e-300), 0.0, 1.0))
    return float(np.linalg.norm(c - a - share * along))


def _triple_points(vertices: np.ndarray, faces: np.ndarray, lines: _Lines, cut_by: dict,
                   touch: float) -> tuple[np.ndarray, list[list[int]]]:
    """Where three faces cross at one point (two crossing lines cross inside a face): the points, numbered after
    the lines' points, and the ones on each pair's segment; _Touching where two lines only touch inside a face."""
    pair_number = {tuple(pair): k for k, pair in enumerate(lines.pairs.tolist())}
    positions = np.concatenate([vertices, lines.points])
    found: set[tuple[int, int, int]] = set()
    for face, crossings in cut_by.items():
        axes = _flat_axes(positions[faces[face]])
        for n, first in enumerate(crossings):
            for second in crossings[n + 1:]:
                p, q = lines.segments[first], lines.segments[second]
                if set(p.tolist()) & set(q.tolist()):
                    continue  # one line going on from one pair to the next
                a, b, c, d = (positions[number, axes] for number in (*p, *q))
                sides = (_side(a, b, c, touch), _side(a, b, d, touch), _side(c, d, a, touch), _side(c, d, b, touch))
                if sides[0] * sides[1] < 0 and sides[2] * sides[3] < 0:
                    found.add(tuple(sorted({*lines.pairs[first].tolist(), *lines.pairs[second].tolist()})))
                elif 0 in sides and min(_gap(a, b, c), _gap(a, b, d), _gap(c, d, a), _gap(c, d, b)) <= touch:
                    raise _Touching(faces[lines.pairs[[first, second]]].reshape(-1))
    on_pair: list[list[int]] = [[] for _ in range(len(lines.pairs))]
    points = []
    for number, triple in enumerate(sorted(found)):
        sides_of = [(triple[i], triple[j]) for i in range(len(triple)) for j in range(i + 1, len(triple))]
        if len(triple) != 3 or any(pair not in pair_number for pair in sides_of):
            raise _Touching(faces[list(triple)].reshape(-1))
        for pair in sides_of:
            on_pair[pair_number[pair]].append(len(positions) + number)
        corners = vertices[faces[list(triple)]]
        normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        try:
            points.append(np.linalg.solve(normals, np.einsum("ij,ij->i", normals, corners[:, 0])))
        except np.linalg.LinAlgError as parallel:  # two of the planes parallel: they only touch
            raise _Touching(faces[list(triple)].reshape(-1)) from parallel
    return np.array(points).reshape(-1, 3), on_pair


def _area(ring: np.ndarray) -> float:
    """Twice the signed area of a triangle in the plane."""
    (x0, y0), (x1, y1), (x2, y2) = ring
    return float((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0))


def _split(vertices: np.ndarray, faces: np.ndarray, lines: _Lines,
           touch: float) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Where every face the lines cross is split along them: all corners (the part's, the lines' points, the
    points where three faces cross), the faces, and how many of them come first as they were."""
    cut_by: dict = {}
    for k, (f, g) in enumerate(lines.pairs.tolist()):
        cut_by.setdefault(f, []).append(k)
        cut_by.setdefault(g, []).append(k)
    triples = _triple_points(vertices, faces, lines, cut_by, touch)
    positions = np.concatenate([vertices, lines.points, triples[0]])
    pieces_of = []
    for (start, end), inner in zip(lines.segments.tolist(), triples[1]):
        along = sorted(inner, key=lambda number: float(np.dot(positions[number] - positions[start],
                                                              positions[end] - positions[start])))
        chain = [start, *along, end]
        pieces_of.append(list(zip(chain[:-1], chain[1:])))
    on_edges: dict = {}
    for (u, v), share, number in zip(lines.edges.tolist(), lines.shares.tolist(),
                                     range(len(vertices), len(vertices) + len(lines.points))):
        on_edges.setdefault((u, v), []).append((share, number))
    table = topology.edges(faces, len(vertices))
    beside = np.searchsorted(table.keys, lines.edges[:, 0] * len(vertices) + lines.edges[:, 1])
    touched = set(cut_by) | set(table.faces[beside].tolist()) | set(table.faces[beside + 1].tolist())
    if len(touched) > MAX_CROSSED_FACES:
        return None
    pieces = []
    for face in sorted(touched):
        segments = [piece for k in cut_by.get(face, []) for piece in pieces_of[k]]
        pieces += _split_face(faces[face], on_edges, segments, positions)
    untouched = np.ones(len(faces), dtype=bool)
    untouched[list(touched)] = False
    return (positions, np.concatenate([faces[untouched], np.array(pieces, dtype=np.int64).reshape(-1, 3)]),
            int(untouched.sum()))


def _outer(positions: np.ndarray, faces: np.ndarray) -> np.ndarray | None:
    """For each face: 1 where it lies between the solid and the outside as it faces, -1 where it does turned over,
    0 where it does not (inside the solid, or outside it): each piece of surface between crossing lines is judged by
    the winding number just in front of and just behind its largest triangle. None when the winding numbers do not
    come out whole."""
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
    return (keep.astype(np.int64) - turn)[labels]


def _scale(part: Mesh) -> float:
    """The length TOUCH and JITTER are shares of: the part's diagonal or its farthest distance from the origin
    along an axis, whichever is larger (32-bit floats are coarser far from the origin)."""
    low, high = part.bounds()
    return max(float(np.linalg.norm(high - low)), float(np.abs([low, high]).max()))


def _resolved(part: Mesh, pairs: np.ndarray) -> Mesh | None:
    """The union of ``part`` with itself as its corners lie, given the ``pairs`` of its faces that cross; None when
    it is too large to attempt or its winding numbers do not come out whole; _Touching where a crossing is too close
    to degenerate, also where rounding the new corners to 32-bit floats made a sliver of a triangle cross."""
    if len(np.unique(pairs)) > MAX_CROSSED_FACES:
        return None
    pairs = np.sort(pairs, axis=1)  # each pair lower face first, as the lines and their crossings are keyed
    touch = TOUCH * _scale(part)
    vertices, faces = part.vertices.astype(np.float64), part.faces.astype(np.int64)
    split = _split(vertices, faces, _crossing_lines(vertices, faces, pairs, touch), touch) if len(pairs) else \
        (vertices, faces, len(faces))
    side = _outer(*split[:2]) if split is not None else None
    if side is None or not side.any():
        return None
    if not len(pairs) and np.all(side == 1):
        return part
    positions, faces, untouched = split
    kept = side != 0
    result = compacted(positions, np.where((side < 0)[:, None], faces[:, ::-1], faces)[kept])
    table = topology.edges(result.faces, len(result.vertices))
    if table.open or table.non_manifold or table.inconsistent():
        return None
    crossed = np.unique(_pairs_near(result, (np.arange(len(faces)) >= untouched)[kept]))  # the rest: as before
    if len(crossed):
        raise _Touching(_corners_near(part.vertices, result.vertices[result.faces[crossed]].reshape(-1, 3)))
    return result


def _pairs_near(mesh: Mesh, changed: np.ndarray) -> np.ndarray:
    """The pairs of faces that cross with at least one face ``changed``, looked for only among the faces whose
    boxes reach the changed ones' (every other pair is as it was)."""
    if not changed.any():
        return np.zeros((0, 2), dtype=np.int64)
    low, high = mesh.face_boxes()
    reach_low, reach_high = low[changed].min(axis=0), high[changed].max(axis=0)
    near = np.flatnonzero(np.all(high >= reach_low, axis=1) & np.all(low <= reach_high, axis=1))
    pairs = near[crossing_pairs(Mesh(mesh.vertices, mesh.faces[near]))]
    return pairs[changed[pairs].any(axis=1)]


def _corners_near(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The corners of the part nearest each point, a few each (those that decide where a sliver came from)."""
    from scipy.spatial import cKDTree  # on first use: a lithophane never needs it

    if len(vertices) <= NEAREST:
        return np.arange(len(vertices))
    return cKDTree(vertices).query(points, k=NEAREST)[1].reshape(-1)


def united_with_itself(part: Mesh, pairs: np.ndarray | None = None) -> Mesh | None:
    """The closed ``part`` made into the solid it encloses, its self-crossings resolved and its shape kept; the
    part itself when that is what it is already; None when that cannot be done (see the module's text). The part
    may be several closed surfaces: those that lie inside others and those that overlap are united, those wound
    inwards inside another are cavities. ``pairs``: the pairs of its faces that cross, when known already.

    Where surfaces touch or lie in one plane (common in drawn models: faces of two boxes in one plane), the corners
    involved are nudged by fixed pseudo-random amounts of at most JITTER of the part's scale (7 micrometres for a
    70 mm part, far less than a printer can show) and it is tried again, which turns touching into crossing or
    missing."""
    reach = JITTER * _scale(part)
    rng = np.random.default_rng(0)
    nudges = np.zeros(part.vertices.shape)
    pairs = crossing_pairs(part) if pairs is None else pairs
    for _round in range(NUDGES + 1):
        try:
            if not nudges.any():
                return _resolved(part, pairs)
            nudged = Mesh(part.vertices + nudges, part.faces)
            moved = nudges.any(axis=1)[part.faces].any(axis=1)
            return _resolved(nudged, np.concatenate([pairs[~moved[pairs].any(axis=1)], _pairs_near(nudged, moved)]))
        except _Touching as touching:  # drawn afresh each round, so that no corner strays further than reach
            nudges[touching.corners] = rng.uniform(-reach, reach, (len(touching.corners), 3))
    return None
