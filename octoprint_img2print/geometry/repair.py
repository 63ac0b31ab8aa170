"""Make a broken model printable: merge corners, drop bad triangles, fix winding and inside-out parts, drop
specks, close holes (small ones here, tangled ones with MeshFix out of process), remove self-intersections (a
part united with itself, or MeshFix where that keeps the shape) and unite overlapping parts (manifold3d). Parts
that are separate on purpose stay separate; cavities stay cavities. The result counts as repaired only when the
thorough check passes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..i18n import _, ngettext
from ..processes import native_code
from ..report import INFO, WARNING, Report
from . import checks, holes, meshfix, topology
from .checks import (
    MIN_PART_MM,
    MeshSummary,
    needs_repair,
    nested_parts,
    overlapping,
    problems_said,
    specks,
    summarize,
    verdict,
)
from .grouping import equal_rows
from .intersections import Crossing, crossing
from .mesh import Mesh, compacted, concatenate
from .self_union import united_with_itself

MERGE_TOLERANCE_MM = 1e-4
TOUCH_GAP_MM = 1e-3  # how far apart parts that touched are moved, so that a file's reader does not join them again
MAX_MERGE_STEPS = 2.0**50  # beyond this many tolerance steps across the model, only identical corners merge
SHAPE_TOLERANCE = 0.005  # a repair may move the bounding box by this share of its diagonal, and change a closed
# model's volume by this share (closing holes and uniting parts move far less)


@dataclass
class RepairResult:
    """What was wrong, what was done, and the checked result."""

    mesh: Mesh
    before: MeshSummary
    done: Report
    after: MeshSummary
    output: Path | None = None
    file_bytes: int | None = None
    kept: bool = False  # the model as it came, a closed solid that repair would only have made worse

    @property
    def fixed(self) -> bool:
        """True only when the result is a closed solid without self-intersections, and without overlapping parts
        unless it is the model as it came (which slicers print as one)."""
        return self.after.closed and (self.kept or not self.after.overlapping_shells)

    def as_dict(self) -> dict:
        """The answer as plain data for JSON output."""
        data = {"fixed": self.fixed, "verdict": verdict(self.after, repaired=True), "before": self.before.as_dict(),
                "done": self.done.as_list(), "after": self.after.as_dict()}
        if self.output is not None:
            data.update(output=str(self.output), file_bytes=self.file_bytes)
        return data


def _said(done: Report, code: str, count: int, singular: str, plural: str, **numbers: float) -> None:
    """Note what was done, worded for ``count`` (the catalogue extracts the two wordings from every call)."""
    if count:
        done.add(INFO, code, ngettext(singular, plural, count).format(count=count, **numbers), count=count)


def _finite(mesh: Mesh, done: Report) -> Mesh:
    good = np.isfinite(mesh.vertices).all(axis=1)[mesh.faces].all(axis=1)
    _said(done, "dropped_non_finite", int((~good).sum()),
          "Dropped {count} triangle with invalid (NaN or infinite) corners.",
          "Dropped {count} triangles with invalid (NaN or infinite) corners.")
    return compacted(mesh.vertices, mesh.faces[good]) if not good.all() else mesh


def _merged(mesh: Mesh, done: Report, tolerance: float) -> Mesh:
    """Corners closer than ``tolerance`` become one."""
    if len(mesh.vertices) == 0:
        return mesh
    extent = float(np.abs(mesh.vertices).max())
    step = tolerance if extent / tolerance < MAX_MERGE_STEPS else 0.0
    keys = np.round(mesh.vertices / step).astype(np.int64) if step else mesh.vertices
    first, inverse = equal_rows(keys)
    _said(done, "merged_vertices", len(mesh.vertices) - len(first),
          "Merged {count} duplicate corner.", "Merged {count} duplicate corners.")
    return Mesh(mesh.vertices[first], inverse[mesh.faces])


def _without_bad_faces(mesh: Mesh, done: Report) -> Mesh:
    """Drop triangles without area (the holes they leave are closed later), keep one of each set of
    duplicates, and drop pairs of duplicates facing opposite ways (a wall of no thickness)."""
    faces = mesh.faces
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 2] == faces[:, 0])
    flat = repeated | (np.linalg.norm(mesh.face_normals(), axis=1) / 2.0 <= checks.DEGENERATE_AREA_MM2)
    _said(done, "dropped_degenerate", int(flat.sum()),
          "Dropped {count} triangle without area.", "Dropped {count} triangles without area.")
    faces = faces[~flat]
    order = np.argsort(faces, axis=1)
    even = np.isin((order * [9, 3, 1]).sum(axis=1), [0 * 9 + 1 * 3 + 2, 1 * 9 + 2 * 3 + 0, 2 * 9 + 0 * 3 + 1])
    first, group = equal_rows(np.sort(faces, axis=1))
    balance = np.bincount(group, weights=np.where(even, 1.0, -1.0))
    keep = np.zeros(len(faces), dtype=bool)
    survivors = first[balance != 0]
    keep[survivors] = True
    faces = faces[keep]
    turn = (balance[group[keep]] > 0) != even[keep]
    faces[turn] = faces[turn][:, ::-1]
    _said(done, "dropped_duplicates", len(keep) - int(keep.sum()),
          "Dropped {count} duplicate triangle.", "Dropped {count} duplicate triangles.")
    return Mesh(mesh.vertices, faces)


def _wound_alike(mesh: Mesh, done: Report) -> tuple[Mesh, np.ndarray, np.ndarray, topology.Edges]:
    """Turn triangles over so that neighbours agree (each part keeping the way most of its triangles face);
    the mesh, its part labels, which faces could not agree, and its edge table."""
    table = topology.edges(mesh.faces, len(mesh.vertices))
    _said(done, "split_edges", table.non_manifold,
          "Separated the parts along {count} edge shared by more than two triangles.",
          "Separated the parts along {count} edges shared by more than two triangles.")
    flips, twisted = topology.consistent_flips(len(mesh.faces), table)
    labels = topology.shells(mesh, table, manifold_only=True)
    count = int(labels.max()) + 1 if len(labels) else 0
    majority = np.bincount(labels, weights=flips, minlength=count) > np.bincount(labels, minlength=count) / 2
    flips ^= majority[labels]
    faces = mesh.faces.copy()
    faces[flips] = faces[flips][:, ::-1]
    _said(done, "fixed_winding", int(flips.sum()), "Turned {count} triangle to face the same way as its "
                                                       "neighbours.",
          "Turned {count} triangles to face the same way as their neighbours.")
    return Mesh(mesh.vertices, faces), labels, twisted, table


def _broken(part: Mesh) -> bool:
    """True when a part has holes or edges shared by more than two triangles."""
    table = topology.edges(part.faces, len(part.vertices))
    return table.open > 0 or table.non_manifold > 0


def _broken_parts(table: topology.Edges, labels: np.ndarray, count: int) -> np.ndarray:
    """Which parts have holes or edges shared by more than two of their triangles, from the whole mesh's edge
    table (an edge whose triangles fall in several parts is counted in each part apart)."""
    edge = np.repeat(np.arange(len(table.starts)), table.counts)
    each, triangles = np.unique(edge * count + labels[table.faces], return_counts=True)
    broken = np.zeros(count, dtype=bool)
    broken[each[triangles != 2] % count] = True
    return broken


def _parts(mesh: Mesh, labels: np.ndarray, count: int) -> list[Mesh]:
    return [compacted(mesh.vertices, mesh.faces[labels == k]) for k in range(count)]


def _specks(parts: list[Mesh], done: Report, min_part_mm: float) -> np.ndarray:
    """Which parts are smaller than ``min_part_mm`` in every direction (never the largest part)."""
    speck = specks([part.size().max() for part in parts], min_part_mm)
    _said(done, "dropped_specks", int(speck.sum()), "Removed {count} speck smaller than {size:g} mm.",
          "Removed {count} specks smaller than {size:g} mm.", size=min_part_mm)
    return speck


def _fanned(parts: list[Mesh], done: Report) -> tuple[list[Mesh], list[Mesh]]:
    """The parts whose holes numpy could close (a fan in each), and those left for MeshFix."""
    closed, left, holes_closed = [], [], 0
    for part in parts:
        attempt = holes.filled(part)
        if attempt is None or _broken(attempt[0]):
            left.append(part)
            continue
        closed.append(attempt[0])
        holes_closed += attempt[1]
    _said(done, "closed_holes", holes_closed, "Closed {count} hole.", "Closed {count} holes.")
    return closed, left


def shape_change(before: Mesh, after: Mesh, closed: bool) -> tuple[float, float]:
    """How far ``after`` strays from ``before``: the largest move of a bounding-box side as a share of the box's
    diagonal, and the change of volume as a share (0 unless ``before`` was closed, whose volume means something)."""
    if not len(before.faces) or not len(after.faces):
        return (1.0, 1.0 if closed else 0.0) if len(before.faces) else (0.0, 0.0)
    low, high = before.bounds()
    diagonal = max(float(np.linalg.norm(high - low)), 1e-9)
    moved = max(float(np.abs(np.subtract(after.bounds(), (low, high))).max()) / diagonal, 0.0)
    volume = before.volume()
    return moved, abs(after.volume() - volume) / abs(volume) if closed and volume else 0.0


def _keeps_shape(before: Mesh, after: Mesh, closed: bool) -> bool:
    return max(shape_change(before, after, closed)) <= SHAPE_TOLERANCE


def _fixed_by_meshfix(holed: list[Mesh], tangled: list[Mesh], done: Report) -> tuple[list[Mesh], int]:
    """Each part with its holes closed and its self-intersections removed, and how many of them were made the
    solids they enclose. The part as it was where MeshFix fails, or removes self-intersections only by cutting the
    part away (MeshFix deletes the triangles that cross and fills what is left: a tangled part that changes size or
    volume is left as it was, never cut down; the final check then says what is left). A part with holes that
    MeshFix would cut is tried once more: its holes closed by MeshFix alone, then united with itself."""
    parts = holed + tangled
    if not parts:
        return parts, 0
    try:
        results = meshfix.repaired(parts)
    except meshfix.MeshFixFailed as failure:
        done.add(INFO, "meshfix_failed", _("Could not close holes or remove self-intersections: MeshFix failed "
                                           "({reason}).").format(reason=failure))
        return parts, 0
    worked = np.array([len(result.faces) > 0 for result in results])
    cut = np.array([ok and not _keeps_shape(part, result.outward(), k >= len(holed))
                    for k, (part, result, ok) in enumerate(zip(parts, results, worked))])
    retried = np.flatnonzero(cut[:len(holed)])
    for k, united in zip(retried, _filled_and_united([parts[k] for k in retried])):
        if united is not None:
            results[k], cut[k] = united, False
    united_count = len(retried) - int(cut[retried].sum())
    _said(done, "meshfix_would_cut", int(cut.sum()),
          "MeshFix could repair {count} part only by cutting away some of it; it is left as it was.",
          "MeshFix could repair {count} parts only by cutting away some of them; they are left as they were.")
    worked &= ~cut
    _said(done, "meshfix_closed_holes", int(worked[:len(holed)].sum()), "Closed the holes of {count} part.",
          "Closed the holes of {count} parts.")
    _said(done, "removed_self_intersections", int(worked[len(holed):].sum()),
          "Removed the self-intersections of {count} part.", "Removed the self-intersections of {count} parts.")
    _said(done, "meshfix_gave_up", int((~worked & ~cut).sum()),
          "MeshFix could not repair {count} part; it is left as it was.",
          "MeshFix could not repair {count} parts; they are left as they were.")
    return [result.outward() if ok else part for part, result, ok in zip(parts, results, worked)], united_count


def _filled_and_united(parts: list[Mesh]) -> list[Mesh | None]:
    """Each part with its holes closed by MeshFix without its cutting step, then united with itself; None where
    that gives no closed solid within the part's bounding box (a hole closed across the outside moves it)."""
    if not parts:
        return []
    try:
        filled = meshfix.repaired(parts, cutting=False)
    except meshfix.MeshFixFailed:
        return [None] * len(parts)
    found: list[Mesh | None] = []
    for part, closed in zip(parts, filled):
        united = united_with_itself(closed.outward()) if len(closed.faces) and not _broken(closed) else None
        found.append(united if united is not None and _keeps_shape(part, united, False) else None)
    return found


