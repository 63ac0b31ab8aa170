"""A half-sphere shell whose thickness varies over it: rings of points from the pole to the rim, as many on each
ring as its length needs, the outer surface pushed out along the normal, open at the base on a flat rim."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .mesh import Mesh

MIN_RING_POINTS = 6


def rings(radius: float, pitch: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """Polar angles of the rings (pole excluded, rim last) and each ring's azimuths, about ``pitch`` apart."""
    count = max(2, math.ceil(math.pi / 2 * radius / pitch))
    polar = np.arange(1, count + 1) * (math.pi / 2 / count)
    sizes = np.maximum(MIN_RING_POINTS, np.ceil(2 * math.pi * radius * np.sin(polar) / pitch)).astype(int)
    return polar, [np.arange(n) * (2 * math.pi / n) for n in sizes]


def stitch(upper: int, upper_count: int, lower: int, lower_count: int) -> np.ndarray:
    """Triangles between two closed rings (first indices and sizes), wound outward seen from above the pole."""
    events = np.concatenate([np.arange(1, upper_count + 1) / upper_count, np.arange(1, lower_count + 1) / lower_count])
    on_upper = np.concatenate([np.ones(upper_count, dtype=bool), np.zeros(lower_count, dtype=bool)])
    order = np.lexsort((~on_upper, events))
    on_upper = on_upper[order]
    i = np.concatenate([[0], np.cumsum(on_upper)[:-1]])
    j = np.concatenate([[0], np.cumsum(~on_upper)[:-1]])
    a, a_next = upper + i % upper_count, upper + (i + 1) % upper_count
    b, b_next = lower + j % lower_count, lower + (j + 1) % lower_count
    return np.where(on_upper[:, None], np.stack([a, b, a_next], axis=1), np.stack([a, b, b_next], axis=1))


def dome_shell(radius: float, pitch: float, thickness_at: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Mesh:
    """A closed half-sphere shell: the inner surface at ``radius``, the outer at ``radius`` plus
    ``thickness_at(polar, azimuth)`` along the normal, standing on its flat ring of a rim at z = 0."""
    polar, azimuths = rings(radius, pitch)
    sizes = [len(a) for a in azimuths]
    starts = np.concatenate([[1], 1 + np.cumsum(sizes)[:-1]])
    phi = np.concatenate([[0.0], *[np.full(n, p) for p, n in zip(polar, sizes)]])
    theta = np.concatenate([[0.0], *azimuths])
    faces = [np.stack([np.zeros(sizes[0], dtype=int), starts[0] + np.arange(sizes[0]),
                       starts[0] + (np.arange(sizes[0]) + 1) % sizes[0]], axis=1)]
    faces += [stitch(starts[k], sizes[k], starts[k + 1], sizes[k + 1]) for k in range(len(sizes) - 1)]
    outer_faces = np.concatenate(faces)
    direction = np.stack([np.sin(phi) * np.cos(theta), np.sin(phi) * np.sin(theta), np.cos(phi)], axis=1)
    direction[phi == polar[-1], 2] = 0.0  # the rim lies exactly on the bed
    outer = direction * (radius + thickness_at(phi, theta))[:, None]
    inner = direction * radius
    total = len(phi)
    rim = starts[-1] + np.arange(sizes[-1])
    rim_next = starts[-1] + (np.arange(sizes[-1]) + 1) % sizes[-1]
    base = np.concatenate([np.stack([rim, rim_next + total, rim_next], axis=1),
                           np.stack([rim, rim + total, rim_next + total], axis=1)])
    faces = np.concatenate([outer_faces, outer_faces[:, ::-1] + total, base])
    return Mesh(np.concatenate([outer, inner]), faces).on_bed()
