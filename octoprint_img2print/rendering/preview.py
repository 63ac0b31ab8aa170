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


def backlit_picture(mesh: Mesh, transmittance: float, size: tuple[int, int] = PREVIEW_SIZE) -> str:
    """A flat lithophane seen from the front with a light behind it: each point passes T^(thickness) of it."""
    low, high = mesh.bounds()
    width = size[0]
    height = max(1, round(width * (high[1] - low[1]) / max(high[0] - low[0], 1e-9)))
    centres = mesh.vertices[mesh.faces].mean(axis=1)
    up = mesh.face_normals()[:, 2] > 0
    tri = mesh.triangles[up]
    samples = np.concatenate([centres[up], tri.reshape(-1, 3)])
    cols = np.clip(((samples[:, 0] - low[0]) / max(high[0] - low[0], 1e-9) * (width - 1)).astype(int), 0, width - 1)
    rows = np.clip(((high[1] - samples[:, 1]) / max(high[1] - low[1], 1e-9) * (height - 1)).astype(int), 0,
                   height - 1)
    thickness = np.zeros((height, width), dtype=np.float64)
    np.maximum.at(thickness, (rows, cols), samples[:, 2])
    missing = thickness == 0
    if missing.any() and (~missing).any():
        from scipy import ndimage  # only gaps in the picture need it

        nearest = ndimage.distance_transform_edt(missing, return_distances=False, return_indices=True)
        thickness = thickness[tuple(nearest)]
    light = transmitted(thickness - thickness.min(), transmittance)
    return data_url(Image.fromarray((light[..., None] * BACKLIGHT).astype(np.uint8)))