def _united_with_themselves(parts: list[Mesh], crossed: Crossing, part_of: np.ndarray,
                            tangled: list[int]) -> tuple[list[Mesh], list[Mesh]]:
    """The ``tangled`` ones of the closed ``parts`` (which cut through themselves, as ``crossed`` found on all of
    them, ``part_of`` each face) made into the solids they enclose, their shapes kept; and the parts where that
    could not be done (left to MeshFix)."""
    first = np.searchsorted(part_of, np.arange(len(parts)))  # the parts' faces lie one part after the other
    within = crossed.pairs[part_of[crossed.pairs[:, 0]] == part_of[crossed.pairs[:, 1]]]
    resolved, left = [], []
    for k in tangled:
        part = parts[k]
        result = united_with_itself(part, within[part_of[within[:, 0]] == k] - first[k])
        resolved += [result] if result is not None else []
        left += [part] if result is None else []
    return resolved, left


def _labelled(parts: list[Mesh]) -> tuple[Mesh, np.ndarray]:
    """All parts as one mesh, and the part each face comes from."""
    return concatenate(parts), np.repeat(np.arange(len(parts)), [len(part.faces) for part in parts])


@native_code()
def _united(parts: list[Mesh], done: Report, cutting: set[int] | None = None) -> Mesh:
    """One mesh of all parts: where parts overlap or lie inside one another, their union (cavities, parts wound
    inwards inside another, are cut out), level by level of nesting. ``cutting``: the parts known to cut through
    another, when that is known already."""
    from .booleans import from_manifold, to_manifold

    whole, labels = _labelled(parts)
    volumes = np.array([part.volume() for part in parts])
    around = nested_parts(whole, labels, volumes)
    if cutting is None:
        cutting = set(np.unique(labels[crossing(whole, labels).between]).tolist())
    uniting = overlapping(cutting, around, volumes)
    if not uniting:
        return whole
    depth = np.zeros(len(parts), dtype=int)
    for k in range(len(parts)):
        outer = around[k]
        while outer >= 0:
            depth[k] += 1
            outer = around[outer]
    result = None
    for level in range(int(depth.max()) + 1):
        for k in np.flatnonzero(depth == level):
            solid = to_manifold(parts[k].outward())
            result = solid if result is None else (result + solid if volumes[k] > 0 else result - solid)
    _said(done, "united_parts", len(uniting), "United {count} overlapping part into one solid.",
          "United {count} overlapping parts into one solid.")
    return from_manifold(result)


