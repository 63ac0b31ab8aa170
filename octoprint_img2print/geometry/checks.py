"""Is a mesh a printable solid? Closed, manifold, consistently and outward wound, no degenerate faces."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..i18n import _, list_separator, ngettext, numbers
from ..report import ERROR, INFO, WARNING, Report
from . import topology
from .intersections import crossing
from .mesh import Mesh, welded

DEGENERATE_AREA_MM2 = 1e-10


@dataclass
class MeshSummary:
    """What a user wants to know about a model, and the findings that decide whether it prints."""

    size_mm: list[float]
    triangles: int
    vertices: int
    volume_mm3: float
    shells: int
    open_edges: int
    non_manifold_edges: int
    inconsistent_edges: int
    degenerate_faces: int
    report: Report = field(default_factory=Report)
    self_intersections: int | None = None
    overlapping_shells: int | None = None

    @property
    def closed(self) -> bool:
        """True for a closed, manifold, consistently and outward-wound solid."""
        return not self.report.has_errors

    def as_dict(self) -> dict:
        """The summary as plain data for JSON output."""
        return {
            "size_mm": [round(v, 4) for v in self.size_mm],
            "triangles": self.triangles,
            "vertices": self.vertices,
            "closed": self.closed,
            "volume_mm3": round(self.volume_mm3, 3),
            "shells": self.shells,
            "open_edges": self.open_edges,
            "non_manifold_edges": self.non_manifold_edges,
            "inconsistent_edges": self.inconsistent_edges,
            "degenerate_faces": self.degenerate_faces,
            "self_intersections": self.self_intersections,
            "overlapping_shells": self.overlapping_shells,
            "findings": self.report.as_list(),
        }


REPAIRABLE = ("non_finite_vertices", "open_edges", "non_manifold_edges", "inconsistent_winding", "degenerate_faces",
              "inside_out", "self_intersections", "overlapping_shells", "specks")
MAX_PLACES = 5
MIN_PART_MM = 1.0


def specks(extents: list[float] | np.ndarray, min_part_mm: float = MIN_PART_MM) -> np.ndarray:
    """Which parts, by their largest extent, are specks: smaller than ``min_part_mm`` in every direction and not
    the largest part."""
    extents = np.asarray(extents, dtype=float)
    speck = extents < min_part_mm
    if len(extents):
        speck[int(np.argmax(extents))] = False
    return speck


def _place(points: np.ndarray) -> list[float]:
    """The middle of a group of points, rounded for people."""
    low, high = points.min(axis=0), points.max(axis=0)
    return [round(float(v), 1) for v in (low + high) / 2.0]


def _places_text(places: list[list[float]]) -> str:
    """Points for a message, each "(x, y, z)", in the reader's number format."""
    return list_separator().join(f"({numbers(place)})" for place in places)


def nested_parts(mesh: Mesh, labels: np.ndarray, volumes: np.ndarray) -> np.ndarray:
    """For each closed part, the smallest part it lies inside, or -1."""
    boxes = topology.part_boxes(mesh, labels, len(volumes))
    size = np.abs(volumes)
    samples = mesh.vertices[mesh.faces[np.unique(labels, return_index=True)[1], 0]].astype(np.float64)
    around = np.full(len(volumes), -1)
    for outer in np.argsort(size):
        candidates = np.flatnonzero((around < 0) & (size < size[outer])
                                    & np.all(boxes[:, 0] >= boxes[outer, 0], axis=1)
                                    & np.all(boxes[:, 1] <= boxes[outer, 1], axis=1))
        if len(candidates):
            winding = topology.winding_numbers(samples[candidates], mesh.triangles[labels == outer])
            around[candidates[np.abs(winding) > 0.5]] = outer
    return around


def overlapping(cutting: set[int], around: np.ndarray, volumes: np.ndarray) -> set[int]:
    """The parts to unite: those cutting through another part, and solid parts lying inside another (a redundant
    inner body); a cavity (wound inwards) inside a part is meant."""
    return cutting | {k for k in range(len(volumes)) if around[k] >= 0 and volumes[k] > 0}


