"""A solid drawn as a shaded picture, seen from the front right, above."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..geometry.mesh import Mesh

MAX_SAMPLES = 1_500_000
COLOUR = np.array([235.0, 125.0, 40.0])
PINHOLE_NEIGHBOURS = 6  # of the eight: a pixel no sample hit with this many drawn around it lies inside the solid


def _view(azimuth_deg: float = -35.0, elevation_deg: float = 30.0) -> np.ndarray:
    """Rotation from model space to the view: x right, y up on screen, z towards the viewer."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    turn = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, math.sin(e), math.cos(e)], [0, -math.cos(e), math.sin(e)]])
    return np.einsum("ij,jk->ik", tilt, turn)


def render(mesh: Mesh, width: int, height: int) -> Image.Image:
    """Shade the model seen from the front right, above: points sampled over every face, nearest wins.

    No BLAS call (einsum instead of a matrix product): it is drawn on a thread beside the slicer's start, and
    OpenBLAS, whose worker threads are stopped around a fork, spun for ever in a product that a fork cut across."""
    view = np.einsum("ij,kj->ik", mesh.vertices.astype(np.float64), _view())
    low, high = view.min(axis=0), view.max(axis=0)
    scale = 0.9 * min(width / max(high[0] - low[0], 1e-9), height / max(high[1] - low[1], 1e-9))
    screen = (view - (low + high) / 2) * scale + [width / 2, height / 2, 0]
    tri = screen[mesh.faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    facing = normals[:, 2] > 0
    tri, normals = tri[facing], normals[facing]
    if not len(tri):
        return Image.new("RGBA", (width, height))
    unit = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    light = np.clip(np.einsum("ij,j->i", unit, np.array([0.3, 0.5, 0.81])), 0, 1) * 0.75 + 0.25
    area = np.abs(normals[:, 2]) / 2
    counts = np.clip(np.ceil(area * 3), 1, None).astype(np.int64)
    if counts.sum() > MAX_SAMPLES:
        counts = np.maximum(1, (counts * MAX_SAMPLES // counts.sum()))
    owner = np.repeat(np.arange(len(tri)), counts)
    rng = np.random.default_rng(0)
    r1, r2 = np.sqrt(rng.random(len(owner))), rng.random(len(owner))
    points = ((1 - r1)[:, None] * tri[owner, 0] + (r1 * (1 - r2))[:, None] * tri[owner, 1]
              + (r1 * r2)[:, None] * tri[owner, 2])
    points = np.concatenate([points, tri.reshape(-1, 3)])
    owner = np.concatenate([owner, np.repeat(np.arange(len(tri)), 3)])
    px = np.clip(points[:, 0].astype(np.int64), 0, width - 1)
    py = np.clip((height - 1 - points[:, 1]).astype(np.int64), 0, height - 1)
    pixel = py * width + px
    depth = np.full(height * width, -np.inf)
    np.maximum.at(depth, pixel, points[:, 2])
    nearest = np.flatnonzero(points[:, 2] == depth[pixel])  # the point nearest the eye in each pixel (or tied)
    image = np.zeros((height * width, 4), dtype=np.uint8)
    image[pixel[nearest], :3] = np.clip(COLOUR * light[owner[nearest]][:, None], 0, 255)
    image[pixel[nearest], 3] = 255
    return Image.fromarray(_pinholes_filled(image.reshape(height, width, 4)), "RGBA")


def _pinholes_filled(image: np.ndarray, passes: int = 2) -> np.ndarray:
    """Pixels no sample landed on inside the solid (most of their eight neighbours drawn) take their drawn
    neighbours' mean colour; the outline, where few neighbours are drawn, stays as it is."""
    for _ in range(passes):
        drawn = image[..., 3] > 0
        padded = np.pad(image.astype(np.float64), ((1, 1), (1, 1), (0, 0)))
        shifts = [padded[1 + dy:padded.shape[0] - 1 + dy, 1 + dx:padded.shape[1] - 1 + dx]
                  for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]
        count = sum((shift[..., 3] > 0).astype(np.int64) for shift in shifts)
        hole = ~drawn & (count >= PINHOLE_NEIGHBOURS)
        if not hole.any():
            break
        total = sum(shift[..., :3] * (shift[..., 3:] > 0) for shift in shifts)
        image = image.copy()
        image[hole, :3] = np.clip(total[hole] / count[hole][:, None], 0, 255).astype(np.uint8)
        image[hole, 3] = 255
    return image