def _inside_out_turned(parts: list[Mesh], done: Report) -> list[Mesh]:
    """Closed parts wound inwards that lie inside no other part are inside out: turn them."""
    if not parts:
        return parts
    whole, labels = _labelled(parts)
    volumes = np.array([part.volume() for part in parts])
    around = nested_parts(whole, labels, volumes)
    inside_out = (volumes < 0) & (around < 0)
    _said(done, "turned_inside_out", int(inside_out.sum()), "Turned {count} inside-out part the right way.",
          "Turned {count} inside-out parts the right way.")
    return [part.flipped() if turn else part for part, turn in zip(parts, inside_out)]


def _kept_apart(mesh: Mesh, done: Report) -> Mesh:
    """Where separate parts touch (along an edge or at a corner), move each part's touching corners a hair
    inwards: written to STL and read again, touching parts would join into edges of more than two triangles."""
    if not len(mesh.faces):  # every part gone (all specks): nothing touches
        return mesh
    labels = topology.shells(mesh, manifold_only=True)
    owner = np.full(len(mesh.vertices), -1)
    owner[mesh.faces] = labels[:, None]
    _first, place = equal_rows(mesh.vertices)
    first_owner = np.full(place.max() + 1, -1)
    first_owner[place] = owner
    touching = np.zeros(len(first_owner), dtype=bool)
    np.logical_or.at(touching, place, owner != first_owner[place])
    moved = touching[place] & (owner >= 0)
    if not moved.any():
        return mesh
    normals = np.zeros((len(mesh.vertices), 3))
    for corner in range(3):
        np.add.at(normals, mesh.faces[:, corner], mesh.face_normals())
    lengths = np.linalg.norm(normals[moved], axis=1, keepdims=True)
    vertices = mesh.vertices.astype(np.float64)
    vertices[moved] -= TOUCH_GAP_MM * normals[moved] / np.maximum(lengths, 1e-30)
    _said(done, "kept_apart", int(moved.sum()),
          "Moved {count} corner {gap:g} mm inwards where separate parts touched, so each part stays closed.",
          "Moved {count} corners {gap:g} mm inwards where separate parts touched, so each part stays closed.",
          gap=TOUCH_GAP_MM)
    return Mesh(vertices, mesh.faces)


