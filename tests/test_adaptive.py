"""The adaptive surface stays within its error bound of the heightfield and costs far fewer triangles."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import photo_like

from octoprint_img2print.geometry.checks import summarize
from octoprint_img2print.geometry.heightfield import cut_at_columns, seam_columns, triangulate
from octoprint_img2print.geometry.solid import heightfield_solid
from octoprint_img2print.imaging.load import luminance
from octoprint_img2print.modes.lithophane import LithophaneOptions, thickness


def heightfield(rows: int = 120, cols: int = 160) -> np.ndarray:
    light = luminance(photo_like(cols, rows, seed=3))
    return thickness(light, LithophaneOptions()).astype(np.float64)


def signed_areas(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Twice the signed area of each face in the (x, y) plane."""
    a, b, c = (points[faces[:, k], :2] for k in range(3))
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])


def max_deviation(heights: np.ndarray, points: np.ndarray, faces: np.ndarray) -> float:
    """Largest |surface - heightfield| over every grid point, interpolating inside each triangle."""
    worst = 0.0
    for a, b, c in points[faces].astype(np.float64):
        low, high = np.floor(np.min([a, b, c], axis=0)).astype(int), np.ceil(np.max([a, b, c], axis=0)).astype(int)
        cols, rows = np.meshgrid(np.arange(low[0], high[0] + 1), np.arange(low[1], high[1] + 1))
        det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
        w1 = ((b[1] - c[1]) * (cols - c[0]) + (c[0] - b[0]) * (rows - c[1])) / det
        w2 = ((c[1] - a[1]) * (cols - c[0]) + (a[0] - c[0]) * (rows - c[1])) / det
        w3 = 1 - w1 - w2
        inside = (w1 >= -1e-9) & (w2 >= -1e-9) & (w3 >= -1e-9)
        za, zb, zc = (heights[int(p[1]), int(p[0])] for p in (a, b, c))
        surface = w1 * za + w2 * zb + w3 * zc
        worst = max(worst, float(np.abs(surface - heights[rows, cols])[inside].max(initial=0.0)))
    return worst


@pytest.mark.parametrize("max_error", [0.02, 0.1])
def test_adaptive_surface_is_within_the_error_bound(max_error):
    heights = heightfield()
    points, faces = triangulate(heights, max_error)
    assert max_deviation(heights, points, faces) <= max_error + 1e-6
    assert len(faces) < 2 * 119 * 159


def test_cutting_into_strips_for_bent_sheets_keeps_the_surface_and_conforms():
    heights = heightfield()
    points, faces = triangulate(heights, 0.02)
    surface = np.column_stack([points, heights[points[:, 1], points[:, 0]]]).astype(np.float64)
    seams = seam_columns(160, 16)
    cut, cut_faces = cut_at_columns(surface, faces, seams[1:-1])
    widths = np.ptp(cut[cut_faces][:, :, 0], axis=1)
    assert widths.max() <= 16
    original, pieces = signed_areas(surface, faces), signed_areas(cut, cut_faces)
    assert np.sign(original).min() == np.sign(original).max() == np.sign(pieces).min() == np.sign(pieces).max()
    assert np.abs(pieces).sum() == pytest.approx(np.abs(original).sum())
    assert (np.abs(pieces) > 1e-12).all()
    mesh = heightfield_solid(heights, 100, 75, max_error=0.02, shape="arc", curve_angle_deg=180)
    assert summarize(mesh).closed


def test_full_grid_reproduces_the_heightfield_exactly():
    heights = heightfield(30, 40)
    points, faces = triangulate(heights, 0.02, full=True)
    assert len(faces) == 2 * 29 * 39 and max_deviation(heights, points, faces) < 1e-9


@pytest.mark.parametrize("shape", ["flat", "arc", "cylinder"])
def test_adaptive_solid_is_closed_and_much_smaller_than_the_full_grid(shape):
    heights = heightfield(200, 300)
    adaptive = summarize(heightfield_solid(heights, 100, 66, max_error=0.05, shape=shape))
    grid = summarize(heightfield_solid(heights, 100, 66, max_error=0.05, full=True, shape=shape))
    assert adaptive.closed and grid.closed and adaptive.shells == grid.shells == 1
    assert adaptive.triangles < 0.6 * grid.triangles
    assert adaptive.volume_mm3 == pytest.approx(grid.volume_mm3, rel=0.01)


def test_bent_chords_stay_close_to_the_true_arc():
    heights = np.full((20, 200), 2.0)
    mesh = heightfield_solid(heights, 200, 20, max_error=0.02, shape="cylinder")
    centre = (mesh.vertices.max(axis=0) + mesh.vertices.min(axis=0)) / 2
    tri = mesh.triangles
    middle = tri.mean(axis=1)
    radius_mid = np.hypot(middle[:, 0] - centre[0], middle[:, 1] - centre[1])
    outer = np.isclose(np.hypot(tri[:, :, 0] - centre[0], tri[:, :, 1] - centre[1]), 200 / (2 * np.pi) + 2,
                       atol=1e-3).all(axis=1)
    assert outer.any()
    assert (200 / (2 * np.pi) + 2 - radius_mid[outer]).max() <= 0.02 + 1e-4