def _thorough(mesh: Mesh, labels: np.ndarray, count: int, volumes: np.ndarray, report: Report) -> tuple[int, int]:
    """Self-intersections and overlapping parts, reported with where they are; their counts."""
    crossed = crossing(mesh, labels)
    within = int(crossed.within.sum())
    if within:
        places = [_place(mesh.triangles[crossed.within & (labels == k)].reshape(-1, 3))
                  for k in np.unique(labels[crossed.within])[:MAX_PLACES]]
        report.add(ERROR, "self_intersections",
                   ngettext("{count} triangle cuts through its own part (self-intersection), around (x, y, z) = "
                            "{places} mm.", "{count} triangles cut through their own part (self-intersection), "
                            "around (x, y, z) = {places} mm.",
                            within).format(count=within, places=_places_text(places)), count=within, where_mm=places)
    around = nested_parts(mesh, labels, volumes) if count > 1 else np.full(count, -1)
    uniting = overlapping(set(np.unique(labels[crossed.between]).tolist()), around, volumes)
    if uniting:
        places = [_place(mesh.triangles[labels == k].reshape(-1, 3)) for k in sorted(uniting)[:MAX_PLACES]]
        report.add(WARNING, "overlapping_shells", ngettext(
            "{count} part overlaps or lies inside another part, around (x, y, z) = {places} mm; repair unites them "
            "into one solid.", "{count} parts overlap or lie inside another part, around (x, y, z) = {places} mm; "
            "repair unites them into one solid.", len(uniting)).format(count=len(uniting),
                                                                      places=_places_text(places)),
            count=len(uniting), where_mm=places)
    return within, len(uniting)


@dataclass
class Parts:
    """A mesh's parts as the first look found them, for the closer look."""

    labels: np.ndarray  # each face's part
    count: int
    volumes: np.ndarray  # each part's signed volume


def summarize(mesh: Mesh, thorough: bool = False) -> MeshSummary:
    """Measure ``mesh`` and report every defect that would stop it from printing; ``thorough`` also looks for
    self-intersections and overlapping parts (slower)."""
    summary, parts = first_look(mesh)
    return closer_look(mesh, summary, parts) if thorough else summary


def closer_look(mesh: Mesh, summary: MeshSummary, parts: Parts | None) -> MeshSummary:
    """``summary`` (the first look's, left as it is) with self-intersections and overlapping parts looked for,
    where the first look found nothing that stops the model."""
    if parts is None or summary.report.has_errors:
        return summary
    report = Report()
    report.extend(summary.report)
    within, uniting = _thorough(mesh, parts.labels, parts.count, parts.volumes, report)
    return replace(summary, report=report, self_intersections=within, overlapping_shells=uniting)