def repair(mesh: Mesh, min_part_mm: float = MIN_PART_MM, tolerance_mm: float = MERGE_TOLERANCE_MM,
           before: MeshSummary | None = None) -> RepairResult:
    """Check ``mesh`` thoroughly (unless ``before`` is that check), repair what is wrong, and check the result."""
    before = before or summarize(mesh, thorough=True)
    done = Report()
    if not needs_repair(before):
        return RepairResult(mesh, before, done, before)
    work = _without_bad_faces(_merged(_finite(mesh, done), done, tolerance_mm), done)
    work, labels, twisted, table = _wound_alike(work, done)
    count = int(labels.max()) + 1 if len(labels) else 0
    if count == 0:
        return RepairResult(work, before, done, summarize(work, thorough=True))
    parts = _parts(work, labels, count)
    twisted_parts = np.bincount(labels[twisted], minlength=count) > 0
    broken = _broken_parts(table, labels, count) | twisted_parts
    kept = ~_specks(parts, done, min_part_mm)
    fanned, left = _fanned([parts[k] for k in np.flatnonzero(kept & broken & ~twisted_parts)], done)
    left += [parts[k] for k in np.flatnonzero(kept & broken & twisted_parts)]
    closed = _inside_out_turned([parts[k] for k in np.flatnonzero(kept & ~broken)] + fanned, done)
    whole, part_of = _labelled(closed)
    crossed = crossing(whole, part_of) if closed else None
    tangled = set(np.unique(part_of[crossed.within]).tolist()) if closed else set()
    resolved, still_tangled = _united_with_themselves(closed, crossed, part_of, sorted(tangled)) if closed \
        else ([], [])
    by_meshfix, filled_and_united = _fixed_by_meshfix(left, still_tangled, done)
    _said(done, "united_with_itself", len(resolved) + filled_and_united,
          "Removed the self-intersections of {count} part: it is now the solid its surface encloses (the part "
          "united with itself, nothing cut away).",
          "Removed the self-intersections of {count} parts: each is now the solid its surface encloses (the part "
          "united with itself, nothing cut away).")
    fixed = resolved + by_meshfix
    keep = [part for k, part in enumerate(closed) if k not in tangled] + fixed
    cutting = set(np.unique(part_of[crossed.between]).tolist()) if closed and not fixed else None
    result = _kept_apart(_united(keep, done, cutting), done) if len(keep) > 1 else keep[0] if keep else \
        Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64))  # nothing left: the check says so
    after = summarize(result, thorough=True)
    if before.closed and not after.closed:  # never worse than it came: a closed model stays as it was
        done.add(INFO, "kept_as_it_was", _("Repair would have left it with problems it did not have ({problems}); "
                                           "it is kept as it was.").format(problems=problems_said(after)))
        return RepairResult(mesh, before, done, before, kept=True)
    overlaps = {"united_parts", "united_with_itself"}  # volume counted twice where they overlapped before
    united = bool(overlaps & {finding.code for finding in done.findings})
    _tell_shape_change(done, concatenate([parts[k] for k in np.flatnonzero(kept)]), result,
                       before.closed and not united)
    return RepairResult(result, before, done, after)


def _tell_shape_change(done: Report, before: Mesh, after: Mesh, closed: bool) -> None:
    """A warning when the repaired model strays from the model it came from (specks left out) by more than a
    small tolerance: by how much its bounding box moved and its volume changed."""
    moved, volume = shape_change(before, after, closed)
    if max(moved, volume) > SHAPE_TOLERANCE:
        done.add(WARNING, "shape_changed",
                 _("Repair changed the model's shape: its bounding box moved by up to {moved:.1f} %, measured on its "
                   "diagonal, and its volume by {volume:.1f} %. Compare it with the original before printing.")
                 .format(moved=moved * 100, volume=volume * 100),
                 moved_share=round(moved, 4), volume_share=round(volume, 4))

