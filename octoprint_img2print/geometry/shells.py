"""Shells that light shines through from inside (a lithophane bent round, a lamp's shade, a dome): how deep each
point lies from the shell's back and which way is out, for the view lit from behind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mesh import Mesh

SECTORS = 72  # the back's innermost points are looked for in this many sectors round the axis
BACK_BAND_MM = 0.2  # and within this of each sector's innermost
FITS = 3


@dataclass(frozen=True)
class Wall:
    """Each vertex's depth (mm) from the shell's back and its direction outwards (unit vectors)."""

    depth: np.ndarray
    outward: np.ndarray


AXIS, CENTRE = "axis", "centre"


@dataclass(frozen=True)
class RoundBack:
    """How a shell's back (round a vertical ``AXIS``, or a ``CENTRE`` for a dome) follows the options when the pages
    redraw it at once: its radius grows with the width (a picture bent round: ``less`` None), or is half the width
    less the rim (``less``: the option whose value is the rim's thickness, or its mm); ``radius_mm`` the back's
    radius as built where the mode knows it (else the innermost point's); ``bands_mm`` rims at the lower and upper
    edge of the shell that keep their heights; ``fixed_height``: the height was given, so only the band between the
    rims follows it."""

    around: str
    radius_mm: float | None = None
    less: str | float | None = None
    bands_mm: tuple[float, float] = (0.0, 0.0)
    fixed_height: bool = False


def rim_named(frame_thickness: float | None) -> str | float:
    """The rim's thickness as a RoundBack's ``less`` says it: the frame's mm when given, else the thickest part's
    option (which the rim follows)."""
    return frame_thickness if frame_thickness is not None else "max_thickness"


def around_axis(mesh: Mesh, radius: float | None = None) -> Wall:
    """A shell round a vertical axis (a bent sheet, all round or in part, or a shade), its back at ``radius`` (the
    innermost point's, unless given)."""
    centre, innermost = axis_and_back(mesh)
    across = np.column_stack([mesh.vertices[:, :2].astype(np.float64) - centre, np.zeros(len(mesh.vertices))])
    radial = np.linalg.norm(across, axis=1)
    back = innermost if radius is None else radius
    return Wall(radial - back, across / np.maximum(radial, 1e-9)[:, None])


def axis_and_back(mesh: Mesh) -> tuple[np.ndarray, float]:
    """Where the vertical axis of a shell round it stands (x, y) and its back's radius (the innermost point's). The
    axis is the centre of the circle its back lies on, seen from above: fitted to all points first, then again to
    the innermost points of each sector round that centre (the back)."""
    xy = mesh.vertices[:, :2].astype(np.float64)
    centre = _circle_centre(xy)
    for _round in range(FITS):
        across = xy - centre
        sector = np.floor((np.arctan2(across[:, 1], across[:, 0]) + np.pi) / (2 * np.pi) * SECTORS).astype(int)
        radial = np.linalg.norm(across, axis=1)
        innermost = np.full(SECTORS + 1, np.inf)
        np.minimum.at(innermost, sector, radial)
        centre = _circle_centre(xy[radial <= innermost[sector] + BACK_BAND_MM])
    return centre, float(np.linalg.norm(xy - centre, axis=1).min())


def _circle_centre(xy: np.ndarray) -> np.ndarray:
    """The centre of the circle that fits the points best (least squares on x² + y² = a x + b y + c)."""
    (a, b, _c), *_ = np.linalg.lstsq(np.column_stack([xy, np.ones(len(xy))]), (xy**2).sum(axis=1), rcond=None)
    return np.array([a / 2, b / 2])


def around_centre(mesh: Mesh) -> Wall:
    """A half-sphere shell standing on its rim, round the middle of its base, its back the innermost point's
    distance."""
    offset = mesh.vertices.astype(np.float64) - base_centre(mesh)
    distance = np.linalg.norm(offset, axis=1)
    return Wall(distance - float(distance.min()), offset / np.maximum(distance, 1e-9)[:, None])


def base_centre(mesh: Mesh) -> np.ndarray:
    """The middle of a solid's base (its bounding box's, at its lowest): where a dome standing on its rim is
    centred."""
    low, high = mesh.bounds()
    return np.array([(low[0] + high[0]) / 2, (low[1] + high[1]) / 2, low[2]])
