"""Independent checks of written models, with trimesh and the real PrusaSlicer (not img2print's own checker)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import trimesh


def load(path: Path) -> trimesh.Trimesh:
    """The model as one trimesh (3MF scenes are joined)."""
    loaded = trimesh.load(str(path), force="mesh", process=True)
    assert isinstance(loaded, trimesh.Trimesh)
    return loaded


def assert_printable_solid(path: Path, shells: int = 1) -> trimesh.Trimesh:
    """Closed, consistently and outward wound, positive volume, no zero-area faces, on z = 0."""
    mesh = load(path)
    assert mesh.is_watertight, f"{path.name}: not watertight"
    assert mesh.is_winding_consistent, f"{path.name}: inconsistent winding"
    assert mesh.volume > 0, f"{path.name}: negative volume"
    assert (mesh.area_faces > 1e-10).all(), f"{path.name}: zero-area faces"
    assert len(mesh.split(only_watertight=False)) == shells
    assert abs(mesh.bounds[0][2]) < 1e-4, f"{path.name}: does not sit on z = 0"
    return mesh


def prusa_info(prusa_slicer: str, path: Path) -> dict[str, str]:
    """What `prusa-slicer --info` reports about a model, as key -> value."""
    run = subprocess.run([prusa_slicer, "--info", str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    pairs = (line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def assert_size(mesh: trimesh.Trimesh, expected: dict[int, float], tolerance: float = 0.005) -> None:
    """Each given axis (0 x, 1 y, 2 z) has the expected extent within ``tolerance`` (relative)."""
    extents = np.asarray(mesh.extents)
    for axis, value in expected.items():
        assert abs(extents[axis] - value) <= tolerance * value, f"axis {axis}: {extents[axis]:.3f} != {value}"


def surface_height(mesh: trimesh.Trimesh, x: float, y: float) -> float:
    """Height of the highest upward-facing surface above (x, y)."""
    tri = mesh.triangles
    up = mesh.face_normals[:, 2] > 1e-6
    a, b, c = tri[up, 0, :2], tri[up, 1, :2], tri[up, 2, :2]
    p = np.array([x, y])
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    w1 = ((b[:, 1] - c[:, 1]) * (p[0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (p[1] - c[:, 1])) / det
    w2 = ((c[:, 1] - a[:, 1]) * (p[0] - c[:, 0]) + (a[:, 0] - c[:, 0]) * (p[1] - c[:, 1])) / det
    w3 = 1 - w1 - w2
    inside = (w1 >= -1e-9) & (w2 >= -1e-9) & (w3 >= -1e-9)
    z = w1 * tri[up, 0, 2] + w2 * tri[up, 1, 2] + w3 * tri[up, 2, 2]
    assert inside.any(), f"no surface above ({x}, {y})"
    return float(z[inside].max())