def first_look(mesh: Mesh) -> tuple[MeshSummary, Parts | None]:
    """Measure ``mesh`` and report the defects found without looking for self-intersections; and its parts (none
    when it has no triangles or corners that are not numbers)."""
    faces, count = mesh.faces, len(mesh.vertices)
    report = Report()
    if len(faces) == 0:
        report.add(ERROR, "empty_mesh", _("The model has no triangles."))
        return MeshSummary([0.0, 0.0, 0.0], 0, count, 0.0, 0, 0, 0, 0, 0, report), None
    bad_corners = int((~np.isfinite(mesh.vertices)).any(axis=1).sum())
    if bad_corners:
        report.add(ERROR, "non_finite_vertices",
                   ngettext("{count} corner has no valid coordinates (NaN or infinite).",
                            "{count} corners have no valid coordinates (NaN or infinite).", bad_corners)
                   .format(count=bad_corners), count=bad_corners)
        return MeshSummary([0.0, 0.0, 0.0], len(faces), count, 0.0, 0, 0, 0, 0, 0, report), None
    table = topology.edges(faces, count)
    labels = topology.shells(mesh, table)
    if labels.max() > 0 and not mesh.merged:  # parts that only touch: a slicer joins corners by position
        table = topology.edges(welded(mesh).faces, count)
    open_edges, non_manifold, inconsistent = table.open, table.non_manifold, table.inconsistent()
    normals = mesh.face_normals()
    areas = np.linalg.norm(normals, axis=1) / 2.0
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 2] == faces[:, 0])
    degenerate = int(((areas <= DEGENERATE_AREA_MM2) | repeated).sum())
    face_volumes = mesh.face_volumes(normals)
    del normals
    volume = float(face_volumes.sum())
    shells = int(labels.max()) + 1
    counted = (
        ("open_edges", open_edges, ngettext("The surface is not closed: {count} edge belongs to only one triangle.",
                                            "The surface is not closed: {count} edges belong to only one triangle.",
                                            open_edges)),
        ("non_manifold_edges", non_manifold,
         ngettext("{count} edge is shared by more than two triangles (non-manifold).",
                  "{count} edges are shared by more than two triangles (non-manifold).", non_manifold)),
        ("inconsistent_winding", inconsistent,
         ngettext("{count} edge joins triangles that face opposite ways (inconsistent winding).",
                  "{count} edges join triangles that face opposite ways (inconsistent winding).", inconsistent)),
        ("degenerate_faces", degenerate,
         ngettext("{count} triangle has no area.", "{count} triangles have no area.", degenerate)),
    )
    for code, number, message in counted:
        if number:
            report.add(ERROR, code, message.format(count=number), count=number)
    if not (open_edges or non_manifold or inconsistent) and volume <= 0:
        report.add(ERROR, "inside_out", _("The triangles face inwards: the volume is {volume:.1f} mm³.")
                   .format(volume=volume), volume_mm3=volume)
    if shells > 1:
        report.add(INFO, "multiple_shells", _("The model has {count} separate parts.").format(count=shells),
                   count=shells)
        boxes = topology.part_boxes(mesh, labels, shells)
        small = int(specks((boxes[:, 1] - boxes[:, 0]).max(axis=1)).sum())
        if small:
            report.add(WARNING, "specks", ngettext(
                "{count} part is smaller than {size:g} mm in every direction (a speck a slicer drops or misprints); "
                "repair removes it.", "{count} parts are smaller than {size:g} mm in every direction (specks a "
                "slicer drops or misprints); repair removes them.", small).format(count=small, size=MIN_PART_MM),
                count=small)
    return (MeshSummary([float(v) for v in mesh.size()], len(faces), count, volume, shells, open_edges, non_manifold,
                        inconsistent, degenerate, report),
            Parts(labels, shells, topology.signed_volumes(face_volumes, labels, shells)))


def verdict(summary: MeshSummary, repaired: bool = False) -> str:
    """One plain sentence that answers 'will this print?' (after a repair, without sending it to repair)."""
    if summary.closed:
        return _("OK: a closed solid, ready to slice.")
    problems = problems_said(summary)
    if repairable(summary) and not repaired and "self_intersections" in _problems(summary):
        return _("NOT PRINTABLE: {problems}. Repair may make it printable: it removes self-intersections only where "
                 "that keeps the shape.").format(problems=problems)
    if repairable(summary) and not repaired:
        return _("NOT PRINTABLE: {problems}. Repair can make it printable.").format(problems=problems)
    return _("NOT PRINTABLE: {problems}.").format(problems=problems)


def problems_said(summary: MeshSummary) -> str:
    """The problems that stop a model from printing, in one sentence."""
    return "; ".join(f.message.rstrip(".") for f in summary.report.findings if f.level == ERROR)


def _problems(summary: MeshSummary) -> set[str]:
    return {f.code for f in summary.report.findings if f.level in (ERROR, WARNING)}


def repairable(summary: MeshSummary) -> bool:
    """True when every problem found is one that repair fixes."""
    problems = _problems(summary)
    return bool(problems) and problems <= set(REPAIRABLE)


def needs_repair(summary: MeshSummary) -> bool:
    """True when repair would change something: a defect, overlapping parts or specks."""
    return bool(_problems(summary) & set(REPAIRABLE))
