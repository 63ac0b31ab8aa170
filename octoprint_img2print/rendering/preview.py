"""Pictures of a solid for the browser: the shaded model, and a lithophane as it looks lit from behind."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from ..geometry.mesh import Mesh
from .shading import render

PREVIEW_SIZE = (480, 360)
BACKLIGHT = np.array([255.0, 236.0, 196.0])
MAX_SAMPLES = 2_000_000


def data_url(image: Image.Image) -> str:
    """A PNG as a data: URL."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def transmitted(thickness: np.ndarray, transmittance: float) -> np.ndarray:
    """The share of light that passes ``thickness`` mm of a material passing ``transmittance`` of it per mm."""
    return transmittance ** thickness


def solid_picture(mesh: Mesh, size: tuple[int, int] = PREVIEW_SIZE) -> str:
    """The shaded solid seen from the front right, above."""
    return data_url(render(mesh, *size))


def top_heights(mesh: Mesh, width: int, steepest: float = 0.0) -> np.ndarray:
    """A flat solid's top surface seen from above: its height at each pixel of a picture ``width`` wide (rows from
    the back to the front), from points spread over the upward faces (those whose unit normal's upward part is
    above ``steepest``: 0.7 keeps the flats of a terraced surface and leaves out the walls between them), the
    highest in each pixel, gaps filled from the nearest."""
    low, high = mesh.bounds()
    height = max(1, round(width * (high[1] - low[1]) / max(high[0] - low[0], 1e-9)))
    scale = (width - 1) / max(high[0] - low[0], 1e-9)
    normals = mesh.face_normals()
    length = np.linalg.norm(normals, axis=1)
    up = normals[:, 2] > steepest * np.maximum(length, 1e-30)
    tri = mesh.triangles[up].astype(np.float64)
    pixels_covered = normals[up, 2] / 2 * scale ** 2
    counts = np.clip(np.ceil(pixels_covered * 2), 1, None).astype(np.int64)
    if counts.sum() > MAX_SAMPLES:
        counts = np.maximum(1, counts * MAX_SAMPLES // counts.sum())
    owner = np.repeat(np.arange(len(tri)), counts)
    rng = np.random.default_rng(0)
    r1, r2 = np.sqrt(rng.random(len(owner))), rng.random(len(owner))
    samples = np.concatenate([(1 - r1)[:, None] * tri[owner, 0] + (r1 * (1 - r2))[:, None] * tri[owner, 1]
                              + (r1 * r2)[:, None] * tri[owner, 2], tri.reshape(-1, 3)])
    cols = np.clip(((samples[:, 0] - low[0]) * scale).astype(int), 0, width - 1)
    rows = np.clip(((high[1] - samples[:, 1]) * scale).astype(int), 0, height - 1)
    tops = np.zeros((height, width), dtype=np.float64)
    np.maximum.at(tops, (rows, cols), samples[:, 2])
    missing = tops == 0
    if missing.any() and (~missing).any():
        from scipy import ndimage  # only gaps in the picture need it

        nearest = ndimage.distance_transform_edt(missing, return_distances=False, return_indices=True)
        tops = tops[tuple(nearest)]
    return tops


def backlit_picture(mesh: Mesh, transmittance: float, size: tuple[int, int] = PREVIEW_SIZE) -> str:
    """A flat lithophane seen from the front with a light behind it: each point passes T^(thickness) of it."""
    thickness = top_heights(mesh, size[0])
    light = transmitted(thickness - thickness.min(), transmittance)
    return data_url(Image.fromarray((light[..., None] * BACKLIGHT).astype(np.uint8)))
