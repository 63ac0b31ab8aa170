"""Is a mesh a printable solid? Closed, manifold, consistently and outward wound, no degenerate faces."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..i18n import _, ngettext
from ..report import ERROR, INFO, Report
from .mesh import Mesh

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
            "findings": self.report.as_list(),
        }


def _edge_counts(faces: np.ndarray, vertex_count: int) -> tuple[int, int, int]:
    """Open, non-manifold and inconsistently wound edges of ``faces``."""
    directed = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]).astype(np.int64)
    low, high = directed.min(axis=1), directed.max(axis=1)
    _keys, undirected_counts = np.unique(low * vertex_count + high, return_counts=True)
    open_edges = int((undirected_counts == 1).sum())
    non_manifold = int((undirected_counts > 2).sum())
    _directed, directed_counts = np.unique(directed[:, 0] * vertex_count + directed[:, 1], return_counts=True)
    inconsistent = int((directed_counts > 1).sum())
    return open_edges, non_manifold, inconsistent


def _shell_count(faces: np.ndarray, vertex_count: int) -> int:
    """Number of connected pieces of the surface."""
    if len(faces) == 0:
        return 0
    rows = np.concatenate([faces[:, 0], faces[:, 1]])
    cols = np.concatenate([faces[:, 1], faces[:, 2]])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(vertex_count, vertex_count))
    _count, labels = connected_components(graph, directed=False)
    return len(np.unique(labels[np.unique(faces)]))


def summarize(mesh: Mesh) -> MeshSummary:
    """Measure ``mesh`` and report every defect that would stop it from printing."""
    faces, count = mesh.faces, len(mesh.vertices)
    report = Report()
    if len(faces) == 0:
        report.add(ERROR, "empty_mesh", _("The model has no triangles."))
        return MeshSummary([0.0, 0.0, 0.0], 0, count, 0.0, 0, 0, 0, 0, 0, report)
    open_edges, non_manifold, inconsistent = _edge_counts(faces, count)
    areas = np.linalg.norm(mesh.face_normals(), axis=1) / 2.0
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2]) | (faces[:, 2] == faces[:, 0])
    degenerate = int(((areas <= DEGENERATE_AREA_MM2) | repeated).sum())
    volume = mesh.volume()
    shells = _shell_count(faces, count)
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
    return MeshSummary([float(v) for v in mesh.size()], len(faces), count, volume, shells, open_edges, non_manifold,
                       inconsistent, degenerate, report)


def verdict(summary: MeshSummary) -> str:
    """One plain sentence that answers 'will this print?'."""
    if summary.closed:
        return _("OK: a closed solid, ready to slice.")
    return _("NOT PRINTABLE: {problems}.").format(
        problems="; ".join(f.message.rstrip(".") for f in summary.report.findings if f.level == ERROR))
